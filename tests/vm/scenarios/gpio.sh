# gpio: Linux's virtio-gpio driver and libgpiod 1.6 tools against
# `vitool serve gpio --names ...` (8 lines); the host checks with `lines`
# and fires edges with `vitool inject gpio`.
run detect gpiodetect
run info gpioinfo gpiochip0
# An output the host reads: held until killed.
gpioset --mode=signal gpiochip0 1=1 &
setpid=$!
mark set1
# Two edges the host injects on line 3 once it sees the line armed.
gpiomon -n 2 gpiochip0 3 >/tmp/mon.out 2>&1 &
monpid=$!
mark mon-started
# 124: gpiomon had to be killed (no two edges within 20 s)
if wait_pid 20 $monpid; then wait $monpid; monrc=$?; else monrc=124; fi
echo "@@ begin mon"; cat /tmp/mon.out; echo "@@ end mon rc=$monrc"
# Host -> guest signal on line 7.
mark wait-go
if wait_line gpiochip0 7 1 20; then mark go-received; else mark go-timeout; fi
kill $setpid 2>/dev/null
wait $setpid
true
