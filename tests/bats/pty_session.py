#!/usr/bin/env python3
"""Drives an interactive program through a pseudo-terminal and checks what a
person would see on the screen: the bats suites' readline tester.

    pty_session.py [--rows N] [--cols N] [--timeout S] -- COMMAND [ARGS...] <SCRIPT

The program runs on a pty of a fixed size with TERM=xterm (its own session:
it and its children are killed on every way out).  What it writes goes
through a small terminal model (printable text, CR, LF, BS, TAB, the CSI
cursor-movement and erase sequences readline uses; colours and modes are
ignored), so a step checks the screen, not the bytes.  SCRIPT has one step a
line (shell words; backslash escapes such as \\t, \\r, \\x03 in strings):

    send TEXT            type TEXT
    expect REGEX [S]     some screen row matches (re.search) within S seconds
    expect_row REGEX [S] the cursor's row matches it (re.search)
    absent REGEX         no row matches now
    sh COMMAND           run a shell command (sh -c), fail if it fails
    exit STATUS [S]      the program exits with STATUS within S seconds
    screen               print the screen (debugging)

Exit status 0 when every step passed; else 1, with the failed step and the
screen on stderr.
"""
import argparse
import codecs
import os
import pty
import re
import select
import shlex
import signal
import struct
import subprocess
import sys
import time
import fcntl
import termios


class Screen:
    """Just enough of a VT100/xterm for line editors."""

    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.grid = [[" "] * cols for _ in range(rows)]
        self.r = self.c = 0
        self.wrap = False  # xterm's pending wrap at the last column
        self.esc = ""

    def text(self):
        return ["".join(row).rstrip() for row in self.grid]

    def scroll(self):
        self.grid.pop(0)
        self.grid.append([" "] * self.cols)

    def newline(self):
        if self.r == self.rows - 1:
            self.scroll()
        else:
            self.r += 1

    def put(self, ch):
        if self.wrap:
            self.c = 0
            self.newline()
            self.wrap = False
        self.grid[self.r][self.c] = ch
        if self.c == self.cols - 1:
            self.wrap = True
        else:
            self.c += 1

    def csi(self, params, final):
        private = params.startswith("?") or params.startswith(">")
        nums = [int(p) if p.isdigit() else None for p in params.lstrip("?>").split(";")] if params else []
        n = nums[0] if nums and nums[0] else 1
        if private:
            return
        self.wrap = False
        if final == "A":
            self.r = max(0, self.r - n)
        elif final == "B":
            self.r = min(self.rows - 1, self.r + n)
        elif final == "C":
            self.c = min(self.cols - 1, self.c + n)
        elif final == "D":
            self.c = max(0, self.c - n)
        elif final == "G":
            self.c = min(self.cols - 1, n - 1)
        elif final in "Hf":
            row = nums[0] if nums and nums[0] else 1
            col = nums[1] if len(nums) > 1 and nums[1] else 1
            self.r, self.c = min(self.rows, row) - 1, min(self.cols, col) - 1
        elif final == "K":
            mode = nums[0] if nums and nums[0] is not None else 0
            lo, hi = {0: (self.c, self.cols), 1: (0, self.c + 1), 2: (0, self.cols)}.get(mode, (0, 0))
            for i in range(lo, hi):
                self.grid[self.r][i] = " "
        elif final == "J":
            mode = nums[0] if nums and nums[0] is not None else 0
            if mode == 0:
                rows = range(self.r + 1, self.rows)
                for i in range(self.c, self.cols):
                    self.grid[self.r][i] = " "
            else:
                rows = range(self.rows)
            for r in rows:
                self.grid[r] = [" "] * self.cols
        elif final == "P":
            row = self.grid[self.r]
            del row[self.c:self.c + n]
            row.extend([" "] * n)
        elif final == "@":
            row = self.grid[self.r]
            for _ in range(n):
                row.insert(self.c, " ")
            del row[self.cols:]
        # m (colours), h/l (modes), and the rest: nothing on the grid

    def feed(self, data):
        for ch in data:
            if self.esc:
                self.esc += ch
                if self.esc == "\x1b[" or (self.esc.startswith("\x1b[") and not ch.isalpha() and ch not in "@`~"):
                    continue
                if self.esc.startswith("\x1b]"):  # OSC: up to BEL
                    if ch == "\x07":
                        self.esc = ""
                    continue
                if self.esc.startswith("\x1b["):
                    self.csi(self.esc[2:-1], ch)
                elif len(self.esc) == 2 and ch in "()":
                    continue  # charset: one more byte
                self.esc = ""
                continue
            if ch == "\x1b":
                self.esc = ch
            elif ch == "\r":
                self.c, self.wrap = 0, False
            elif ch == "\n":
                self.wrap = False
                self.newline()
            elif ch == "\b":
                self.wrap = False
                self.c = max(0, self.c - 1)
            elif ch == "\t":
                self.c = min(self.cols - 1, (self.c // 8 + 1) * 8)
            elif ch == "\x07" or ord(ch) < 32:
                pass
            else:
                self.put(ch)


class Session:
    def __init__(self, argv, rows, cols):
        self.screen = Screen(rows, cols)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.environ["COLUMNS"], os.environ["LINES"] = str(cols), str(rows)
            try:
                os.execvp(argv[0], argv)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.status = None

    def pump(self, timeout):
        """Reads what the program wrote within timeout seconds."""
        r, _, _ = select.select([self.fd], [], [], max(0, timeout))
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            return None
        self.screen.feed(data.decode("utf-8", "replace"))
        return True

    def poll_exit(self):
        if self.status is None:
            pid, st = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(st)
        return self.status

    def until(self, pred, timeout):
        end = time.monotonic() + timeout
        while True:
            if pred():
                return True
            left = end - time.monotonic()
            if left <= 0:
                return False
            if self.pump(min(left, 0.05)) is None:
                time.sleep(0.05)  # EOF: the program is going; its status comes

    def kill(self):
        if self.poll_exit() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(self.pid, sig)
                except ProcessLookupError:
                    break
                end = time.monotonic() + 2
                while time.monotonic() < end and self.poll_exit() is None:
                    time.sleep(0.05)
                if self.status is not None:
                    break
        try:
            os.close(self.fd)
        except OSError:
            pass


def unescape(s):
    return codecs.decode(s.encode("utf-8"), "unicode_escape")


def run(sess, steps, default_timeout):
    for lineno, step in steps:
        words = shlex.split(step, posix=True)
        verb, args = words[0], words[1:]
        t = float(args[1]) if len(args) > 1 else default_timeout
        if verb == "send":
            os.write(sess.fd, unescape(args[0]).encode())
        elif verb == "expect":
            rx = re.compile(args[0])
            if not sess.until(lambda: any(rx.search(r) for r in sess.screen.text()), t):
                return f"line {lineno}: no screen row matches /{args[0]}/ within {t} s"
        elif verb == "expect_row":
            rx = re.compile(args[0])
            if not sess.until(lambda: rx.search(sess.screen.text()[sess.screen.r]), t):
                return f"line {lineno}: the cursor's row does not match /{args[0]}/ within {t} s"
        elif verb == "absent":
            sess.pump(0.05)
            rx = re.compile(args[0])
            if any(rx.search(r) for r in sess.screen.text()):
                return f"line {lineno}: a screen row matches /{args[0]}/"
        elif verb == "sh":
            r = subprocess.run(["sh", "-c", args[0]], stdin=subprocess.DEVNULL, timeout=default_timeout * 3)
            if r.returncode:
                return f"line {lineno}: sh {args[0]!r} failed with status {r.returncode}"
        elif verb == "exit":
            want = int(args[0])
            if not sess.until(lambda: sess.poll_exit() is not None, t):
                return f"line {lineno}: still running after {t} s"
            if sess.status != want:
                return f"line {lineno}: exit status {sess.status}, want {want}"
        elif verb == "screen":
            sess.pump(0.1)
            print("\n".join(sess.screen.text()))
        else:
            return f"line {lineno}: unknown step {verb!r}"
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--limit", type=float, default=60.0, help="bound for the whole session")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()
    steps = [(i + 1, l.strip()) for i, l in enumerate(sys.stdin) if l.strip() and not l.lstrip().startswith("#")]
    sess = Session(a.cmd, a.rows, a.cols)

    def on_alarm(sig, frame):
        raise TimeoutError(f"session took longer than {a.limit} s")

    def on_term(sig, frame):
        raise TimeoutError(f"killed by signal {sig}")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(int(a.limit))
    err = None
    try:
        err = run(sess, steps, a.timeout)
    except Exception as e:  # a bad step or the overall bound: still clean up
        err = f"{type(e).__name__}: {e}"
    finally:
        signal.alarm(0)
        sess.kill()
    if err:
        print(f"pty_session: {err}", file=sys.stderr)
        print("pty_session: screen (cursor at row %d col %d):" % (sess.screen.r, sess.screen.c), file=sys.stderr)
        for i, row in enumerate(sess.screen.text()):
            print(f"  {i:2d}|{row}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
