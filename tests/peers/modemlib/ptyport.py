# SPDX-License-Identifier: Apache-2.0
"""The device file of a fake modem: the slave side of a pty in raw mode.

libqmi and libmbim simply open() the path they are given, so a pty slave works
as the device. The fake keeps its own descriptor on the slave open: without it
the master reads EIO every time a client closes the device, and the terminal
settings would have to be restored on every reopen. Clients (qmicli, the
proxies, the daemon) may then come and go while the fake keeps serving.
"""

import errno
import os
import select
import signal
import sys
import termios
import time
import tty


class PtyPort:
    def __init__(self, link=None, relink=None):
        # Where the symlink is made when the module comes back (a module renumbered by USB re-enumeration:
        # cdc-wdm0 back as cdc-wdm1); the same place by default.
        self.relink = relink
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave, termios.TCSANOW)
        # The master side also sees raw bytes: no echo, no translation.
        tty.setraw(self.master, termios.TCSANOW)
        self.path = os.ttyname(self.slave)
        self.link = None
        if link is not None:
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(self.path, link)
            self.link = link

    def vanish(self, milliseconds):
        """The module leaves the bus for milliseconds and comes back on a new pty: clients holding the old
        one read EOF/EIO, the symlink is gone meanwhile, then points to the new pty (printed on stdout)."""
        link = self.relink if self.relink is not None else self.link
        # The next pty is taken before the old one goes, so the module comes back at another path.
        master, slave = os.openpty()
        self.close()
        time.sleep(milliseconds / 1000.0)
        self.master, self.slave = master, slave
        tty.setraw(self.slave, termios.TCSANOW)
        tty.setraw(self.master, termios.TCSANOW)
        self.path = os.ttyname(self.slave)
        if link is not None:
            if os.path.islink(link):
                os.unlink(link)
            os.symlink(self.path, link)
            self.link = link
        self.announce()

    def announce(self):
        """Print the device path on the first line of stdout, flushed."""
        sys.stdout.write(self.path + "\n")
        sys.stdout.flush()

    def read(self, timeout):
        """Bytes from the client, b"" when nothing came within timeout seconds."""
        try:
            ready, _, _ = select.select([self.master], [], [], timeout)
        except InterruptedError:
            return b""
        if not ready:
            return b""
        try:
            return os.read(self.master, 65536)
        except OSError as exc:
            # Cannot happen while our own slave descriptor is open; be safe anyway.
            if exc.errno in (errno.EIO, errno.EAGAIN):
                time.sleep(0.01)
                return b""
            raise

    def write(self, data):
        view = memoryview(data)
        while len(view) > 0:
            try:
                written = os.write(self.master, view)
            except InterruptedError:
                continue
            except BlockingIOError:
                select.select([], [self.master], [], 1.0)
                continue
            view = view[written:]

    def close(self):
        if self.link is not None:
            try:
                if os.path.islink(self.link) and os.readlink(self.link) == self.path:
                    os.unlink(self.link)
            except OSError:
                pass
            self.link = None
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class StopFlag:
    """Set by SIGTERM/SIGINT so the serve loop ends and cleans up."""

    def __init__(self):
        self.stop = False
        signal.signal(signal.SIGTERM, self._handler)
        signal.signal(signal.SIGINT, self._handler)

    def _handler(self, signum, frame):
        self.stop = True

