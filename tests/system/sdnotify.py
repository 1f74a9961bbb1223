#!/usr/bin/python3
"""sdnotify.py -- the systemd side of sd_notify(3), to check dnsbld's.

Binds an AF_UNIX datagram socket, as the service manager does, starts
dnsbld with NOTIFY_SOCKET naming it, and checks what arrives and in which
order: READY=1 once it answers, then for a SIGHUP RELOADING=1 with
MONOTONIC_USEC (a CLOCK_MONOTONIC time between the signal and the
message) and READY=1 again, then for SIGTERM STOPPING=1 and exit status 0.
Each message must come from dnsbld's own pid (SCM_CREDENTIALS, which the
kernel fills in).  Exits 0 when every expectation holds, else 1 with a
"# ..." line per failure.

  sdnotify.py SOCKET PORT DNSBLD ARGS...
"""
import os
import signal
import socket
import struct
import subprocess
import sys
import time

import dns.message
import dns.query

TIMEOUT = 60.0		# generous: CI is a busy machine
failures = []


def fail(msg):
    failures.append(msg)
    print("# " + msg)


def receive(sock, proc, deadline):
    """One notification as (fields dict, sender pid), or None at timeout."""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, min(1.0, deadline - time.monotonic())))
        try:
            data, anc, _, _ = sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            if proc.poll() is not None:
                return None
            continue
        pid = None
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iII", cdata[:12])[0]
        fields = {}
        for line in data.decode("utf-8", "replace").split("\n"):
            if "=" in line:
                k, v = line.split("=", 1)
                fields[k] = v
        print("# got from pid %s: %r" % (pid, data.decode("utf-8", "replace")))
        return fields, pid
    return None


def expect(sock, proc, key, what):
    got = receive(sock, proc, time.monotonic() + TIMEOUT)
    if got is None:
        fail("%s: no %s=1 (dnsbld exit %s)" % (what, key, proc.poll()))
        return None
    fields, pid = got
    if fields.get(key) != "1":
        fail("%s: expected %s=1 first, got %r" % (what, key, fields))
    if pid != proc.pid:
        fail("%s: sent by pid %s, not dnsbld's %d" % (what, pid, proc.pid))
    return fields


def answers(port):
    q = dns.message.make_query("relays.example", "SOA")
    try:
        r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
        return r.rcode() == 0 and len(r.answer) == 1
    except Exception:
        return False


def main():
    path, port, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    proc = subprocess.Popen(argv, env=env)
    try:
        ready = expect(sock, proc, "READY", "start")
        if ready is not None:
            if "serving" not in ready.get("STATUS", ""):
                fail("start: STATUS does not say serving: %r" % ready)
            if not answers(port):
                fail("start: READY=1 sent, but no answer to a query")
        before = time.clock_gettime(time.CLOCK_MONOTONIC)
        proc.send_signal(signal.SIGHUP)
        rel = expect(sock, proc, "RELOADING", "SIGHUP")
        after = time.clock_gettime(time.CLOCK_MONOTONIC)
        if rel is not None:
            try:
                usec = int(rel.get("MONOTONIC_USEC", ""))
                if not before * 1e6 - 1e3 <= usec <= after * 1e6 + 1e3:
                    fail("SIGHUP: MONOTONIC_USEC %d not between %.0f "
                         "and %.0f" % (usec, before * 1e6, after * 1e6))
            except ValueError:
                fail("SIGHUP: RELOADING=1 without MONOTONIC_USEC: %r" % rel)
        expect(sock, proc, "READY", "after SIGHUP")
        if not answers(port):
            fail("after SIGHUP: no answer to a query")
        proc.send_signal(signal.SIGTERM)
        expect(sock, proc, "STOPPING", "SIGTERM")
        try:
            rc = proc.wait(timeout=TIMEOUT)
            if rc != 0:
                fail("SIGTERM: exit status %d" % rc)
        except subprocess.TimeoutExpired:
            fail("SIGTERM: dnsbld did not exit")
        extra = receive(sock, proc, time.monotonic() + 0.5)
        if extra is not None:
            fail("a message after STOPPING=1: %r" % (extra,))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
