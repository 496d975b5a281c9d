# SPDX-License-Identifier: Apache-2.0
"""The real euiccd under a stand-in for systemd's notify socket, as Type=notify with WatchdogSec= runs it.

A datagram socket with SO_PASSCRED plays the service manager: euiccd must send READY=1 only once its
bus name is owned (so `systemctl start` returning means the API answers), STATUS= lines, WATCHDOG=1 at
half of $WATCHDOG_USEC, and STOPPING=1 on SIGTERM before exiting 0; every datagram must come from the main
process (NotifyAccess=main). The card is absent on purpose: readiness must not wait for the modem.
Skips (77) without dbus-daemon.
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUS_NAME = "org.euiccd.Euiccd1"
WATCHDOG_USEC = 600000  # pings expected every 0.3 s


def fail(message, daemon_log=None):
    print("FAIL: " + message)
    if daemon_log is not None and os.path.exists(daemon_log):
        with open(daemon_log, encoding="utf-8", errors="replace") as f:
            print("--- euiccd stderr ---\n" + f.read())
    sys.exit(1)


def receive(sock, timeout):
    """One datagram and the sender's pid, or (None, None) after timeout seconds."""
    sock.settimeout(max(timeout, 0.001))
    try:
        data, ancdata, _flags, _addr = sock.recvmsg(4096, socket.CMSG_SPACE(12))
    except socket.timeout:
        return None, None
    pid = None
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) >= 12:
            pid, _uid, _gid = struct.unpack("iII", payload[:12])
    return data.decode("utf-8", errors="replace"), pid


def name_has_owner(address):
    out = subprocess.run(
        ["dbus-send", "--bus=" + address, "--print-reply", "--dest=org.freedesktop.DBus",
         "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:" + BUS_NAME],
        capture_output=True, text=True, timeout=10, check=False)
    return "boolean true" in out.stdout


def main():
    builddir = os.environ.get("top_builddir", ".")
    daemon = os.path.join(builddir, "src", "daemon", "euiccd")
    if not os.access(daemon, os.X_OK):
        fail(daemon + " was not built")
    if shutil.which("dbus-daemon") is None or shutil.which("dbus-send") is None:
        print("SKIP: dbus-daemon/dbus-send not found (apt-get install dbus)")
        return 77

    work = tempfile.mkdtemp(prefix="euiccd-notify-")
    bus = None
    proc = None
    try:
        state = os.path.join(work, "state")
        conf = os.path.join(work, "euiccd.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write("[Card]\nDevice=at:%s\n[Poll]\nPollOnStart=yes\n" % os.path.join(work, "no-such-tty"))
        os.makedirs(os.path.join(work, "euiccd.conf.d"))

        with open(os.path.join(work, "dbus-daemon.err"), "w", encoding="utf-8") as bus_err:
            bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                                   stdout=subprocess.PIPE, stderr=bus_err, text=True)
        address = bus.stdout.readline().strip()
        if not address:
            fail("dbus-daemon printed no address")

        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        abstract = "euiccd-test-notify/%d" % os.getpid()
        notify.bind("\0" + abstract)

        env = dict(os.environ)
        env.update({
            "NOTIFY_SOCKET": "@" + abstract,
            "WATCHDOG_USEC": str(WATCHDOG_USEC),
            "DBUS_SESSION_BUS_ADDRESS": address,
        })
        env.pop("WATCHDOG_PID", None)
        env.pop("STATE_DIRECTORY", None)
        daemon_log = os.path.join(work, "euiccd.err")
        with open(daemon_log, "w", encoding="utf-8") as err:
            proc = subprocess.Popen([daemon, "--config", conf, "--state-dir", state, "--bus", "session"],
                                    env=env, stdout=subprocess.DEVNULL, stderr=err)

        messages = []

        def take(timeout):
            text, pid = receive(notify, timeout)
            if text is None:
                return None
            if pid != proc.pid:
                fail("datagram %r came from pid %s, not euiccd's %d (NotifyAccess=main)" % (text, pid, proc.pid),
                     daemon_log)
            messages.append(text)
            return text

        # READY=1, and by then the name must be owned.
        deadline = time.monotonic() + 30
        ready = False
        while time.monotonic() < deadline and not ready:
            text = take(deadline - time.monotonic())
            if text is None:
                break
            if "READY=1" in text.split("\n"):
                ready = True
                if not name_has_owner(address):
                    fail("READY=1 arrived before %s was owned on the bus" % BUS_NAME, daemon_log)
        if not ready:
            fail("no READY=1 within 30 s (got %r)" % messages, daemon_log)
        print("ok: READY=1 with %s owned" % BUS_NAME)

        # Watchdog pings over 1.5 s: one at start, then every 0.3 s.
        ready_index = len(messages)
        end = time.monotonic() + 1.5
        while time.monotonic() < end:
            take(end - time.monotonic())
        pings = sum(1 for m in messages if m == "WATCHDOG=1")
        pings_after_ready = sum(1 for m in messages[ready_index:] if m == "WATCHDOG=1")
        if pings_after_ready < 3 or pings > 12:
            fail("%d WATCHDOG=1 pings (%d in the 1.5 s after READY), expected one every 0.3 s: %r"
                 % (pings, pings_after_ready, messages), daemon_log)
        print("ok: %d WATCHDOG=1 pings in 1.5 s" % pings_after_ready)

        statuses = [m for m in messages if m.startswith("STATUS=")]
        if not statuses:
            fail("no STATUS= line: %r" % messages, daemon_log)
        for m in statuses:
            if "\n" in m:
                fail("a STATUS= datagram holds more than one line: %r" % m, daemon_log)
        print("ok: STATUS lines %r" % statuses)

        proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        stopping = False
        while time.monotonic() < deadline and not stopping:
            text = take(deadline - time.monotonic())
            if text is None:
                break
            stopping = "STOPPING=1" in text.split("\n")
        if not stopping:
            fail("no STOPPING=1 after SIGTERM (got %r)" % messages[-5:], daemon_log)
        try:
            status = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            fail("euiccd did not exit within 15 s of SIGTERM", daemon_log)
        proc = None
        if status != 0:
            fail("euiccd exited with %d after SIGTERM" % status, daemon_log)
        print("ok: STOPPING=1, exit status 0")
        return 0
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        if bus is not None:
            bus.terminate()
            bus.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
