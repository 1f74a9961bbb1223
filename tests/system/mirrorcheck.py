#!/usr/bin/python3
"""mirrorcheck.py -- a differential property test: every mirror answers
what dnsbld answers.

Run with /usr/bin/python3 (Debian's python3-dnspython).  Only loopback
addresses are queried.

  mirrorcheck.py gen SEED DIR
      random listings of both families, written as loader commands to
      DIR/cmds.sh, and every prefix used to DIR/prefixes.txt: host and
      CIDR listings, many with single-digit labels (CIDRs inside 0.0.0.0/4
      of /8, /12, /16, /20, /24 and longer) next to IPv6 listings under
      2000::/4, nested listings with other codes, exclusions and delistings,
      and the zone's codes (a 3000-byte TXT among them).
  mirrorcheck.py compare SEED DIR N ZONE NAME=PORT...
      N random addresses of both families, half of them on the edges of
      DIR/prefixes.txt (first, last, just outside, inside), asked for A and
      TXT of every server; the first NAME is dnsbld, the reference.  Each
      other server must give the same rcode and A rdata.  Its TXT must be
      the same, except where the documented differences apply
      (docs/mirrors.md): a wildcard's TXT names its block instead of the
      address (secondaries), rbldnsd keeps 255 bytes of a template
      (export --cut-txt), and rbldnsd answers NXDOMAIN where dnsbld
      answers NODATA for an empty non-terminal (an unlisted IPv4 address
      whose name begins a listed IPv6 name).  Prints one line per server with what was
      compared, and for each difference one reproducing dig command;
      exits 1 on any difference.
"""
import ipaddress
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
from xfrcheck import same_txt  # noqa: E402

CODES = ["relay", "multi", "quoted", "127.0.0.4"]


def digitish(r, hi):
    """A value of 0..hi, often a single decimal digit."""
    return r.randrange(10) if r.random() < 0.6 else r.randrange(hi + 1)


def v4(r, lead_digit=0.7):
    o = [r.randrange(1, 10) if r.random() < lead_digit else
         r.choice([r.randrange(11, 127), r.randrange(128, 224)])]
    o += [digitish(r, 255) for _ in range(3)]
    return ipaddress.IPv4Address(".".join(map(str, o)))


def v6(r):
    nib = [2] + [r.randrange(10) if r.random() < 0.7 else r.randrange(16)
                 for _ in range(31)]
    h = "".join("%x" % n for n in nib)
    return ipaddress.IPv6Address(":".join(h[i:i + 4] for i in range(0, 32, 4)))


def net(addr, plen):
    return ipaddress.ip_network("%s/%d" % (addr, plen), strict=False)


def cmd_gen(seed, out):
    r = random.Random(seed)
    listings = []       # (prefix, code or None)
    for _ in range(150):
        listings.append(ipaddress.ip_network(v4(r)))
    for _ in range(40):
        listings.append(net(v4(r), r.choice([12, 16, 16, 20, 24, 24, 25,
                                             27, 28, 30])))
    listings.append(net(v4(r, 1.0), 8))       # one single-digit /8
    for _ in range(120):
        listings.append(ipaddress.ip_network(v6(r)))
    for _ in range(30):
        listings.append(net(v6(r), r.choice([12, 20, 24, 28, 32, 36, 48, 56,
                                             64, 120])))
    # Nested: hosts inside CIDRs, which then get another code.
    cidrs = [p for p in listings if p.num_addresses > 1]
    for _ in range(30):
        c = r.choice(cidrs)
        a = c.network_address + r.randrange(min(c.num_addresses, 1 << 62))
        listings.append(ipaddress.ip_network(a))
    listings = list(dict.fromkeys(listings))
    groups = {}
    for p in listings:
        code = r.choice([None, None, None, "relay", "multi", "multi",
                         "quoted", "127.0.0.4"])
        groups.setdefault(code, []).append(p)
    excl = []
    for _ in range(15):
        c = r.choice(cidrs)
        plen = min(c.max_prefixlen, c.prefixlen + r.choice([1, 4, 8, 64]))
        a = c.network_address + r.randrange(min(c.num_addresses, 1 << 62))
        excl.append(net(a, plen))
    delist = r.sample([p for p in listings if p.num_addresses == 1], 10)
    with open(os.path.join(out, "cmds.sh"), "w") as f:
        for code, ps in groups.items():
            args = "list --force --reason differential"
            if code == "127.0.0.4":
                args += " --code 127.0.0.4 --txt 'own text for $, \"quoted\"'"
            elif code:
                args += " --code " + code
            # Wide CIDRs first, so that nested hosts come after.
            ps.sort(key=lambda p: (p.prefixlen, int(p.network_address)))
            for i in range(0, len(ps), 100):
                f.write("loader %s %s >/dev/null\n" % (
                    args, " ".join(str(p) for p in ps[i:i + 100])))
        f.write("loader exclude --force --reason differential %s >/dev/null\n"
                % " ".join(str(p) for p in dict.fromkeys(excl)))
        f.write("loader delist --force --reason differential %s >/dev/null\n"
                % " ".join(str(p) for p in delist))
    with open(os.path.join(out, "prefixes.txt"), "w") as f:
        for p in listings + excl:
            f.write("%s\n" % p)
    print("# %d listings (%d IPv4, %d IPv6), %d exclusions, %d delisted"
          % (len(listings), sum(p.version == 4 for p in listings),
             sum(p.version == 6 for p in listings), len(excl), len(delist)))


def name_of(addr, zone):
    if addr.version == 4:
        return ".".join(reversed(str(addr).split("."))) + "." + zone
    return ".".join(reversed(addr.exploded.replace(":", ""))) + "." + zone


def addresses(r, prefixes, n):
    out = []
    while len(out) < n:
        if r.random() < 0.5:
            p = r.choice(prefixes)
            first, last = p.network_address, p.broadcast_address
            k = r.randrange(5)
            try:
                a = [first, last, first - 1, last + 1,
                     first + r.randrange(min(p.num_addresses, 1 << 62))][k]
            except ipaddress.AddressValueError:
                continue
        elif r.random() < 0.5:
            a = v4(r, 0.8) if r.random() < 0.5 else v6(r)
        else:
            a = ipaddress.IPv4Address(r.getrandbits(32)) if r.random() < 0.5 \
                else ipaddress.IPv6Address(r.getrandbits(128))
        out.append(a)
    return out


class Server:
    def __init__(self, name, port):
        self.name, self.port = name, port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(2)

    def ask(self, qname, rdtype):
        q = dns.message.make_query(qname, rdtype, use_edns=True,
                                   payload=1232)
        q.flags &= ~dns.flags.RD
        for attempt in range(3):
            try:
                r, _ = dns.query.udp_with_fallback(q, "127.0.0.1", timeout=3,
                                                   port=self.port,
                                                   udp_sock=self.sock)
                break
            except (dns.exception.Timeout, OSError):
                if attempt == 2:
                    return ("TIMEOUT", ())
                time.sleep(0.2)
        rd = set()
        for rrset in r.answer:
            if rrset.rdtype != dns.rdatatype.from_text(rdtype):
                continue
            for x in rrset:
                rd.add(x.address if rdtype == "A"
                       else b"".join(x.strings).decode("latin-1"))
        return (dns.rcode.to_text(r.rcode()), tuple(sorted(rd)))


def txt_ok(server, ref, got, ip):
    if ref == got:
        return True
    if server == "rbldnsd":
        if len(ref) != 1 or len(got) != 1:
            return False
        r, g = ref[0], got[0]
        # rbldnsd's '$' of an IPv4-mapped address is the IPv4 address.
        if ip.version == 6 and ip.ipv4_mapped:
            r = r.replace("::ffff:%s" % ip.ipv4_mapped, str(ip.ipv4_mapped))
        # rbldnsd answers 255 bytes of a text (export --cut-txt).
        return r == g or (len(r) > 200 and r.startswith(g))
    return same_txt(ref, got, ip)


def cmd_compare(seed, d, n, zone, specs):
    r = random.Random(seed ^ 0x5eed)
    servers = [Server(*s.split("=")) for s in specs]
    for s in servers:
        s.port = int(s.port)
    prefixes = [ipaddress.ip_network(x.strip())
                for x in open(os.path.join(d, "prefixes.txt")) if x.strip()]
    addrs = addresses(r, prefixes, n)
    bad = 0
    stats = {s.name: {"A": 0, "TXT": 0, "listed": 0, "ent": 0}
             for s in servers[1:]}
    fam = {4: 0, 6: 0}
    for a in addrs:
        fam[a.version] += 1
        qn = name_of(a, zone)
        for t in ("A", "TXT"):
            ref = servers[0].ask(qn, t)
            for s in servers[1:]:
                got = s.ask(qn, t)
                same = got[0] == ref[0] and (
                    got[1] == ref[1] if t == "A" else
                    txt_ok(s.name, ref[1], got[1], a))
                if (not same and s.name == "rbldnsd" and
                        ref == ("NOERROR", ()) and got == ("NXDOMAIN", ())):
                    # rbldnsd has no empty non-terminals (RFC 8020; its
                    # upstream issue #17): an unlisted IPv4 address whose
                    # name starts a listed IPv6 name.  Neither lists it.
                    same = True
                    stats[s.name]["ent"] += 1
                stats[s.name][t] += 1
                if t == "A" and ref[1]:
                    stats[s.name]["listed"] += 1
                if not same:
                    bad += 1
                    if bad <= 20:
                        print("FAIL %s %s %s (%s): dnsbld %s %s | %s %s %s\n"
                              "#   replay: dig +norec -p %d @127.0.0.1 %s %s"
                              "   (seed %d)" % (
                                  s.name, a, t, qn, ref[0],
                                  [x[:60] for x in ref[1]], s.name, got[0],
                                  [x[:60] for x in got[1]], s.port, qn, t,
                                  seed))
    for s in servers[1:]:
        st = stats[s.name]
        print("COMPARED %s: %d addresses (%d IPv4, %d IPv6), %d A and %d TXT "
              "queries against dnsbld's; %d listed%s" % (
                  s.name, len(addrs), fam[4], fam[6], st["A"], st["TXT"],
                  st["listed"], "; %d NXDOMAIN for an empty non-terminal "
                  "(rbldnsd's known limit)" % st["ent"] if st["ent"] else ""))
    print("%s: %d differences (seed %d)" % ("FAIL" if bad else "PASS", bad,
                                            seed))
    sys.exit(1 if bad else 0)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "gen":
        cmd_gen(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) >= 7 and sys.argv[1] == "compare":
        cmd_compare(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]),
                    sys.argv[5], sys.argv[6:])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
