#!/usr/bin/python3
"""tcpattack.py -- hostile TCP clients and the legitimate clients that must
still be served, for t_dnsbld_tcp_attack.sh.  Every loop is bounded by
--secs; all traffic goes to loopback.

  starve PORT ZONE SRC --conns N --queries LO,HI --secs S
      N connections from SRC, each pipelining from LO to HI ANY queries
      (spread evenly) and an AXFR in one write, then never reading; held
      for S seconds.
  slowloris PORT --srcs A,B,.. --per N --secs S
      N connections from each source, each sending one byte of a query a
      second; a connection the server closes is opened again.  Prints
      "opened O closed_by_server C".
  legit PORT NAME --src SRC --count K --interval I [--tries T]
      K TCP queries for NAME A, one every I seconds, each on a new
      connection with a 5 s timeout, up to T tries each.  Prints
      "first_try F answered A of K" (every answer parsed by dnspython).
  udpgap PORT NAME --secs S
      a UDP query every 5 ms; prints "sent N answered A max_gap_ms G".
  limit PORT --src SRC --conns N
      opens N connections from SRC at once and prints how many the server
      kept open after a second ("kept K of N").
"""
import argparse
import select
import socket
import struct
import sys
import time

import dns.message
import dns.rcode
import dns.rdatatype


def framed(wire):
    return struct.pack("!H", len(wire)) + wire


def connect(port, src, timeout=5, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if rcvbuf:
        # Before connect: the window offered is small from the start.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    return s


def cmd_starve(a):
    conns = []
    one = framed(dns.message.make_query(a.zone, "ANY").to_wire())
    axfr = framed(dns.message.make_query(a.zone, "AXFR").to_wire())
    lo, hi = (int(x) for x in a.queries.split(","))
    for i in range(a.conns):
        # From lo to hi queries: whatever the kernel buffers hold, some
        # connections leave answers owed when the AXFR comes.
        blob = one * (lo + i * (hi - lo) // max(1, a.conns - 1)) + axfr
        s = connect(a.port, a.src, rcvbuf=4096)
        s.setblocking(False)
        try:
            s.send(blob)
        except BlockingIOError:
            pass
        conns.append(s)
    print("starving with %d connections" % len(conns), flush=True)
    time.sleep(a.secs)
    for s in conns:
        s.close()


def cmd_slowloris(a):
    srcs = a.srcs.split(",")
    q = framed(dns.message.make_query("1.2.0.192." + a.zone, "A").to_wire())
    socks = {}
    opened = closed = 0
    end = time.time() + a.secs

    def open_one(key):
        nonlocal opened
        try:
            s = connect(a.port, key[0], timeout=2)
            s.setblocking(False)
            socks[key] = [s, 0]
            opened += 1
        except OSError:
            socks.pop(key, None)

    for src in srcs:
        for i in range(a.per):
            open_one((src, i))
    while time.time() < end:
        for key in list(socks) + [(s, i) for s in srcs for i in range(a.per)
                                  if (s, i) not in socks]:
            if key not in socks:
                open_one(key)
                continue
            s, n = socks[key]
            try:
                r, _, _ = select.select([s], [], [], 0)
                if r and s.recv(4096) == b"":
                    raise ConnectionResetError
                s.send(q[n % (len(q) - 1):n % (len(q) - 1) + 1])
                socks[key][1] = n + 1
            except OSError:
                closed += 1
                s.close()
                del socks[key]
        time.sleep(1)
    for s, _ in socks.values():
        s.close()
    print("opened %d closed_by_server %d" % (opened, closed))


def ask_tcp(port, src, name):
    q = dns.message.make_query(name, "A")
    s = connect(port, src)
    try:
        s.sendall(framed(q.to_wire()))
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            chunk = s.recv(65535)
            if not chunk:
                return False
            buf += chunk
        r = dns.message.from_wire(buf[2:2 + struct.unpack("!H", buf[:2])[0]])
        return r.id == q.id and r.rcode() == dns.rcode.NOERROR and \
            len(r.answer) == 1
    finally:
        s.close()


def cmd_legit(a):
    first = answered = 0
    for k in range(a.count):
        t0 = time.time()
        for t in range(a.tries):
            try:
                ok = ask_tcp(a.port, a.src, a.name)
            except OSError:
                ok = False
            if ok:
                answered += 1
                first += t == 0
                break
        time.sleep(max(0, a.interval - (time.time() - t0)))
    print("first_try %d answered %d of %d" % (first, answered, a.count))


def cmd_udpgap(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    sent = answered = 0
    last = time.time()
    gap = 0.0
    end = time.time() + a.secs
    wire = dns.message.make_query(a.name, "A").to_wire()
    while time.time() < end:
        s.sendto(wire, ("127.0.0.1", a.port))
        sent += 1
        deadline = time.time() + 0.005
        while True:
            r, _, _ = select.select([s], [], [], max(0, deadline - time.time()))
            if not r:
                break
            try:
                dns.message.from_wire(s.recv(4096))
                answered += 1
                now = time.time()
                gap = max(gap, now - last)
                last = now
            except (BlockingIOError, dns.exception.DNSException):
                pass
    # Late answers still count.
    t = time.time() + 2
    while time.time() < t:
        r, _, _ = select.select([s], [], [], 0.2)
        if r:
            s.recv(4096)
            answered += 1
    print("sent %d answered %d max_gap_ms %d" % (sent, answered, gap * 1000))


def cmd_limit(a):
    conns = []
    for _ in range(a.conns):
        try:
            conns.append(connect(a.port, a.src))
        except OSError:
            pass
    time.sleep(1)
    kept = 0
    for s in conns:
        s.setblocking(False)
        try:
            kept += s.recv(1) != b""
        except BlockingIOError:
            kept += 1
        except OSError:
            pass
        s.close()
    print("kept %d of %d" % (kept, a.conns))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("starve")
    s.add_argument("port", type=int)
    s.add_argument("zone")
    s.add_argument("src")
    s.add_argument("--conns", type=int, default=12)
    s.add_argument("--queries", default="339,339", help="LO,HI")
    s.add_argument("--secs", type=float, default=30)
    s = sub.add_parser("slowloris")
    s.add_argument("port", type=int)
    s.add_argument("--zone", default="relays.example")
    s.add_argument("--srcs", required=True)
    s.add_argument("--per", type=int, default=8)
    s.add_argument("--secs", type=float, default=40)
    s = sub.add_parser("legit")
    s.add_argument("port", type=int)
    s.add_argument("name")
    s.add_argument("--src", default="127.0.0.1")
    s.add_argument("--count", type=int, default=40)
    s.add_argument("--interval", type=float, default=1)
    s.add_argument("--tries", type=int, default=1)
    s = sub.add_parser("udpgap")
    s.add_argument("port", type=int)
    s.add_argument("name")
    s.add_argument("--secs", type=float, default=10)
    s = sub.add_parser("limit")
    s.add_argument("port", type=int)
    s.add_argument("--src", required=True)
    s.add_argument("--conns", type=int, default=20)
    a = p.parse_args()
    {"starve": cmd_starve, "slowloris": cmd_slowloris, "legit": cmd_legit,
     "udpgap": cmd_udpgap, "limit": cmd_limit}[a.cmd](a)


if __name__ == "__main__":
    main()
