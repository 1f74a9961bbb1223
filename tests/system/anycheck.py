#!/usr/bin/python3
"""anycheck.py -- RFC 8482 at dnsbld: ANY over UDP gets one RRset, over
TCP every RRset the name has.

Run with /usr/bin/python3 (Debian's python3-dnspython).  Only loopback
addresses are ever queried.

  anycheck.py PORT KIND:NAME...

KIND says what the name is and which RRset a UDP ANY must give:
  apex    the SOA           glue     the first glue RRset (A here)
  listed  the A             none     no RRset (NXDOMAIN or NODATA)

For each name: the TCP ANY answer is parsed and compared with the union
of the TCP answers to a query for each type it holds (so TCP ANY is whole);
then a UDP ANY without EDNS, with EDNS payload 512 and with 1232 must have
TC clear, the rcode of the TCP answer, and exactly the one RRset KIND says,
equal (records and TTL) to that RRset in the TCP answer, with no authority
or additional records for a positive answer.  Prints one "# ..." line per
failure and the sizes seen; exits 0 when every expectation holds.
"""
import socket
import struct
import sys

import dns.flags
import dns.message
import dns.rdatatype

fails = []


def expect(cond, what):
    if not cond:
        fails.append(what)


def udp(port, wire):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    try:
        for _ in range(3):
            s.sendto(wire, ("127.0.0.1", port))
            try:
                return s.recv(65535)
            except socket.timeout:
                continue
        return None
    finally:
        s.close()


def tcp(port, wire):
    s = socket.create_connection(("127.0.0.1", port), timeout=3.0)
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            c = s.recv(65535)
            if not c:
                return None
            buf += c
        return buf[2:]
    finally:
        s.close()


def ask(port, name, rdtype, over_tcp, edns):
    q = dns.message.make_query(name, rdtype, use_edns=edns is not None,
                               payload=edns or 512)
    wire = q.to_wire()
    data = (tcp if over_tcp else udp)(port, wire)
    if data is None:
        return None, len(wire), 0
    m = dns.message.from_wire(data)
    expect(m.id == q.id, "%s %s: id" % (name, rdtype))
    return m, len(wire), len(data)


def rrsets(m):
    return {(rr.rdtype, rr.ttl, tuple(sorted(rd.to_text() for rd in rr)))
            for rr in m.answer}


WANT = {"apex": dns.rdatatype.SOA, "listed": dns.rdatatype.A,
        "glue": dns.rdatatype.A, "none": None}


def check(port, kind, name):
    full, _, tlen = ask(port, name, "ANY", True, 1232)
    if full is None:
        fails.append("%s: no TCP answer" % name)
        return
    have = rrsets(full)
    # TCP ANY is whole: the union of the answers for each type it has.
    union = set()
    for t in {x[0] for x in have}:
        m, _, _ = ask(port, name, t, True, 1232)
        if m is not None:
            union |= rrsets(m)
    expect(have == union, "%s: TCP ANY %s is not the union of its types %s"
           % (name, have, union))
    want = WANT[kind]
    if want is None:
        expect(not have, "%s: TCP ANY has records %s" % (name, have))
    else:
        expect(any(x[0] == want for x in have),
               "%s: TCP ANY has no %s" % (name, dns.rdatatype.to_text(want)))
    sizes = []
    for edns in (None, 512, 1232):
        m, qlen, alen = ask(port, name, "ANY", False, edns)
        tag = "%s UDP ANY edns=%s" % (name, edns)
        if m is None:
            fails.append("%s: no answer" % tag)
            continue
        sizes.append("%d/%d" % (alen, qlen))
        expect(not (m.flags & dns.flags.TC), "%s: TC set" % tag)
        expect(m.rcode() == full.rcode(), "%s: rcode %d, TCP %d"
               % (tag, m.rcode(), full.rcode()))
        got = rrsets(m)
        if want is None:
            expect(not got, "%s: records %s" % (tag, got))
            continue
        expect(len(m.answer) == 1, "%s: %d RRsets, want 1" % (tag,
                                                            len(m.answer)))
        expect(len(got) == 1 and next(iter(got))[0] == want and
               got <= have, "%s: %s, want the %s RRset of %s"
               % (tag, got, dns.rdatatype.to_text(want), have))
        expect(not m.authority and not m.additional,
               "%s: authority %s additional %s" % (tag, m.authority,
                                                  m.additional))
    print("# %-6s %s: TCP %d RRsets in %d bytes; UDP ANY answer/query bytes"
          " %s" % (kind, name, len(have), tlen, " ".join(sizes)))


def main():
    port = int(sys.argv[1])
    for arg in sys.argv[2:]:
        kind, name = arg.split(":", 1)
        check(port, kind, name)
    for f in fails:
        print("# " + f)
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
