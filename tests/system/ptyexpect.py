#!/usr/bin/env python3
"""Runs a command on a fresh pseudo-terminal and drives it like a user at a
terminal would: a tiny `expect` for the system tests.

    ptyexpect.py [--rows R] [--cols C] [--timeout S] -- CMD [ARG...] < SCRIPT

The command gets the pty's slave as stdin, stdout, stderr and controlling
terminal (its own session, so it is the terminal's foreground process
group), with the window size R x C set before it starts. SCRIPT has one step
a line:

    expect REGEX       wait (up to S seconds) until the output since the last
                       match matches REGEX (Python syntax, DOTALL)
    send TEXT          type TEXT and Enter (a carriage return, as a terminal
                       sends it)
    type TEXT          type TEXT alone, after Python backslash escapes
                       (type \x03 is Ctrl-C)
    resize ROWS COLS   change the window size; the kernel sends SIGWINCH to
                       the terminal's foreground process group
    close              hang up: close the terminal's master side

After the script, waits for the command to exit while reading its output.
Prints everything the command wrote (CR LF turned to LF) on stdout and exits
with the command's exit code (128+N for a signal). A step that times out
prints the transcript, says which step on stderr, kills the command and
exits 124.
"""

import argparse
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class Terminal:
    def __init__(self, cmd, rows, cols):
        self.master, slave = os.openpty()
        set_size(slave, rows, cols)

        def become_controlling():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            preexec_fn=become_controlling, close_fds=True)
        os.close(slave)
        self.out = b""      # everything read
        self.mark = 0       # where the next expect starts looking
        self.eof = False

    def read_some(self, deadline):
        if self.eof:
            return False
        left = max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([self.master], [], [], left)
        if not ready:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every slave is closed
            data = b""
        if not data:
            self.eof = True
            return False
        self.out += data
        return True

    def expect(self, regex, timeout):
        pattern = re.compile(regex.encode(), re.DOTALL)
        deadline = time.monotonic() + timeout
        while True:
            m = pattern.search(self.out, self.mark)
            if m:
                self.mark = m.end()
                return True
            if time.monotonic() >= deadline or self.eof:
                return False
            self.read_some(deadline)

    def send(self, text):
        os.write(self.master, text.encode() + b"\r")

    def type(self, text):
        os.write(self.master, text.encode().decode("unicode_escape").encode("latin-1"))

    def wait(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.eof and time.monotonic() < deadline:
            self.read_some(deadline)
        try:
            return self.proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return None

    def transcript(self):
        return self.out.decode(errors="replace").replace("\r\n", "\n")

    def kill(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=24)
    ap.add_argument("--cols", type=int, default=80)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("cmd", nargs="+")
    args = ap.parse_args()
    steps = [line.rstrip("\n") for line in sys.stdin if line.strip()]

    term = Terminal(args.cmd, args.rows, args.cols)

    def give_up(why):
        sys.stdout.write(term.transcript())
        sys.stdout.flush()
        print(f"\nptyexpect: {why}", file=sys.stderr)
        term.kill()
        sys.exit(124)

    for step in steps:
        verb, _, rest = step.partition(" ")
        if verb == "expect":
            if not term.expect(rest, args.timeout):
                give_up(f"timed out after {args.timeout}s waiting for /{rest}/"
                        + (" (the terminal closed)" if term.eof else ""))
        elif verb == "send":
            term.send(rest)
        elif verb == "type":
            term.type(rest)
        elif verb == "resize":
            rows, cols = (int(x) for x in rest.split())
            set_size(term.master, rows, cols)
        elif verb == "close":
            os.close(term.master)
            term.eof = True
        else:
            print(f"ptyexpect: unknown step {step!r}", file=sys.stderr)
            term.kill()
            sys.exit(2)

    code = term.wait(args.timeout)
    if code is None:
        give_up(f"the command did not exit within {args.timeout}s")
    sys.stdout.write(term.transcript())
    sys.exit(128 - code if code < 0 else code)


if __name__ == "__main__":
    main()
