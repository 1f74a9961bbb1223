#!/usr/bin/python3
"""loader_dnscompare.py -- ask a DNS server (with dig) about addresses and
compare its answers with what `loader show --json` says of each.

  loader_dnscompare.py MODE PORT LOADER CONFIG ZONE ADDR[=BLOCK]...

MODE is exact (the server renders TXT per address, as rbldnsd does) or
zone (a master file: a wildcard's TXT names its block, not the query).
ADDR=BLOCK pins the block the TXT must name in zone mode (BLOCK "." = the
address itself).  Prints "PASS name" or "FAIL name: why" per check.
"""
import ipaddress, json, re, subprocess, sys

mode, port, loader, config, zone = sys.argv[1:6]
targets = sys.argv[6:]


def dig(name, qtype):
    out = subprocess.run(
        ["dig", "-p", port, "@127.0.0.1", "+norec", "+time=2", "+tries=3",
         "+noall", "+comments", "+answer", name, qtype],
        capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"status: ([A-Z]+)", out)
    rcode = m.group(1) if m else "NO-ANSWER"
    data = []
    for line in out.splitlines():
        if not line or line.startswith(";"):
            continue
        f = line.split(None, 4)
        if len(f) == 5 and f[3] == qtype:
            if qtype == "TXT":
                parts = re.findall(r'"((?:[^"\\]|\\.)*)"', f[4])
                data.append("".join(re.sub(r"\\(.)", r"\1", p) for p in parts))
            else:
                data.append(f[4])
    return rcode, sorted(data)


def report(ok, name, why=""):
    print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + why))


for t in targets:
    addr, _, pin = t.partition("=")
    ip = ipaddress.ip_address(addr)
    r = subprocess.run([loader, "-c", config, "show", "--json", addr],
                       capture_output=True, text=True, timeout=30)
    try:
        show = json.loads(r.stdout) if r.returncode == 0 else None
    except ValueError:
        show = None
    report(show is not None, f"{addr}: loader show --json works",
           f"exit {r.returncode}: {r.stderr.strip()[:300]!r}")
    if show is None:
        continue
    rev = ip.reverse_pointer.rsplit(".", 2)[0]       # less in-addr/ip6.arpa
    qname = rev + "." + zone + "."
    ra, a = dig(qname, "A")
    rt, txt = dig(qname, "TXT")
    listed = show["listed"]
    if not isinstance(listed, bool):
        report(False, f"{addr}: show says listed as a boolean", repr(listed))
        continue
    if not listed:
        report(ra == "NXDOMAIN" and a == [], f"{addr}: not listed: NXDOMAIN for A",
               f"{ra} {a}")
        report(rt == "NXDOMAIN" and txt == [], f"{addr}: not listed: NXDOMAIN for TXT",
               f"{rt} {txt}")
        continue
    report(ra == "NOERROR" and a == [show["code"]],
           f"{addr}: A {show['code']} as show says", f"{ra} {a}")
    if mode == "exact" or pin == ".":
        want = [show["txt"]]
        if mode == "exact" and ip.version == 6 and ip.ipv4_mapped:
            # rbldnsd writes $ of ::ffff:a.b.c.d as a.b.c.d.
            want.append(show["txt"].replace(addr, str(ip.ipv4_mapped)))
        report(rt == "NOERROR" and len(txt) == 1 and txt[0] in want,
               f"{addr}: TXT as show says", f"{rt} {txt} != {show['txt']!r}")
        continue
    # zone mode: the TXT is show's, with the address replaced by the address
    # itself or by an octet/nibble-aligned block that holds it, inside the
    # listing that covers it.
    ok = rt == "NOERROR" and len(txt) == 1 and addr in show["txt"]
    block = None
    if ok:
        pat = "^" + re.escape(show["txt"]).replace(re.escape(addr), "(.+?)") + "$"
        m = re.match(pat, txt[0])
        ok = bool(m) and len(set(m.groups())) == 1
        block = m.group(1) if ok else None
    if ok and block != addr:
        try:
            net = ipaddress.ip_network(block)
            by = ipaddress.ip_network(show["listed_by"])
            unit = 8 if ip.version == 4 else 4
            ok = ip in net and net.subnet_of(by) and net.prefixlen % unit == 0
        except ValueError:
            ok = False
    if ok and pin:
        ok = block == pin
    report(ok, f"{addr}: TXT names {pin or 'the address or its block'}",
           f"{rt} {txt} (show: {show['txt']!r}, listed_by {show['listed_by']})")
