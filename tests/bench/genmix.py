#!/usr/bin/env python3
"""A list of N4 random IPv4 and N6 random IPv6 addresses, and a dnsperf
query file of Q queries, half IPv4 and half IPv6, each half in the mix of
../shared/bench/gen.py: 45% listed A, 45% unlisted A, 10% listed TXT.
Seeded (42): the same arguments give the same files.
usage: genmix.py N4 N6 Q OUTDIR   (zone: relays.example)
Writes OUTDIR/ips.txt (one address a line, for loader import) and
OUTDIR/queries.txt."""
import os
import random
import sys

n4, n6, q, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
os.makedirs(out, exist_ok=True)
rnd = random.Random(42)
Z = "relays.example"


def v4():
    while True:
        a = rnd.randrange(1, 224)
        if a not in (10, 127):
            return (a << 24) | rnd.getrandbits(24)


def v6():
    # Global unicast, 2000::/4 less the documentation prefix's /16.
    return (rnd.randrange(0x2002, 0x3000) << 112) | rnd.getrandbits(112)


s4, s6 = set(), set()
while len(s4) < n4:
    s4.add(v4())
while len(s6) < n6:
    s6.add(v6())
l4, l6 = sorted(s4), sorted(s6)


def dq(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def rev4(v):
    return "%d.%d.%d.%d" % (v & 255, (v >> 8) & 255, (v >> 16) & 255, v >> 24)


def hex6(v):
    return ":".join("%x" % ((v >> (112 - 16 * i)) & 0xffff) for i in range(8))


def rev6(v):
    return ".".join("%x" % ((v >> (4 * i)) & 15) for i in range(32))


with open(os.path.join(out, "ips.txt"), "w") as f:
    for v in l4:
        f.write(dq(v) + "\n")
    for v in l6:
        f.write(hex6(v) + "\n")
with open(os.path.join(out, "queries.txt"), "w") as f:
    for i in range(q):
        six = i % 2 == 1 and l6
        lst, st, rev, gen = (l6, s6, rev6, v6) if six else (l4, s4, rev4, v4)
        if not lst:
            lst, st, rev, gen = l4, s4, rev4, v4
        x = rnd.random()
        if x < 0.45:
            f.write("%s.%s A\n" % (rev(rnd.choice(lst)), Z))
        elif x < 0.9:
            while True:
                v = gen()
                if v not in st:
                    break
            f.write("%s.%s A\n" % (rev(v), Z))
        else:
            f.write("%s.%s TXT\n" % (rev(rnd.choice(lst)), Z))
