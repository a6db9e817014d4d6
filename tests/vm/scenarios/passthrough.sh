# passthrough: inside the guest, no vhost-user device: gpio-sim gives a real
# gpiochip, `vitool serve gpio --chip` passes it through (libgpiod) and
# `vitool drive gpio` is the front-end.  VT (set by the host) names the
# vitool binary: /usr/bin/vitool or /usr/bin/vitool-other, built against the
# other libgpiod API.
VT=${VT:-vitool}
cfg=/sys/kernel/config/gpio-sim
mount -t configfs none /sys/kernel/config
mkdir -p $cfg/chip/bank0
echo 8 > $cfg/chip/bank0/num_lines
echo 1 > $cfg/chip/live
run detect gpiodetect
chip=$(gpiodetect | sed -n 's/^\(gpiochip[0-9]*\) \[gpio-sim.*/\1/p' | head -n 1)
sim=/sys/devices/platform/gpio-sim.0/$chip
echo "@@ chip $chip $sim"
[ -n "$chip" ] && [ -d "$sim/sim_gpio3" ] || { ls -R /sys/devices/platform/gpio-sim.0 | head -40; exit 1; }

echo "@@ binary $VT"
$VT serve gpio --chip $chip --socket /tmp/g.sock --control /tmp/g.ctl --print >/tmp/serve.log 2>&1 &
serve=$!
wait_for 5 test -S /tmp/g.sock
# the libgpiod the serve runs with
run libgpiod sh -c "grep -o '/[^ ]*libgpiod[^ ]*' /proc/$serve/maps | sort -u"
drive() { timeout 20 $VT drive gpio --socket /tmp/g.sock "$@"; }

echo pull-up > $sim/sim_gpio3/pull
run get-up drive dir 3 in get 3
echo pull-down > $sim/sim_gpio3/pull
run get-down drive dir 3 in get 3
run set5 drive dir 5 out set 5=1
run value5 cat $sim/sim_gpio5/value

# An edge: the drive arms line 3 for rising edges and waits.  Nothing tells
# when it has armed, so the pull goes down and up until the drive is done.
drive dir 3 in irq 3 rising wait 3 --timeout 8000 >/tmp/edge.out 2>&1 &
edge=$!
toggles=0
while kill -0 $edge 2>/dev/null && [ $toggles -lt 30 ]; do
	sleep 0.2
	echo pull-down > $sim/sim_gpio3/pull
	echo pull-up > $sim/sim_gpio3/pull
	toggles=$((toggles + 1))
done
wait_pid 10 $edge
wait $edge
edgerc=$?
echo "@@ begin edge"; cat /tmp/edge.out; echo "toggles=$toggles"; echo "@@ end edge rc=$edgerc"

kill $serve; wait_pid 5 $serve
echo "@@ begin serve-log"; cat /tmp/serve.log; echo "@@ end serve-log rc=0"
true
