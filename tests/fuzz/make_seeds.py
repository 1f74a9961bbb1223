#!/usr/bin/python3
"""make_seeds.py -- write the seed corpora of fuzz_xfr and fuzz_tcp.

The seeds are DNS messages made by dnspython (Debian's python3-dnspython,
so run it with /usr/bin/python3), not by our own code:

  tests/fuzz/corpus-fuzz_xfr   one request per file: AXFR, IXFR (with the
                               client's SOA in authority) and SOA queries,
                               signed with each key of fuzz_xfr.c's config
                               (hmac-sha256, -sha512, -md5), with an
                               unknown key, a wrong secret, EDNS, and a few
                               unsigned ones;
  tests/fuzz/corpus-fuzz_tcp   one TCP stream per file, each message after
                               its 2-byte length (RFC 1035 4.2.2):
                               pipelined queries, a transfer in the middle,
                               a zero length, a cut message, and a long run
                               of queries whose answers fill dnsbld's output
                               buffer.

The time signed is fixed (time.time is replaced while signing), as are the
ids, so the same files come out on every run:

  /usr/bin/python3 tests/fuzz/make_seeds.py [OUTDIR]

OUTDIR defaults to tests/fuzz.  Files the fuzzer found and a merge kept
(other names) are left alone.
"""

import os
import struct
import sys
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring

SIGNED_AT = 1700000000

# The keys of fuzz_xfr.c and fuzz_tcp.c (same names and secrets).
KEYS = {
    "k1": ("c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=", dns.tsig.HMAC_SHA256),
    "k2.example": ("YW5vdGhlci1rZXktZm9yLXRoZS1zaGE1MTItdGVzdHM=",
                   dns.tsig.HMAC_SHA512),
    "k3": ("c2hvcnQ=", dns.tsig.HMAC_MD5),
    "unknown": ("c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=",
                dns.tsig.HMAC_SHA256),
    # k1's name with another secret: a bad MAC.
    "k1-wrong": ("d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE=",
                 dns.tsig.HMAC_SHA256),
}


def keyring(name):
    secret, alg = KEYS[name]
    kname = "k1" if name == "k1-wrong" else name
    return dns.tsigkeyring.from_text({kname: secret}), kname, alg


def query(qname, rdtype, ident, key=None, serial=None, edns=-1, fudge=300):
    m = dns.message.make_query(qname, rdtype, use_edns=edns)
    m.id = ident
    if serial is not None:
        soa = dns.rrset.from_text(
            qname + ".", 0, "IN", "SOA",
            "ns1.%s. h.%s. %d 3600 600 604800 300" % (qname, qname, serial))
        m.authority.append(soa)
    if key is not None:
        ring, kname, alg = keyring(key)
        m.use_tsig(ring, keyname=kname, fudge=fudge, algorithm=alg)
    return m


def wire(m):
    """The message as bytes, signed at SIGNED_AT."""
    saved = time.time
    time.time = lambda: float(SIGNED_AT)
    try:
        return m.to_wire()
    finally:
        time.time = saved


def write(d, name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def frame(*msgs):
    return b"".join(struct.pack("!H", len(m)) + m for m in msgs)


def xfr_seeds(d):
    ident = 0x1000
    for key in ("k1", "k2.example", "k3", "unknown", "k1-wrong", None):
        tag = key or "unsigned"
        for zone in ("relays.example", "open.example",
                     "closed.relays.example"):
            ident += 1
            write(d, "axfr-%s-%s.bin" % (tag, zone),
                  wire(query(zone, "AXFR", ident, key)))
            ident += 1
            write(d, "ixfr-%s-%s.bin" % (tag, zone),
                  wire(query(zone, "IXFR", ident, key, serial=2024000000)))
        ident += 1
        write(d, "soa-%s.bin" % tag,
              wire(query("relays.example", "SOA", ident, key, edns=0)))
    # IXFR from an older serial, over EDNS, a big fudge; a name below a
    # zone's apex; AXFR with a question in another class.
    write(d, "ixfr-k1-old-edns.bin",
          wire(query("relays.example", "IXFR", 0x2001, "k1", serial=1,
                     edns=0, fudge=65535)))
    write(d, "axfr-k1-below-apex.bin",
          wire(query("2.0.0.127.relays.example", "AXFR", 0x2002, "k1")))
    m = query("relays.example", "AXFR", 0x2003, "k2.example")
    m.question[0].rdclass = dns.rdataclass.CH
    write(d, "axfr-k2-class-ch.bin", wire(m))
    m = query("relays.example", "SOA", 0x2004, "k1")
    m.set_opcode(dns.opcode.NOTIFY)
    m.flags |= dns.flags.AA
    write(d, "notify-k1.bin", wire(m))


def tcp_seeds(d):
    q = lambda name, t, i, **kw: wire(query(name, t, i, **kw))
    write(d, "one-a.bin", frame(q("2.0.0.127.relays.example", "A", 1)))
    write(d, "pipelined.bin", frame(
        q("2.0.0.127.relays.example", "A", 2),
        q("2.0.0.127.relays.example", "TXT", 3, edns=0),
        q("1.2.0.192.relays.example", "ANY", 4),
        q("relays.example", "SOA", 5),
        q("relays.example", "NS", 6),
        q("4.3.2.1.example.org", "A", 7)))
    write(d, "axfr-then-more.bin", frame(
        q("2.0.0.127.relays.example", "A", 8),
        q("relays.example", "AXFR", 9),
        q("2.0.0.127.relays.example", "A", 10)))
    write(d, "axfr-signed.bin", frame(
        q("relays.example", "AXFR", 11, key="k1")))
    write(d, "ixfr-signed.bin", frame(
        q("relays.example", "IXFR", 12, key="k2.example", serial=1)))
    write(d, "soa-signed.bin", frame(
        q("relays.example", "SOA", 13, key="k1"),
        q("relays.example", "SOA", 14, key="unknown")))
    write(d, "zero-length.bin", frame(
        q("2.0.0.127.relays.example", "A", 15)) + b"\x00\x00" + frame(
        q("2.0.0.127.relays.example", "A", 16)))
    whole = frame(q("2.0.0.127.relays.example", "TXT", 17))
    write(d, "cut.bin", frame(q("1.0.0.10.relays.example", "A", 18)) +
          whole[:len(whole) - 5])
    # Answers of about 500 bytes each: over 130 of them fill the output
    # buffer before the client reads, so reading pauses and resumes.
    many = [q("%d.0.0.10.relays.example" % (1 + i % 200), "ANY", 100 + i)
            for i in range(220)]
    write(d, "many-any.bin", frame(*many))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, fn in (("corpus-fuzz_xfr", xfr_seeds),
                     ("corpus-fuzz_tcp", tcp_seeds)):
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        fn(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
