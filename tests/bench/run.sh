#!/bin/sh
# Builds tests/bench/i2c_rate against this tree's library and runs it
# against $VITOOL (default ./build/vitool): requests/s of a drive -> serve
# i2c loop.  Usage: tests/bench/run.sh [SECONDS] [extra serve args...]
set -e
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make -s "$BUILD/libvitool.a" "$BUILD/vitool" >/dev/null
cc -std=c11 -O2 -D_GNU_SOURCE -Ilib -o "$BUILD/bench_i2c_rate" tests/bench/i2c_rate.c \
	"$BUILD/libvitool.a" $(pkg-config --libs libgpiod libpcap)
VITOOL=${VITOOL:-$PWD/$BUILD/vitool} exec "$BUILD/bench_i2c_rate" "$@"
