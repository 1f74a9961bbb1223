#!/usr/bin/python3
"""rrlcheck.py -- dnsbld's response rate limiting seen from its clients.

Run with /usr/bin/python3 (Debian's python3-dnspython).  Only loopback
addresses are used; every loop is bounded in packets and time.

  rrlcheck.py flood PORT NAME --src A --good B --limit N --slip S
      A floods NAME/A at --rate queries a second for --seconds while B
      asks the same name --good-rate times a second, each query waiting
      for its answer (three tries, as a resolver).  Then A asks the name
      over TCP.  Checks: A's full answers stay within N a second over the
      measured time (plus the burst of N+1, 10% slack) and are at least a
      quarter of that (the limit lets N through, it does not block); A's
      TC answers are the slip share of the rest; every TC answer parses,
      echoes the question, has no records and NOERROR; B gets >= 99% of
      its answers in full (within its three tries; how many came on the
      first is printed); TCP from A is answered in full.
  rrlcheck.py exempt PORT NAME --src A --count N --limit L
      A sends N queries for NAME as fast as they are answered (--window
      in flight); all must be answered in full, none with TC, far more
      than L a second would let through.

Prints the figures measured, one "# ..." line per failure, and exits 0
when every expectation holds.
"""
import argparse
import socket
import struct
import sys
import threading
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype

fails = []


def expect(cond, what):
    if not cond:
        fails.append(what)


def finish():
    for f in fails:
        print("# " + f)
    sys.exit(1 if fails else 0)


class Counter:
    """What one UDP client got back, by kind."""

    def __init__(self):
        self.full = self.tc = self.other = self.bad_tc = 0
        self.first = self.last = None


def receiver(sock, qwire, c, stop):
    """Count the answers arriving on sock until stop is set and the
    socket has been quiet for a second; check every TC answer."""
    sock.settimeout(0.2)
    quiet = 0.0
    while True:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            if stop.is_set():
                quiet += 0.2
                if quiet >= 1.0:
                    return
            continue
        quiet = 0.0
        now = time.monotonic()
        try:
            m = dns.message.from_wire(data)
        except Exception as e:
            c.other += 1
            fails.append("an answer that does not parse: %s" % e)
            continue
        if m.flags & dns.flags.TC:
            c.tc += 1
            ok = (m.rcode() == dns.rcode.NOERROR and not m.answer and
                  not m.authority and not m.additional and
                  data[12:len(qwire)] == qwire[12:])
            if not ok:
                c.bad_tc += 1
                if c.bad_tc <= 3:
                    fails.append("a TC answer not as a slip should be: %s"
                                 % m.to_text().replace("\n", " | "))
        elif m.rcode() == dns.rcode.NOERROR and m.answer:
            c.full += 1
            if c.first is None:
                c.first = now
            c.last = now
        else:
            c.other += 1


def flood(a, qwire, c, result):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.src, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    stop = threading.Event()
    rt = threading.Thread(target=receiver, args=(s, qwire, c, stop))
    rt.start()
    sent, chunk = 0, max(1, a.rate // 200)
    start = time.monotonic()
    end = start + a.seconds
    while time.monotonic() < end and sent < a.rate * a.seconds:
        for _ in range(chunk):
            try:
                s.sendto(qwire, ("127.0.0.1", a.port))
                sent += 1
            except BlockingIOError:
                pass
        # Keep to the rate: sleep until this many should have gone.
        ahead = sent / a.rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    result["sent"] = sent
    result["secs"] = time.monotonic() - start
    stop.set()
    rt.join()
    s.close()


def good_client(a, qwire, result):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.good, 0))
    s.settimeout(1.0)
    n = first = within3 = 0
    start = time.monotonic()
    qid = 0
    while time.monotonic() - start < a.seconds:
        qid = (qid + 1) & 0xffff
        wire = struct.pack("!H", qid) + qwire[2:]
        n += 1
        for attempt in range(3):
            s.sendto(wire, ("127.0.0.1", a.port))
            got = None
            try:
                while True:
                    data = s.recv(4096)
                    if data[:2] == wire[:2]:
                        got = dns.message.from_wire(data)
                        break
            except socket.timeout:
                continue
            if got.rcode() == dns.rcode.NOERROR and got.answer and \
                    not got.flags & dns.flags.TC:
                within3 += 1
                if attempt == 0:
                    first += 1
            break
        # 1/good_rate apart
        nxt = start + n / a.good_rate
        pause = nxt - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    result.update(n=n, first=first, within3=within3)
    s.close()


def tcp_answers(a, qwire, n):
    """n queries over one TCP connection from a.src: how many come back
    in full, without TC."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((a.src, 0))
    s.settimeout(5.0)
    s.connect(("127.0.0.1", a.port))
    s.sendall((struct.pack("!H", len(qwire)) + qwire) * n)
    buf, full = b"", 0
    try:
        for _ in range(n):
            while len(buf) < 2 or len(buf) < 2 + struct.unpack(
                    "!H", buf[:2])[0]:
                c = s.recv(65535)
                if not c:
                    raise socket.timeout
                buf += c
            ln = struct.unpack("!H", buf[:2])[0]
            m = dns.message.from_wire(buf[2:2 + ln])
            buf = buf[2 + ln:]
            if m.answer and not m.flags & dns.flags.TC:
                full += 1
    except socket.timeout:
        pass
    s.close()
    return full


def cmd_flood(a):
    qwire = dns.message.make_query(a.name, "A", use_edns=False).to_wire()
    c = Counter()
    fr, gr = {}, {}
    ft = threading.Thread(target=flood, args=(a, qwire, c, fr))
    gt = threading.Thread(target=good_client, args=(a, qwire, gr))
    ft.start()
    gt.start()
    ft.join()
    gt.join()
    tcp_full = tcp_answers(a, qwire, 20)
    secs = fr["secs"]
    # Full answers may have come over the flood and the second after it.
    span = secs + 1.0
    most = (a.limit * span + a.limit + 1) * 1.1 + 10
    least = a.limit * secs / 4
    print("# flood from %s: %d queries in %.2f s (%.0f/s): %d full answers "
          "(%.1f/s), %d TC, %d other" % (a.src, fr["sent"], secs,
                                         fr["sent"] / secs, c.full,
                                         c.full / secs, c.tc, c.other))
    print("# limit %d/s: full answers allowed at most %.0f, at least %.0f"
          % (a.limit, most, least))
    print("# %s at %d/s: %d queries, %d answered on the first try, %d "
          "within 3 tries" % (a.good, a.good_rate, gr["n"], gr["first"],
                              gr["within3"]))
    print("# TCP from %s right after: %d of 20 answered in full"
          % (a.src, tcp_full))
    expect(c.full <= most, "the flood got %d full answers, over %.0f"
           % (c.full, most))
    expect(c.full >= least, "the flood got %d full answers, under %.0f: "
           "the limit should let %d/s through" % (c.full, least, a.limit))
    limited = fr["sent"] - c.full
    if a.slip == 0:
        expect(c.tc == 0, "slip 0, yet %d TC answers" % c.tc)
    else:
        expect(c.tc <= limited / a.slip + 1, "%d TC answers, more than 1 in "
               "%d of the %d limited" % (c.tc, a.slip, limited))
        expect(c.tc >= limited / a.slip * 0.3, "%d TC answers, under a "
               "third of 1 in %d of the %d limited" % (c.tc, a.slip,
                                                       limited))
    expect(c.bad_tc == 0, "%d TC answers not as a slip should be"
           % c.bad_tc)
    expect(c.other == 0, "%d answers neither full nor TC" % c.other)
    expect(gr["n"] > 0 and gr["within3"] >= 0.99 * gr["n"],
           "the other client got %d of %d answers" % (gr["within3"],
                                                       gr["n"]))
    expect(tcp_full == 20, "TCP: %d of 20 answered in full" % tcp_full)
    print("# counts: sent=%d full=%d tc=%d" % (fr["sent"], c.full, c.tc))
    finish()


def cmd_exempt(a):
    """As fast as the server answers, --window queries in flight, so that
    no socket buffer overflows whatever the machine's load: every query
    must come back in full."""
    qwire = dns.message.make_query(a.name, "A", use_edns=False).to_wire()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.src, 0))
    s.settimeout(2.0)
    full = tc = other = lost = sent = 0
    inflight = set()
    start = time.monotonic()
    while (sent < a.count or inflight) and time.monotonic() - start < 60:
        while sent < a.count and len(inflight) < a.window:
            qid = sent & 0xffff
            s.sendto(struct.pack("!H", qid) + qwire[2:], ("127.0.0.1", a.port))
            inflight.add(qid)
            sent += 1
        try:
            data = s.recv(4096)
        except socket.timeout:
            lost += len(inflight)       # dropped: by the limiter or the kernel
            inflight.clear()
            continue
        qid = struct.unpack("!H", data[:2])[0]
        if qid not in inflight:
            continue
        inflight.discard(qid)
        m = dns.message.from_wire(data)
        if m.flags & dns.flags.TC:
            tc += 1
        elif m.rcode() == dns.rcode.NOERROR and m.answer:
            full += 1
        else:
            other += 1
    secs = time.monotonic() - start
    s.close()
    print("# %s: %d queries in %.2f s (%.0f/s): %d full answers, %d TC, %d "
          "other, %d lost" % (a.src, sent, secs, sent / secs, full, tc, other,
                              lost))
    expect(tc == 0, "%d TC answers" % tc)
    expect(full >= 0.99 * sent, "only %d of %d answered in full"
           % (full, sent))
    expect(full > (a.limit * secs + a.limit + 1) * 2,
           "%d answers in %.2f s: not clearly beyond the limit of %d/s"
           % (full, secs, a.limit))
    finish()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("flood")
    f.add_argument("port", type=int)
    f.add_argument("name")
    f.add_argument("--src", required=True)
    f.add_argument("--good", required=True)
    f.add_argument("--limit", type=int, required=True)
    f.add_argument("--slip", type=int, required=True)
    f.add_argument("--rate", type=int, default=5000)
    f.add_argument("--seconds", type=float, default=8.0)
    f.add_argument("--good-rate", type=int, default=100)
    e = sub.add_parser("exempt")
    e.add_argument("port", type=int)
    e.add_argument("name")
    e.add_argument("--src", required=True)
    e.add_argument("--count", type=int, default=5000)
    e.add_argument("--window", type=int, default=20)
    e.add_argument("--limit", type=int, required=True)
    a = p.parse_args()
    {"flood": cmd_flood, "exempt": cmd_exempt}[a.cmd](a)


if __name__ == "__main__":
    main()
