#!/usr/bin/python3
"""amplification.py -- the largest UDP answer dnsbld gives per byte of query.

Run with /usr/bin/python3 (Debian's python3-dnspython) against a running
dnsbld on a loopback address:

  amplification.py PORT ZONE [NAME...] [--server 127.0.0.1] [--all]

For the zone's apex, its NS and glue names (read from an NS query over
TCP), the RFC 5782 test entries, an unlisted address, an empty
non-terminal, a name outside every zone and each NAME given (listings,
say those with a long TXT), it sends over UDP every type of interest (A,
AAAA, TXT, ANY, SOA, NS, MX, DNSKEY, RRSIG, CNAME, AXFR, IXFR) in the
smallest form (no EDNS) and with EDNS (payload 1232 and 4096, DO clear
and set).  The factor is answer bytes / query bytes, as the two datagrams
(DNS message) count; both grow by the same 28 bytes of IP and UDP
headers, which would only lower it.  It prints the ten largest (--all:
every one) and, last, the worst.  A query that gets no answer counts 0.
It prints figures; it never passes or fails.
"""
import argparse
import socket
import struct

import dns.flags
import dns.message
import dns.name
import dns.rdatatype
import dns.rrset

TYPES = ["A", "AAAA", "TXT", "ANY", "SOA", "NS", "MX", "DNSKEY", "RRSIG",
         "CNAME", "AXFR", "IXFR"]
# (label, use_edns, payload, DO)
FORMS = [("no EDNS", False, 512, False), ("EDNS 1232", True, 1232, False),
         ("EDNS 4096", True, 4096, False), ("EDNS 4096 DO", True, 4096, True)]


def udp(server, port, wire, tries=3):
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    try:
        for _ in range(tries):
            s.sendto(wire, (server, port))
            try:
                return s.recv(65535)
            except socket.timeout:
                continue
        return None
    finally:
        s.close()


def tcp(server, port, wire):
    s = socket.create_connection((server, port), timeout=3.0)
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        buf = b""
        while len(buf) < 2 or len(buf) < 2 + struct.unpack("!H", buf[:2])[0]:
            c = s.recv(65535)
            if not c:
                break
            buf += c
        return buf[2:]
    finally:
        s.close()


def query(name, rdtype, edns, payload, do):
    q = dns.message.make_query(name, rdtype, use_edns=edns, payload=payload,
                               want_dnssec=do)
    q.flags &= ~dns.flags.RD     # the smallest honest query: no RD needed
    if rdtype == "IXFR":
        # RFC 1995: the client's SOA in authority; serial 1.
        soa = dns.rrset.from_text(dns.name.from_text(name), 0, "IN", "SOA",
                                  ". . 1 0 0 0 0")
        q.authority.append(soa)
    return q


def names_of(a):
    zone = dns.name.from_text(a.zone)
    out = [a.zone]
    q = dns.message.make_query(zone, "NS")
    try:
        r = dns.message.from_wire(tcp(a.server, a.port, q.to_wire()))
        for rr in r.answer:
            out += [rd.target.to_text() for rd in rr]
        for rr in r.additional:
            out.append(rr.name.to_text())
    except Exception as e:      # the figures below still mean something
        print("# NS over TCP: %s" % e)
    for rel in ("2.0.0.127", "1.0.0.127", "9.9.9.9", "0.127", "www"):
        out.append("%s.%s" % (rel, a.zone))
    out.append("example.invalid")
    out += a.names
    seen, res = set(), []
    for n in out:
        k = n.lower().rstrip(".")
        if k not in seen:
            seen.add(k)
            res.append(n)
    return res


def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("zone")
    p.add_argument("names", nargs="*")
    p.add_argument("--server", default="127.0.0.1")
    p.add_argument("--all", action="store_true")
    a = p.parse_args()
    rows = []
    for name in names_of(a):
        for t in TYPES:
            for label, edns, payload, do in FORMS:
                q = query(name, t, edns, payload, do)
                wire = q.to_wire()
                data = udp(a.server, a.port, wire)
                if data is None:
                    rows.append((0.0, 0, len(wire), name, t, label, "-", 0))
                    continue
                r = dns.message.from_wire(data)
                rows.append((len(data) / len(wire), len(data), len(wire),
                             name, t, label, dns.rcode.to_text(r.rcode()),
                             int(bool(r.flags & dns.flags.TC))))
    rows.sort(key=lambda x: (-x[0], x[3], x[4]))
    print("%6s %6s %6s  %-8s %-6s %-13s %s" % ("factor", "answer", "query",
                                               "rcode", "type", "form",
                                               "name"))
    for f, al, ql, name, t, label, rc, tc in (rows if a.all else rows[:10]):
        print("%6.2f %6d %6d  %-8s %-6s %-13s %s" % (
            f, al, ql, rc + ("+TC" if tc else ""), t, label, name))
    f, al, ql, name, t, label, rc, tc = rows[0]
    print("queries: %d; worst amplification %.2f: %s %s over UDP (%s), "
          "%d answer bytes for %d query bytes" % (len(rows), f, name, t,
                                                  label, al, ql))


if __name__ == "__main__":
    main()
