# SPDX-License-Identifier: LGPL-2.1-or-later
"""process.terminal: a foreground `run` on the caller's terminal, and
--console-socket receiving a working pty master."""
import array
import fcntl
import os
import pty
import socket
import struct
import termios
import time

from conftest import assert_berth_error, read_until


def test_run_with_terminal_is_interactive_on_the_callers_tty(bundle):
    c = bundle(["sh"])
    c.process["terminal"] = True
    c.write()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(c.rt.binary, c.rt.argv("run", "--bundle", str(c.path), c.id))
    # our terminal is 33x101: the container's pty must say so
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 101, 0, 0))
    os.write(fd, b"tty; stty size; echo marker-$((40+2))\n")
    out = read_until(fd, b"marker-42")
    assert b"/dev/pts/" in out, out
    assert b"33 101" in out, out
    # a resize reaches the container (SIGWINCH through the pty)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    time.sleep(0.2)
    os.write(fd, b"stty size; exit 3\n")
    out = read_until(fd, b"40 120")
    assert b"40 120" in out, out
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3


def test_console_socket_receives_a_working_pty(ctx, bundle):
    path = str(ctx.work / "console.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    c = bundle(["sh", "-c", "read line; echo got-$line; tty"])
    c.process["terminal"] = True
    c.process["consoleSize"] = {"height": 25, "width": 77}
    c.create("--console-socket", path)
    conn, _ = srv.accept()
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(64, socket.CMSG_SPACE(fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:fds.itemsize])
    assert len(fds) == 1, (msg, anc)
    master = fds[0]
    rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(master, termios.TIOCGWINSZ, b"\0" * 8))
    assert (rows, cols) == (25, 77)
    c.start()
    os.write(master, b"ping\n")
    out = read_until(master, b"/dev/pts/")
    assert b"got-ping" in out and b"/dev/pts/" in out, out
    os.close(master)
    conn.close()
    srv.close()
    c.wait_status("stopped")
    c.delete()


def test_terminal_without_console_socket_needs_a_foreground_run(bundle):
    c = bundle()
    c.process["terminal"] = True
    assert_berth_error(c.create(check=False), "console-socket")
    r = c.run("--detach")
    assert_berth_error(r, "console-socket")
