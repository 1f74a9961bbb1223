#!/usr/bin/env python3
"""statscheck.py -- traffic of known kinds for dnsbld's counters, and the
comparison of what dnsbld counted with what was sent.

  statscheck.py send PORT ZONE LISTED OUT.json [--times N]
      Send a fixed mix of queries (UDP and TCP: listed A and TXT, NXDOMAIN,
      NODATA, ANY, BADVERS, REFUSED for a foreign zone, FORMERR from a
      malformed packet, an AXFR), each checked for the rcode it must get,
      N times over; write the counts they must leave, as
      {"ZONE|COUNTER": n}, to OUT.json (added to what it holds).
      COUNTER is queries.udp, qtypes.A, answers.listed, transfers.axfr.ok...
  statscheck.py compare EXPECT.json STATS.json [BASE.json]
      STATS.json is dnsbld's `stats` answer: every counter named in
      EXPECT.json must have exactly that value (more than in BASE.json,
      an earlier answer, when given).
  statscheck.py prom URL EXPECT.json BASE.json
      Ask Prometheus (its HTTP API at URL, /api/v1/query) for each counter
      of EXPECT.json, as dnsbld's metrics name it, and compare its value,
      less the same counter in BASE.json (a `stats` answer taken before the
      traffic), with the number expected.
  statscheck.py flood PORT ZONE LISTED N THREADS
      N listed A queries over UDP from THREADS threads, each waiting for its
      answer; prints how many were answered.
"""
import json
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dnscheck import tcp_recv_msg  # noqa: E402  the one TCP reader

import dns.message
import dns.query
import dns.rcode
import dns.flags
import dns.rdatatype

FOREIGN = "example.org"


def fail(msg):
    print("statscheck: " + msg, file=sys.stderr)
    sys.exit(1)


def udp(port, wire, timeout=3.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(wire, ("127.0.0.1", port))
        return s.recvfrom(65535)[0]
    except socket.timeout:
        return None
    finally:
        s.close()


def tcp(port, wire, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return tcp_recv_msg(s)
    finally:
        s.close()


class Counts:
    def __init__(self):
        self.c = {}

    def add(self, zone, key, n=1):
        k = zone + "|" + key
        self.c[k] = self.c.get(k, 0) + n


def ask(port, name, qtype, over_tcp=False, ednsver=None):
    if ednsver is None:
        q = dns.message.make_query(name, qtype)
    else:
        q = dns.message.make_query(name, qtype)
        q.use_edns(edns=ednsver)
    wire = q.to_wire()
    raw = tcp(port, wire) if over_tcp else udp(port, wire)
    if raw is None:
        fail("no answer to %s %s" % (name, qtype))
    return dns.message.from_wire(raw)


def expect_rcode(m, want, what):
    got = m.rcode()
    if got != want:
        fail("%s: rcode %s, want %s" % (what, dns.rcode.to_text(got),
                                         dns.rcode.to_text(want)))


def send(port, zone, listed, times):
    c = Counts()
    rev = ".".join(reversed(listed.split(".")))
    lname = "%s.%s" % (rev, zone)
    nxname = "9.9.9.9.%s" % zone
    for _ in range(times):
        # UDP: listed A x3, listed TXT x2, NXDOMAIN x2, ANY x1, NODATA x1
        for _ in range(3):
            m = ask(port, lname, "A")
            expect_rcode(m, dns.rcode.NOERROR, "listed A")
            if not m.answer:
                fail("listed A: no answer records")
        for _ in range(2):
            m = ask(port, lname, "TXT")
            expect_rcode(m, dns.rcode.NOERROR, "listed TXT")
        for _ in range(2):
            expect_rcode(ask(port, nxname, "A"), dns.rcode.NXDOMAIN,
                         "unlisted A")
        m = ask(port, lname, "ANY")
        expect_rcode(m, dns.rcode.NOERROR, "listed ANY")
        m = ask(port, lname, "AAAA")
        expect_rcode(m, dns.rcode.NOERROR, "listed AAAA")
        if m.answer:
            fail("AAAA of a listed name: want no records (NODATA)")
        c.add(zone, "queries.udp", 9)
        c.add(zone, "qtypes.A", 5)
        c.add(zone, "qtypes.TXT", 2)
        c.add(zone, "qtypes.ANY", 1)
        c.add(zone, "qtypes.other", 1)
        c.add(zone, "answers.listed", 6)
        c.add(zone, "answers.nxdomain", 2)
        c.add(zone, "answers.nodata", 1)
        # BADVERS: EDNS version 1
        m = ask(port, lname, "A", ednsver=1)
        if m.rcode() != dns.rcode.BADVERS:
            fail("EDNS version 1: rcode %s, want BADVERS" %
                 dns.rcode.to_text(m.rcode()))
        c.add(zone, "queries.udp")
        c.add(zone, "qtypes.A")
        c.add(zone, "answers.badvers")
        # REFUSED: a foreign zone, A x2 over UDP
        for _ in range(2):
            expect_rcode(ask(port, "www." + FOREIGN, "A"), dns.rcode.REFUSED,
                         "foreign zone")
        c.add("-", "queries.udp", 2)
        c.add("-", "qtypes.A", 2)
        c.add("-", "answers.refused", 2)
        # FORMERR: a header with QDCOUNT 0, and one whose question is cut
        for wire in (bytes.fromhex("123401000000000000000000"),
                     bytes.fromhex("1234010000010000000000000672656c6179")):
            raw = udp(port, wire)
            if raw is None or (raw[3] & 0xf) != dns.rcode.FORMERR:
                fail("malformed query: want FORMERR")
        c.add("-", "queries.udp", 2)
        c.add("-", "qtypes.other", 2)
        c.add("-", "answers.formerr", 2)
        # TCP: listed A x2, NXDOMAIN x1
        for _ in range(2):
            expect_rcode(ask(port, lname, "A", over_tcp=True),
                         dns.rcode.NOERROR, "listed A over TCP")
        expect_rcode(ask(port, nxname, "A", over_tcp=True),
                     dns.rcode.NXDOMAIN, "unlisted A over TCP")
        c.add(zone, "queries.tcp", 3)
        c.add(zone, "qtypes.A", 3)
        c.add(zone, "answers.listed", 2)
        c.add(zone, "answers.nxdomain", 1)
        # An AXFR: its records must hold the listed name's
        x = dns.query.xfr("127.0.0.1", zone, port=port, timeout=10,
                          lifetime=30, relativize=False)
        names = set()
        for msg in x:
            for rrset in msg.answer:
                names.add(rrset.name.to_text(omit_final_dot=True))
        if lname not in names:
            fail("AXFR: %s not in the zone" % lname)
        c.add(zone, "queries.tcp")
        c.add(zone, "qtypes.other")
        c.add(zone, "transfers.axfr.ok")
    return c


def cmd_send(a):
    port, zone, listed, out = int(a[0]), a[1], a[2], a[3]
    times = int(a[5]) if len(a) > 5 and a[4] == "--times" else 1
    c = send(port, zone, listed, times)
    have = {}
    if os.path.exists(out) and os.path.getsize(out) > 0:
        with open(out) as f:
            have = json.load(f)
    for k, v in c.c.items():
        have[k] = have.get(k, 0) + v
    with open(out, "w") as f:
        json.dump(have, f, sort_keys=True)


def lookup(stats, zone, key):
    for z in stats["zones"]:
        if z["name"] == zone:
            v = z
            for part in key.split("."):
                v = v[part]
            return v
    return 0


def cmd_compare(a):
    with open(a[0]) as f:
        want = json.load(f)
    with open(a[1]) as f:
        stats = json.load(f)
    base = {"zones": []}
    if len(a) > 2:
        with open(a[2]) as f:
            base = json.load(f)
    bad = 0
    for k, v in sorted(want.items()):
        zone, key = k.split("|", 1)
        got = lookup(stats, zone, key) - lookup(base, zone, key)
        if got != v:
            print("%s %s: got %s, want %s" % (zone, key, got, v))
            bad += 1
    # The totals are the sums of the zones.
    for part in ("queries.udp", "queries.tcp", "answers.listed"):
        s = sum(lookup(stats, z["name"], part) for z in stats["zones"])
        t = stats["total"]
        for p in part.split("."):
            t = t[p]
        if s != t:
            print("total %s: %s, zones add up to %s" % (part, t, s))
            bad += 1
    sys.exit(1 if bad else 0)


def promql(zone, key):
    parts = key.split(".")
    z = 'zone="%s"' % zone
    if parts[0] == "queries":
        return 'dnsbl_queries_total{%s,transport="%s"}' % (z, parts[1])
    if parts[0] == "qtypes":
        return 'dnsbl_queries_by_qtype_total{%s,qtype="%s"}' % (z, parts[1])
    if parts[0] == "answers":
        return 'dnsbl_answers_total{%s,outcome="%s"}' % (z, parts[1])
    if parts[0] == "transfers":
        return 'dnsbl_transfers_total{%s,kind="%s",result="%s"}' % (
            z, parts[1].upper(), parts[2])
    if parts[0] == "notify":
        return 'dnsbl_notify_total{%s,result="%s"}' % (z, parts[1])
    fail("no metric for " + key)


def prom_query(url, q):
    import urllib.parse
    import urllib.request
    u = url + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(u, timeout=10) as r:
        d = json.load(r)
    if d.get("status") != "success":
        fail("prometheus: %s: %s" % (q, d))
    return d["data"]["result"]


def cmd_prom(a):
    url = a[0]
    with open(a[1]) as f:
        want = json.load(f)
    with open(a[2]) as f:
        base = json.load(f)
    bad = 0
    for k, v in sorted(want.items()):
        zone, key = k.split("|", 1)
        q = promql(zone, key)
        res = prom_query(url, q)
        if len(res) != 1:
            print("%s: %d series" % (q, len(res)))
            bad += 1
            continue
        got = int(float(res[0]["value"][1])) - lookup(base, zone, key)
        if got != v:
            print("%s: got %s, want %s" % (q, got, v))
            bad += 1
        else:
            print("%s: %s" % (q, got))
    sys.exit(1 if bad else 0)


def cmd_flood(a):
    port, zone, listed, n, nth = int(a[0]), a[1], a[2], int(a[3]), int(a[4])
    rev = ".".join(reversed(listed.split(".")))
    wire = dns.message.make_query("%s.%s" % (rev, zone), "A").to_wire()
    got = [0] * nth

    def run(i):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(3.0)
        for _ in range(n // nth):
            s.sendto(wire, ("127.0.0.1", port))
            try:
                s.recvfrom(65535)
                got[i] += 1
            except socket.timeout:
                pass
        s.close()

    ts = [threading.Thread(target=run, args=(i,)) for i in range(nth)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(sum(got))


def main():
    cmds = {"send": cmd_send, "compare": cmd_compare, "flood": cmd_flood,
            "prom": cmd_prom}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        fail(__doc__)
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
