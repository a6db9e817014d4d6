#!/usr/bin/env bash
# Runs libFuzzer targets (make fuzz builds them into build-fuzz/) for
# FUZZ_SECONDS each and prints TAP, one test per target: ok when it ran
# that long without a finding.  The seed corpus of a target is
# tests/fuzz/corpus/NAME (in the tree, only read); what the run finds to
# keep goes to build-fuzz/corpus/NAME, crashes to build-fuzz/crash/.
#
#   tests/fuzz/run.sh [BIN...]     (default: every build-fuzz/fuzz_*)
# Environment: FUZZ_SECONDS (10), FUZZ_BUILD (build-fuzz), FUZZ_FLAGS
# (more libFuzzer flags, e.g. -jobs=2).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${FUZZ_BUILD:-$here/../../build-fuzz}
secs=${FUZZ_SECONDS:-10}
if [ $# -eq 0 ]; then
	for b in "$build"/fuzz_*; do
		# not the .d files next to them (the name's dot: the path has "..")
		[[ $(basename "$b") == *.* ]] || set -- "$@" "$b"
	done
fi
# Called after make fuzz-build: no target is a broken build, not a skip.
[ $# -gt 0 ] && [ -x "$1" ] || { printf '1..1\nnot ok 1 - no fuzz targets in %s (make fuzz-build)\n' "$build"; exit 1; }
mkdir -p "$build/log" "$build/crash"
echo "1..$#"
n=0 failed=0
for bin in "$@"; do
	n=$((n + 1))
	name=$(basename "$bin")
	seeds="$here/corpus/$name"
	work="$build/corpus/$name"
	log="$build/log/$name.log"
	mkdir -p "$work"
	[ -d "$seeds" ] || seeds=
	# -timeout: one input taking 10 s is a hang; -rss_limit_mb: growing past
	# 2 GB is a leak or an unbounded allocation.  Both are findings.
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/crash/$name-" ${FUZZ_FLAGS:-} "$work" $seeds >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $name: ${runs:-?} runs in $secs s, ${cov:-cov: ?}, no finding"
	else
		failed=$((failed + 1))
		echo "not ok $n - $name: exit $rc (log $log)"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|==[0-9]+==' "$log" | head -n 20 | sed 's/^/# /'
	fi
done
[ "$failed" -eq 0 ]
