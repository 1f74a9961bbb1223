#!/usr/bin/python3
"""xfrcheck.py -- zone transfers from dnsbld checked with dnspython.

Run with /usr/bin/python3 (Debian's python3-dnspython).  Only loopback
addresses are used.  Exits 0 when every expectation holds, else 1 with one
"# ..." line per failure.

  xfrcheck.py xfr PORT ZONE [options]    AXFR (or IXFR with --ixfr SERIAL)
      over TCP, every message read (to the end of the connection, which
      dnsbld closes after a transfer) and checked; prints one line:
      rcode=R kind=full|incremental|uptodate messages=N records=N serial=N
      --source ADDR          bind the client here (for the ACL)
      --server ADDR          default 127.0.0.1
      --key NAME:SECRET      sign with TSIG hmac-sha256 and verify every
                             message of the answer
      --udp                  send it over UDP instead
      --rcode R --kind K --serial N --min-messages N --records N
      --tsig-error E         the answer's TSIG carries error E (BADSIG...)
      --has "OWNER TYPE RDATA"   (repeat) a record that must be sent
      --hasnt "OWNER TYPE RDATA" (repeat) a record that must not be
  xfrcheck.py compare ZONE PORT,PORT,... NAME...
      A and TXT for each NAME (relative to ZONE) from every server over UDP:
      rcode and the rdata sets must be the same everywhere, except that
      where the first server (dnsbld) names the address in a TXT, the
      others may name an octet/nibble-aligned block holding it (a
      wildcard's TXT names its block, see lib/zonegen.h).  Prints
      "PASS name type" or "FAIL name type: ..." per comparison.
  xfrcheck.py listen PORT SECONDS [--ignore N] [--key NAME:SECRET]
      a secondary's NOTIFY port: print "ready" once bound, then
      "t=SECONDS id=ID serial=N signed=0|1" per NOTIFY received, leave the
      first N unanswered, answer the rest (verifying the TSIG with --key;
      --reply unsigned or badmac answers a signed NOTIFY unsigned, or
      signed with another secret); stops after SECONDS
  xfrcheck.py txtlen PORT NAME LENGTH [--tcp] [--prefix P] [--a ADDR]
      the name's one TXT, whole, is LENGTH bytes (and starts with P); its A
      is ADDR
  xfrcheck.py serial PORT ZONE     print the SOA serial
  xfrcheck.py wait PORT ZONE SERIAL SECONDS
      poll the SOA until its serial is SERIAL (exit 1 on timeout)
"""
import argparse
import ipaddress
import re
import socket
import struct
import sys
import time

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.tsigkeyring

fails = []


def expect(cond, what):
    if not cond:
        fails.append(what)


def finish():
    for f in fails:
        print("# " + f)
    sys.exit(1 if fails else 0)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b


def make_query(zone, a):
    rdtype = dns.rdatatype.IXFR if a.ixfr is not None else dns.rdatatype.AXFR
    q = dns.message.make_query(zone, rdtype, use_edns=False)
    if a.ixfr is not None:
        soa = dns.rrset.from_text(zone, 0, "IN", "SOA",
                                  ". . %d 0 0 0 0" % a.ixfr)
        q.authority.append(soa)
    keyring = None
    if a.key:
        name, secret = a.key.split(":", 1)
        keyring = dns.tsigkeyring.from_text({name: ("hmac-sha256", secret)})
        q.use_tsig(keyring, keyname=name, algorithm="hmac-sha256")
    return q, keyring


def read_unverified(body, zone, keyring):
    """Parse a message whose TSIG does not verify: (message, its TSIG
    error or None)."""
    seen = []
    real = dns.tsig.validate

    def capture(wire, key, owner, rdata, *args, **kw):
        seen.append(rdata.error)
        return None
    dns.tsig.validate = capture
    try:
        m = dns.message.from_wire(body, xfr=True, origin=zone,
                                  one_rr_per_rrset=True,
                                  keyring=keyring or {})
    finally:
        dns.tsig.validate = real
    return m, (seen[0] if seen else None)


def cmd_xfr(a):
    zone = dns.name.from_text(a.zone)
    q, keyring = make_query(zone, a)
    wire = q.to_wire()
    msgs = []
    fam = socket.AF_INET6 if ":" in a.server else socket.AF_INET
    if a.udp:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(3)
        if a.source:
            s.bind((a.source, 0))
        s.sendto(wire, (a.server, a.port))
        msgs.append(s.recv(65535))
        s.close()
    else:
        s = socket.create_connection((a.server, a.port), timeout=10,
                                     source_address=(a.source, 0)
                                     if a.source else None)
        s.sendall(struct.pack("!H", len(wire)) + wire)
        # dnsbld closes the connection after the transfer: read to the end.
        while True:
            h = recv_exact(s, 2)
            if h is None:
                break
            body = recv_exact(s, struct.unpack("!H", h)[0])
            if body is None:
                expect(False, "connection closed inside a message")
                break
            msgs.append(body)
        s.close()
    # Parse every message again, verifying TSIG in sequence.
    rrs = []
    rcode = None
    ctx = None
    tsig_error = "NOERROR" if keyring is not None else "none"

    for i, body in enumerate(msgs):
        try:
            m = dns.message.from_wire(body, keyring=keyring,
                                      request_mac=q.mac, xfr=True,
                                      origin=zone, tsig_ctx=ctx,
                                      multi=not a.udp,
                                      one_rr_per_rrset=True)
            ctx = m.tsig_ctx
        except Exception as e:
            if not a.tsig_error:
                expect(False, "message %d: %s: %s" % (
                    i, type(e).__name__, e))
            m, err = read_unverified(body, zone, keyring)
            tsig_error = dns.rcode.to_text(err, True) if err is not None \
                else "none"

        if rcode is None:
            rcode = m.rcode()
        if keyring is not None and m.rcode() == 0 and not a.tsig_error:
            expect(m.had_tsig, "message %d not signed" % i)
        rrs.extend(m.answer)
    kind = "none"
    serial = None
    if rrs and rrs[0].rdtype == dns.rdatatype.SOA:
        serial = rrs[0][0].serial
        if len(rrs) == 1:
            kind = "uptodate"
        elif rrs[1].rdtype == dns.rdatatype.SOA:
            kind = "incremental"
        else:
            kind = "full"
        if len(rrs) > 1:
            expect(rrs[-1].rdtype == dns.rdatatype.SOA and
                   rrs[-1][0].serial == serial,
                   "the transfer does not end with the SOA")
    texts = set()
    for rr in rrs:
        for rd in rr:
            texts.add("%s %s %s" % (rr.name.relativize(zone),
                                    dns.rdatatype.to_text(rr.rdtype),
                                    rd.to_text()))
    nrecords = len(rrs)
    print("rcode=%s kind=%s messages=%d records=%d serial=%s" % (
        dns.rcode.to_text(rcode) if rcode is not None else "none", kind,
        len(msgs), nrecords, serial))
    if a.rcode:
        expect(rcode is not None and dns.rcode.to_text(rcode) == a.rcode,
               "rcode %s, want %s" % (
                   dns.rcode.to_text(rcode) if rcode is not None else "none",
                   a.rcode))
    if a.tsig_error:
        expect(tsig_error == a.tsig_error, "TSIG error %s, want %s" % (
            tsig_error, a.tsig_error))
    if a.kind:
        expect(kind == a.kind, "kind %s, want %s" % (kind, a.kind))
    if a.serial is not None:
        expect(serial == a.serial, "serial %s, want %d" % (serial, a.serial))
    if a.min_messages:
        expect(len(msgs) >= a.min_messages, "%d messages, want >= %d" % (
            len(msgs), a.min_messages))
    if a.records is not None:
        expect(nrecords == a.records, "%d records, want %d" % (
            nrecords, a.records))
    for h in a.has:
        expect(h in texts, "missing record: %s" % h)
    for h in a.hasnt:
        expect(h not in texts, "unexpected record: %s" % h)
    if kind == "full":
        types = [rr.rdtype for rr in rrs]
        expect(dns.rdatatype.NS in types, "no NS records")
    finish()


def answer_set(port, name, rdtype):
    q = dns.message.make_query(name, rdtype)
    q.flags &= ~0x0100
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=2)
    got = set()
    for rrset in r.answer:
        for rd in rrset:
            got.add(rd.to_text())
    return dns.rcode.to_text(r.rcode()), tuple(sorted(got))


def name_addr(rel):
    """The address a name relative to the zone asks about, or None."""
    labels = rel.split(".")
    try:
        if len(labels) == 4:
            return ipaddress.ip_address(".".join(reversed(labels)))
        if len(labels) == 32:
            h = "".join(reversed(labels))
            return ipaddress.ip_address(":".join(
                h[i:i + 4] for i in range(0, 32, 4)))
    except ValueError:
        pass
    return None


def addr_texts(ip):
    """The ways a TXT may spell ip (inet_ntop's and Python's)."""
    out = {str(ip)}
    if ip.version == 6 and ip.ipv4_mapped:
        out.add("::ffff:" + str(ip.ipv4_mapped))
    return out


def same_txt(ref, got, ip):
    """got equals ref, or names an aligned block holding ip where ref
    names ip itself (a wildcard's TXT names its block: zonegen.h)."""
    if ref == got:
        return True
    if ip is None or len(ref) != len(got):
        return False
    for r, g in zip(ref, got):
        ok = False
        for t in addr_texts(ip):
            if t not in r:
                continue
            pat = "^" + re.escape(r).replace(re.escape(t), "(.+?)") + "$"
            m = re.match(pat, g)
            if not m or len(set(m.groups())) != 1:
                continue
            try:
                net = ipaddress.ip_network(m.group(1))
            except ValueError:
                continue
            unit = 8 if ip.version == 4 else 4
            if ip in net and net.prefixlen % unit == 0:
                ok = True
        if not ok:
            return False
    return True


def cmd_compare(a):
    """The first port is dnsbld's, the reference."""
    ports = [int(p) for p in a.ports.split(",")]
    bad = 0
    for rel in a.names:
        name = rel + "." + a.zone if rel != "@" else a.zone
        ip = name_addr(rel)
        for t in ("A", "TXT"):
            res = []
            for p in ports:
                try:
                    res.append(answer_set(p, name, dns.rdatatype.from_text(t)))
                except Exception as e:
                    res.append(("error " + type(e).__name__, ()))
            ok = all(r[0] == res[0][0] for r in res)
            if t == "A":
                ok = ok and all(r == res[0] for r in res)
            else:
                ok = ok and all(same_txt(res[0][1], r[1], ip) for r in res)
            if ok:
                print("PASS %s %s: %s %s" % (rel, t, res[0][0],
                                             " ".join(res[0][1])[:60]))
            else:
                bad += 1
                print("FAIL %s %s: %s" % (rel, t, " | ".join(
                    "%d: %s %s" % (p, r[0], r[1]) for p, r in
                    zip(ports, res))))
    sys.exit(1 if bad else 0)


def soa_serial(port, zone):
    q = dns.message.make_query(zone, "SOA")
    r = dns.query.udp(q, "127.0.0.1", port=port, timeout=1)
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def cmd_serial(a):
    try:
        print(soa_serial(a.port, a.zone))
    except Exception:
        print("none")


def cmd_wait(a):
    end = time.time() + a.seconds
    got = None
    while time.time() < end:
        try:
            got = soa_serial(a.port, a.zone)
        except Exception:
            got = None
        if got == a.serial:
            return
        time.sleep(0.2)
    print("# %s on port %d: serial %s after %ss, want %d" % (
        a.zone, a.port, got, a.seconds, a.serial))
    sys.exit(1)


def cmd_txtlen(a):
    """The TXT of a name, whole: its length, its start, the A beside it."""
    name = dns.name.from_text(a.name)
    q = dns.message.make_query(name, "TXT", use_edns=True, payload=1232)
    q.flags &= ~0x0100
    if a.tcp:
        r = dns.query.tcp(q, "127.0.0.1", port=a.port, timeout=5)
    else:
        r = dns.query.udp(q, "127.0.0.1", port=a.port, timeout=3)
    txts = [b"".join(rd.strings) for rr in r.answer
            if rr.rdtype == dns.rdatatype.TXT for rd in rr]
    expect(len(txts) == 1, "%d TXT records, want 1 (rcode %s, tc %s)" % (
        len(txts), dns.rcode.to_text(r.rcode()), bool(r.flags & 0x0200)))
    if txts:
        expect(len(txts[0]) == a.length, "TXT of %d bytes, want %d" % (
            len(txts[0]), a.length))
        if a.prefix:
            expect(txts[0].startswith(a.prefix.encode()),
                   "TXT starts %r, want %r" % (txts[0][:20], a.prefix))
    if a.a:
        q = dns.message.make_query(name, "A")
        r = dns.query.udp(q, "127.0.0.1", port=a.port, timeout=3)
        got = [rd.address for rr in r.answer for rd in rr]
        expect(got == [a.a], "A %s, want %s" % (got, a.a))
    finish()


def cmd_listen(a):
    keyring = None
    if a.key:
        name, secret = a.key.split(":", 1)
        keyring = dns.tsigkeyring.from_text({name: ("hmac-sha256", secret)})
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", a.port))
    print("ready", flush=True)
    t0 = time.time()
    seen = 0
    while time.time() - t0 < a.seconds:
        s.settimeout(max(0.05, a.seconds - (time.time() - t0)))
        try:
            wire, peer = s.recvfrom(65535)
        except socket.timeout:
            break
        try:
            m = dns.message.from_wire(wire, keyring=keyring)
        except Exception as e:
            print("t=%.2f bad %s" % (time.time() - t0, type(e).__name__),
                  flush=True)
            continue
        serial = m.answer[0][0].serial if m.answer else None
        print("t=%.2f id=%d opcode=%d serial=%s signed=%d" % (
            time.time() - t0, m.id, m.opcode(), serial, int(m.had_tsig)),
            flush=True)
        seen += 1
        if seen <= a.ignore:
            continue
        r = dns.message.make_response(m)
        if a.reply == "unsigned":
            r.tsig = None
        elif a.reply == "badmac" and m.had_tsig:
            name = m.keyname.to_text()
            r.keyring = dns.tsig.Key(name, "d3JvbmctLWtleQ==", "hmac-sha256")
        s.sendto(r.to_wire(), peer)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    x = sub.add_parser("xfr")
    x.add_argument("port", type=int)
    x.add_argument("zone")
    x.add_argument("--server", default="127.0.0.1")
    x.add_argument("--source")
    x.add_argument("--key")
    x.add_argument("--ixfr", type=int)
    x.add_argument("--udp", action="store_true")
    x.add_argument("--rcode")
    x.add_argument("--kind")
    x.add_argument("--tsig-error")
    x.add_argument("--serial", type=int)
    x.add_argument("--min-messages", type=int)
    x.add_argument("--records", type=int)
    x.add_argument("--has", action="append", default=[])
    x.add_argument("--hasnt", action="append", default=[])
    c = sub.add_parser("compare")
    c.add_argument("zone")
    c.add_argument("ports")
    c.add_argument("names", nargs="+")
    li = sub.add_parser("listen")
    li.add_argument("port", type=int)
    li.add_argument("seconds", type=float)
    li.add_argument("--ignore", type=int, default=0)
    li.add_argument("--key")
    li.add_argument("--reply", default="signed",
                    choices=["signed", "unsigned", "badmac"])
    s = sub.add_parser("serial")
    s.add_argument("port", type=int)
    s.add_argument("zone")
    w = sub.add_parser("wait")
    w.add_argument("port", type=int)
    w.add_argument("zone")
    w.add_argument("serial", type=int)
    w.add_argument("seconds", type=float)
    tl = sub.add_parser("txtlen")
    tl.add_argument("port", type=int)
    tl.add_argument("name")
    tl.add_argument("length", type=int)
    tl.add_argument("--tcp", action="store_true")
    tl.add_argument("--prefix")
    tl.add_argument("--a")
    a = ap.parse_args()
    {"xfr": cmd_xfr, "compare": cmd_compare, "serial": cmd_serial,
     "wait": cmd_wait, "listen": cmd_listen, "txtlen": cmd_txtlen}[a.cmd](a)


if __name__ == "__main__":
    main()
