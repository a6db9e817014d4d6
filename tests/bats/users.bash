# Running a command as another user (uid/gid 65534) from a bats test.  The
# checkout may live where that user cannot go (a clone under /root, a 0700
# mktemp -d folder), so it never runs anything from the tree: nobody_copy
# gives it a copy in this test's own temporary folder, made traversable.
#
#   load users

# o_plus_x DIR: makes DIR and its parents traversable for other users, up
# to bats' run directory (the temp directories bats makes are 0700).  Skips
# the test when a parent above that is not traversable.
o_plus_x() {
	local d=$1 top
	top=$(dirname "${BATS_RUN_TMPDIR:-$BATS_TEST_TMPDIR}")
	while [ -n "$d" ] && [ "$d" != / ] && [ "$d" != "$top" ]; do
		chmod o+x "$d" || fail "cannot chmod o+x $d"
		d=$(dirname "$d")
	done
	while [ "$d" != / ]; do
		[ "$(($(stat -c '0%a' "$d") & 1))" = 1 ] ||
			skip "$d is not traversable for other users"
		d=$(dirname "$d")
	done
}

# nobody_copy FILE: prints the path of a copy of FILE that uid 65534 can
# read and run (in $BATS_TEST_TMPDIR/for-nobody, removed with the test).
nobody_copy() {
	local dir="$BATS_TEST_TMPDIR/for-nobody"
	mkdir -p "$dir" && chmod 0755 "$dir" || fail "cannot make $dir"
	cp "$1" "$dir/" && chmod 0755 "$dir/$(basename "$1")" || fail "cannot copy $1 to $dir"
	o_plus_x "$dir"
	echo "$dir/$(basename "$1")"
}

# as_nobody CMD [ARGS...]: runs CMD as uid/gid 65534 (bounded), with this
# test's XDG_RUNTIME_DIR.
as_nobody() {
	timeout "${VT_FG_LIMIT:-10}" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-}" "$@"
}

# need_nobody [FILE]: skips unless we are root with setpriv.  With FILE
# (default $VITOOL), sets NOBODY_BIN to a copy uid 65534 can run.
need_nobody() {
	[ "$(id -u)" = 0 ] || skip "needs root to run a command as another user"
	command -v setpriv >/dev/null || skip "setpriv not installed"
	NOBODY_BIN=$(nobody_copy "${1:-$VITOOL}") || return 1
	as_nobody test -x "$NOBODY_BIN" || fail "uid 65534 cannot run its copy $NOBODY_BIN"
	# A binary linked with an rpath into a 0700 home (the other libgpiod
	# variant, tests/gpiod-prefix.sh) cannot load its libraries as nobody.
	if [ -z "${1:-}" ] && ! as_nobody "$NOBODY_BIN" --version >/dev/null 2>&1; then
		skip "uid 65534 cannot load the libraries of $VITOOL (rpath in a folder it cannot read)"
	fi
}
