#!/usr/bin/env python3
"""gen.py N_ENTRIES N_QUERIES OUTDIR -- a synthetic list of open relays
for the benches, zone relays.example: N random IPv4 hosts (first octet 1
to 223, not 10 or 127; seeded, so every run has the same), written as
ips.txt (one address a line), rbldnsd.txt (an ip4set), zone.txt (a zone
file for NSD or Knot, A and TXT per host), and queries.txt, N_QUERIES
lines for dnsperf in the standard mix: 45% A of a listed host, 45% A of
an unlisted one (first octet 1 to 223), 10% TXT of a listed one.  The benches use
../shared/bench/gen.py when it is there; this makes the same kind of
data, for machines without it."""
import os
import random
import sys

ZONE = "relays.example"
TXT = "Open relay $ see http://www.relays.example/lookup?ip=$"


def dotted(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def reverse(v):
    return "%d.%d.%d.%d" % (v & 255, (v >> 8) & 255, (v >> 16) & 255, v >> 24)


def host(rnd):
    while True:
        first = rnd.randrange(1, 224)
        if first not in (10, 127):
            return first << 24 | rnd.getrandbits(24)


def any_host(rnd):
    return rnd.randrange(1, 224) << 24 | rnd.getrandbits(24)


def main():
    n, nq, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    os.makedirs(out, exist_ok=True)
    rnd = random.Random(42)
    listed = set()
    while len(listed) < n:
        listed.add(host(rnd))
    hosts = sorted(listed)
    with open(os.path.join(out, "ips.txt"), "w") as f:
        f.writelines(dotted(v) + "\n" for v in hosts)
    with open(os.path.join(out, "rbldnsd.txt"), "w") as f:
        f.write("$SOA 300 ns1.%s hostmaster.%s 1 3600 600 604800 300\n"
                "$NS 3600 ns1.%s\n:127.0.0.2:%s\n127.0.0.2\n"
                % (ZONE, ZONE, ZONE, TXT))
        f.writelines(dotted(v) + "\n" for v in hosts)
    with open(os.path.join(out, "zone.txt"), "w") as f:
        f.write("$ORIGIN %s.\n$TTL 2100\n@ SOA ns1 hostmaster 1 3600 600 "
                "604800 300\n@ NS ns1\nns1 A 192.0.2.53\n" % ZONE)
        for v in [0x7f000002] + hosts:
            f.write('%s A 127.0.0.2\n%s TXT "%s"\n' % (
                reverse(v), reverse(v), TXT.replace("$", dotted(v))))
    with open(os.path.join(out, "queries.txt"), "w") as f:
        for _ in range(nq):
            x = rnd.random()
            if x < 0.45:
                f.write("%s.%s A\n" % (reverse(rnd.choice(hosts)), ZONE))
            elif x < 0.9:
                v = any_host(rnd)
                while v in listed:
                    v = any_host(rnd)
                f.write("%s.%s A\n" % (reverse(v), ZONE))
            else:
                f.write("%s.%s TXT\n" % (reverse(rnd.choice(hosts)), ZONE))


if __name__ == "__main__":
    main()
