#!/usr/bin/python3
"""dnscheck.py -- an independent check of dnsbld's answers with dnspython.

Run with /usr/bin/python3 (Debian's python3-dnspython).  Only loopback
addresses are ever queried.  Exits 0 when every expectation holds, else 1
with one "# ..." line per failure.

  dnscheck.py q PORT NAME TYPE [expectations]     one query, UDP or --tcp
  dnscheck.py raw PORT HEX [--rcode R | --silent]  a crafted UDP packet
  dnscheck.py pipeline PORT N NAME...             N queries in one TCP write
  dnscheck.py split PORT NAME                     a query sent byte by byte
  dnscheck.py hup PORT PID                        a TCP connection kept over SIGHUP
  dnscheck.py idle PORT SECONDS                   TCP idle timeout
  dnscheck.py maxconn PORT N                      connection cap
  dnscheck.py flood PORT SECONDS LISTED           checked queries for a while
  dnscheck.py iphdr PORT NAME TYPE [--edns N]     the answer's IPv4 header on lo
      [--server ADDR] [--rcode R] [--tc] [--min-size N]

Expectations of q (each optional):
  --rcode NAME  --aa/--no-aa  --tc/--no-tc  --an N --ns N --ar N
  --a ADDR (repeat: the set of A rdata)  --txt TEXT (the joined TXT)
  --txt-strings N  --ttl N (every answer RR)  --soa-ttl N (authority SOA)
  --opt-payload N  --no-opt  --ns-names a,b  --glue NAME=ADDR (repeat)
  --serial N  --echo (question bytes echoed exactly)  --max-size N
Query options: --tcp, --server ADDR (default 127.0.0.1), --edns PAYLOAD,
  --ednsver V, --do (DO set), --cd (CD set), --id N.
Every answer must copy CD, and DO when it has an OPT (RFC 3225).
"""
import argparse
import os
import socket
import struct
import sys
import time

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdata
import dns.tsig

fails = []


def expect(cond, what):
    if not cond:
        fails.append(what)


def finish():
    for f in fails:
        print("# " + f)
    sys.exit(1 if fails else 0)


def family(server):
    return socket.AF_INET6 if ":" in server else socket.AF_INET


def udp_exchange(server, port, wire, timeout=2.0):
    s = socket.socket(family(server), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(wire, (server, port))
        data, src = s.recvfrom(65535)
        # The answer must come from the address the query went to.
        expect(src[0] == server, "answer from %s, not %s" % (src[0], server))
        return data
    except socket.timeout:
        return None
    finally:
        s.close()


def tcp_recv_msg(s):
    hdr = b""
    while len(hdr) < 2:
        c = s.recv(2 - len(hdr))
        if not c:
            return None
        hdr += c
    n = struct.unpack("!H", hdr)[0]
    body = b""
    while len(body) < n:
        c = s.recv(n - len(body))
        if not c:
            return None
        body += c
    return body


def tcp_exchange(server, port, wire, timeout=3.0):
    s = socket.create_connection((server, port), timeout=timeout)
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return tcp_recv_msg(s)
    finally:
        s.close()


def cmd_q(a):
    qname = dns.name.from_text(a.name)
    if a.edns:
        q = dns.message.make_query(qname, a.type, use_edns=False)
        q.use_edns(edns=int(a.ednsver), payload=a.edns,
                   ednsflags=dns.flags.DO if a.do else 0)
    else:
        q = dns.message.make_query(qname, a.type, use_edns=False)
    if a.cd:
        q.flags |= dns.flags.CD
    if a.id is not None:
        q.id = a.id
    wire = q.to_wire()
    data = (tcp_exchange if a.tcp else udp_exchange)(a.server, a.port, wire)
    if data is None:
        fails.append("no answer")
        finish()
    if a.max_size is not None:
        expect(len(data) <= a.max_size,
               "answer is %d bytes, over %d" % (len(data), a.max_size))
    r = dns.message.from_wire(data, ignore_trailing=False)
    expect(r.id == q.id, "id %d, want %d" % (r.id, q.id))
    expect(r.flags & dns.flags.QR, "QR not set")
    expect(bool(r.flags & dns.flags.CD) == a.cd,
           "CD is %s, want %s (copied)" % (bool(r.flags & dns.flags.CD),
                                           a.cd))
    if r.edns >= 0:
        expect(bool(r.ednsflags & dns.flags.DO) == a.do,
               "DO is %s, want %s (copied, RFC 3225)" % (
                   bool(r.ednsflags & dns.flags.DO), a.do))
    rc = dns.rcode.to_text(r.rcode())
    if a.rcode:
        expect(rc == a.rcode, "rcode %s, want %s" % (rc, a.rcode))
    aa = bool(r.flags & dns.flags.AA)
    tc = bool(r.flags & dns.flags.TC)
    if a.aa is not None:
        expect(aa == a.aa, "AA is %s, want %s" % (aa, a.aa))
    if a.tc is not None:
        expect(tc == a.tc, "TC is %s, want %s" % (tc, a.tc))
    nan = sum(len(rr) for rr in r.answer)
    nns = sum(len(rr) for rr in r.authority)
    nar = sum(len(rr) for rr in r.additional)
    if a.an is not None:
        expect(nan == a.an, "%d answers, want %d" % (nan, a.an))
    if a.ns is not None:
        expect(nns == a.ns, "%d authority, want %d" % (nns, a.ns))
    if a.ar is not None:
        expect(nar == a.ar, "%d additional (OPT apart), want %d"
               % (nar, a.ar))
    if a.echo:
        qlen = len(wire) - 12 - (11 if a.edns else 0)
        expect(data[12:12 + qlen] == wire[12:12 + qlen],
               "question not echoed byte for byte")
        expect(r.question and r.question[0].name.to_text() ==
               qname.to_text(), "question name %s" % r.question)
    if a.a is not None:
        got = sorted(rd.address for rr in r.answer
                     if rr.rdtype == dns.rdatatype.A for rd in rr)
        expect(got == sorted(a.a), "A %s, want %s" % (got, sorted(a.a)))
    txts = [rd for rr in r.answer if rr.rdtype == dns.rdatatype.TXT
            for rd in rr]
    if a.txt is not None:
        got = [b"".join(rd.strings).decode() for rd in txts]
        expect(got == [a.txt], "TXT %r, want %r" % (got, [a.txt]))
    if a.txt_strings is not None:
        got = [len(rd.strings) for rd in txts]
        expect(got == [a.txt_strings], "TXT strings %s, want [%d]"
               % (got, a.txt_strings))
        expect(all(len(s) <= 255 for rd in txts for s in rd.strings),
               "a TXT string over 255")
    for rr in r.answer:
        expect(rr.name == qname, "answer owner %s" % rr.name)
        expect(rr.rdtype != dns.rdatatype.AAAA or
               a.type in ("AAAA", "ANY"), "an AAAA answer")
        if a.ttl is not None:
            expect(rr.ttl == a.ttl, "answer TTL %d, want %d"
                   % (rr.ttl, a.ttl))
    soas = [rr for rr in r.authority if rr.rdtype == dns.rdatatype.SOA]
    if a.soa_ttl is not None:
        expect(len(soas) == 1 and soas[0].ttl == a.soa_ttl,
               "authority SOA %s, want TTL %d" % (soas, a.soa_ttl))
    if a.serial is not None:
        allsoa = soas + [rr for rr in r.answer
                         if rr.rdtype == dns.rdatatype.SOA]
        expect(allsoa and allsoa[0][0].serial == a.serial,
               "serial %s, want %d" % (allsoa and allsoa[0][0].serial,
                                       a.serial))
    if a.ns_names is not None:
        got = sorted(rd.target.to_text(omit_final_dot=True).lower()
                     for rr in r.answer if rr.rdtype == dns.rdatatype.NS
                     for rd in rr)
        want = sorted(a.ns_names.split(","))
        expect(got == want, "NS %s, want %s" % (got, want))
    if a.glue is not None:
        got = sorted("%s=%s" % (rr.name.to_text(omit_final_dot=True).lower(),
                                rd.address)
                     for rr in r.additional
                     if rr.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)
                     for rd in rr)
        expect(got == sorted(a.glue), "glue %s, want %s"
               % (got, sorted(a.glue)))
    if a.no_opt:
        expect(r.edns < 0, "an OPT in the answer")
    if a.opt_payload is not None:
        expect(r.edns >= 0 and r.payload == a.opt_payload,
               "OPT payload %s, want %d" % (r.payload if r.edns >= 0
                                            else "none", a.opt_payload))
        expect(r.edns <= 0, "OPT version %d" % r.edns)
    finish()


def cmd_raw(a):
    wire = bytes.fromhex(a.hex)
    data = udp_exchange(a.server, a.port, wire, timeout=1.0)
    if a.silent:
        expect(data is None, "an answer came: %s" % (data or b"").hex())
        finish()
    if data is None:
        fails.append("no answer")
        finish()
    expect(len(data) >= 12, "answer shorter than a header")
    expect(data[:2] == wire[:2], "id not echoed")
    expect(data[2] & 0x80, "QR not set")
    rc = data[3] & 0xF
    r = dns.message.from_wire(data)  # must parse
    if a.rcode:
        want = dns.rcode.from_text(a.rcode)
        expect(rc == want, "rcode %s, want %s"
               % (dns.rcode.to_text(rc), a.rcode))
    if a.opcode is not None:
        expect(r.opcode() == a.opcode, "opcode %d, want %d"
               % (r.opcode(), a.opcode))
    finish()


def cmd_iphdr(a):
    """Capture the answer to one query as it crosses lo (a packet socket:
    root) and check its IPv4 header: DF set, fragment offset 0, and IP ID
    0 (RFC 9715 R2, RFC 6864), the header's checksum right, and a DNS
    message that parses with the query's ID."""
    cap = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                        socket.htons(0x0800))
    cap.bind(("lo", 0))
    cap.settimeout(0.5)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    me = s.getsockname()[1]
    q = dns.message.make_query(a.name, a.type, use_edns=a.edns is not None,
                               payload=a.edns or 512)
    s.sendto(q.to_wire(), (a.server, a.port))
    hdr = None
    deadline = time.monotonic() + 5
    while hdr is None and time.monotonic() < deadline:
        try:
            pkt = cap.recv(65535)
        except socket.timeout:
            continue
        if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17:
            continue
        ihl = (pkt[0] & 15) * 4
        sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
        if sport == a.port and dport == me:
            hdr = pkt
    s.close()
    cap.close()
    if hdr is None:
        fails.append("no answer seen on lo")
        finish()
    ihl = (hdr[0] & 15) * 4
    ident, frag = struct.unpack("!HH", hdr[4:8])
    expect(frag & 0x4000, "DF not set (flags and offset 0x%04x)" % frag)
    expect(frag & 0x3fff == 0, "fragment offset or MF set: 0x%04x" % frag)
    expect(ident == 0, "IP ID %d, want 0" % ident)
    words = struct.unpack("!%dH" % (ihl // 2), hdr[:ihl])
    total = sum(words)
    while total > 0xffff:
        total = (total & 0xffff) + (total >> 16)
    expect(total == 0xffff, "IP header checksum wrong")
    expect(socket.inet_ntoa(hdr[12:16]) == a.server, "answer from %s, not %s"
           % (socket.inet_ntoa(hdr[12:16]), a.server))
    r = dns.message.from_wire(hdr[ihl + 8:])
    expect(r.id == q.id, "DNS ID %d, want %d" % (r.id, q.id))
    if a.rcode:
        expect(r.rcode() == dns.rcode.from_text(a.rcode), "rcode %s, want %s"
               % (dns.rcode.to_text(r.rcode()), a.rcode))
    if a.tc:
        expect(r.flags & dns.flags.TC, "TC not set")
    if a.min_size:
        expect(len(hdr) - ihl - 8 >= a.min_size, "answer %d bytes, want at "
               "least %d" % (len(hdr) - ihl - 8, a.min_size))
    finish()


def cmd_pipeline(a):
    msgs, ids = b"", []
    names = a.names
    for i in range(a.n):
        q = dns.message.make_query(names[i % len(names)], "A")
        q.id = 1000 + i
        ids.append(q.id)
        w = q.to_wire()
        msgs += struct.pack("!H", len(w)) + w
    s = socket.create_connection((a.server, a.port), timeout=3)
    s.sendall(msgs)  # every query in one write
    got = []
    for i in range(a.n):
        body = tcp_recv_msg(s)
        if body is None:
            break
        r = dns.message.from_wire(body)
        got.append(r.id)
        expect(r.flags & dns.flags.AA, "answer %d without AA" % r.id)
    s.close()
    expect(sorted(got) == ids, "answered ids %s, want %s" % (got, ids))
    finish()


def cmd_split(a):
    q = dns.message.make_query(a.name, "A")
    w = q.to_wire()
    w = struct.pack("!H", len(w)) + w
    s = socket.create_connection((a.server, a.port), timeout=3)
    for i in range(len(w)):  # one byte per write
        s.sendall(w[i:i + 1])
        time.sleep(0.005)
    body = tcp_recv_msg(s)
    expect(body is not None, "no answer to a query sent byte by byte")
    if body is not None:
        expect(dns.message.from_wire(body).id == q.id, "wrong id")
    # a zero-length message ends the connection
    s.sendall(b"\0\0")
    try:
        c = s.recv(10)
    except (socket.timeout, ConnectionResetError):
        c = None
    expect(c == b"", "connection not closed after a zero-length message")
    s.close()
    finish()


def cmd_hup(a):
    import os
    import signal
    s = socket.create_connection((a.server, a.port), timeout=3)
    q = dns.message.make_query("relays.example", "SOA")
    w = q.to_wire()
    s.sendall(struct.pack("!H", len(w)) + w)
    expect(tcp_recv_msg(s) is not None, "no answer before SIGHUP")
    # half a query before the signal, the rest after it
    q.id = 4242
    w = struct.pack("!H", len(q.to_wire())) + q.to_wire()
    s.sendall(w[:7])
    os.kill(a.pid, signal.SIGHUP)
    time.sleep(0.5)
    s.sendall(w[7:])
    body = tcp_recv_msg(s)
    expect(body is not None and dns.message.from_wire(body).id == 4242,
           "no answer on the same connection after SIGHUP")
    s.close()
    finish()


def cmd_idle(a):
    s = socket.create_connection((a.server, a.port), timeout=a.seconds + 5)
    start = time.monotonic()
    # one query first: the connection works
    q = dns.message.make_query("relays.example", "SOA").to_wire()
    s.sendall(struct.pack("!H", len(q)) + q)
    expect(tcp_recv_msg(s) is not None, "no answer on the connection")
    try:
        c = s.recv(10)
    except (socket.timeout, ConnectionResetError):
        c = None
    took = time.monotonic() - start
    expect(c == b"", "connection not closed (got %r)" % c)
    expect(a.seconds - 1 <= took <= a.seconds + 3,
           "closed after %.1fs, want about %ds" % (took, a.seconds))
    s.close()
    finish()


def cmd_maxconn(a):
    conns = []
    for _ in range(a.n + 3):
        conns.append(socket.create_connection((a.server, a.port), timeout=3))
        time.sleep(0.05)
    q = dns.message.make_query("relays.example", "SOA").to_wire()
    answered = 0
    for s in conns:
        try:
            s.sendall(struct.pack("!H", len(q)) + q)
            if tcp_recv_msg(s) is not None:
                answered += 1
        except OSError:
            pass
        s.close()
    expect(answered == a.n, "%d connections answered, want %d"
           % (answered, a.n))
    finish()


def tsig_of(wire):
    """The TSIG record ending wire, parsed by hand: (rdata, its offset),
    or (None, None).  No key is needed, so any answer can be looked at."""
    (ar,) = struct.unpack("!H", wire[10:12])
    if ar == 0:
        return None, None
    # Walk the message to the last additional record.
    off = 12
    (qd, an, ns) = struct.unpack("!HHH", wire[4:10])

    def skip_name(o):
        while True:
            ln = wire[o]
            if ln == 0:
                return o + 1
            if ln & 0xC0:
                return o + 2
            o += 1 + ln
    for _ in range(qd):
        off = skip_name(off) + 4
    start = None
    for _ in range(an + ns + ar):
        start = off
        off = skip_name(off)
        (t, c, ttl, rdlen) = struct.unpack("!HHIH", wire[off:off + 10])
        off += 10 + rdlen
    if t != dns.rdatatype.TSIG:
        return None, None
    owner, o2 = dns.name.from_wire(wire, start)
    rd = dns.rdata.from_wire(dns.rdataclass.ANY, dns.rdatatype.TSIG,
                             wire, start + o2 + 10, rdlen)
    return (owner, rd), start


def cmd_tsig(a):
    """A signed request: the answer must be signed as RFC 8945 5.3 says."""
    import dns.opcode
    name, secret = a.key.split(":", 1)
    key = dns.tsig.Key(name, secret, a.alg)
    keyring = {dns.name.from_text(name): key}
    q = dns.message.make_query(a.name, a.type, use_edns=a.edns is not None,
                               payload=a.edns or 1232)
    if a.opcode == "notify":
        q.set_opcode(dns.opcode.NOTIFY)
        q.flags |= dns.flags.AA
        q.flags &= ~dns.flags.RD
    q.use_tsig(keyring, keyname=name, fudge=a.fudge)
    real = time.time
    if a.skew:
        time.time = lambda: real() + a.skew
    try:
        wire = q.to_wire()
    finally:
        time.time = real
    data = (tcp_exchange if a.tcp else udp_exchange)(a.server, a.port, wire)
    if data is None:
        fails.append("no answer")
        finish()
    (tsig, start) = tsig_of(data)
    expect(tsig is not None, "the answer carries no TSIG")
    if tsig is None:
        finish()
    owner, rd = tsig
    rcode = dns.rcode.from_flags(struct.unpack("!H", data[2:4])[0], 0)
    expect(dns.rcode.to_text(rcode) == a.rcode, "rcode %s, want %s" % (
        dns.rcode.to_text(rcode), a.rcode))
    err = dns.rcode.to_text(rd.error, True) if rd.error else "NOERROR"
    expect(err == a.tsig_error, "TSIG error %s, want %s" % (
        err, a.tsig_error))
    expect(owner == dns.name.from_text(name), "TSIG owner %s" % owner)
    expect(rd.original_id == q.id, "original id %d, want %d" % (
        rd.original_id, q.id))
    if a.signed:
        # Verify the MAC with dnspython's own digest (RFC 8945 4.3.3),
        # whatever the error, and the time.
        (adc,) = struct.unpack("!H", data[10:12])
        new = data[0:10] + struct.pack("!H", adc - 1) + data[12:start]
        try:
            ctx = dns.tsig._digest(new, key, rd, None, q.mac, None, False)
            ctx.verify(rd.mac)
        except Exception as e:
            expect(False, "the answer's MAC does not verify: %s" %
                   type(e).__name__)
        expect(rd.fudge == a.fudge, "fudge %d, want the request's %d" % (
            rd.fudge, a.fudge))
        expect(abs(rd.time_signed - real()) < 30, "time signed %d, now %d"
               % (rd.time_signed, real()))
        if rd.error == dns.rcode.BADTIME:
            expect(len(rd.other) == 6, "BADTIME without our time in Other "
                   "Data (%d bytes)" % len(rd.other))
            t = int.from_bytes(rd.other, "big") if rd.other else 0
            expect(abs(t - real()) < 30, "Other Data time %d, now %d" % (
                t, real()))
    else:
        expect(len(rd.mac) == 0, "an error answer with a MAC of %d bytes"
               % len(rd.mac))
    if a.an is not None:
        (an,) = struct.unpack("!H", data[6:8])
        expect(an == a.an, "%d answers, want %d" % (an, a.an))
    if a.txt_len is not None:
        m, _ = None, None
        try:
            m = dns.message.from_wire(data, keyring=keyring,
                                      request_mac=q.mac)
        except Exception as e:
            expect(False, "the answer does not parse with the key: %s" % e)
        if m is not None:
            txt = b"".join(s for rr in m.answer for rd2 in rr
                           for s in rd2.strings)
            expect(len(txt) == a.txt_len, "TXT of %d bytes, want %d" % (
                len(txt), a.txt_len))
    finish()


def cmd_flood(a):
    """Queries for SECONDS, each checked: an address of LISTED must be
    listed (A 127.0.0.2), one of 9.9.0.0/16 must be NXDOMAIN.  A query
    that gets no answer is sent again (3 tries, as a resolver would): one
    never answered counts as lost."""
    import random
    listed = [x.strip() for x in open(a.listed) if x.strip()]
    r = random.Random(a.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    end = time.time() + a.seconds
    sent = answered = wrong = lost = 0
    while time.time() < end and not (a.until and os.path.exists(a.until)):
        if r.random() < 0.5:
            ip, want = r.choice(listed), "127.0.0.2"
        else:
            ip, want = "9.9.%d.%d" % (r.randrange(256), r.randrange(256)), None
        name = ".".join(reversed(ip.split("."))) + "." + a.zone
        q = dns.message.make_query(name, "A")
        sent += 1
        got = None
        for _ in range(3):
            s.sendto(q.to_wire(), ("127.0.0.1", a.port))
            try:
                while True:
                    data = s.recv(4096)
                    m = dns.message.from_wire(data)
                    if m.id == q.id:
                        got = m
                        break
            except socket.timeout:
                continue
            break
        if got is None:
            lost += 1
            continue
        answered += 1
        addrs = [rd.address for rr in got.answer for rd in rr]
        ok_ = (got.rcode() == 0 and addrs == [want]) if want else \
            got.rcode() == dns.rcode.NXDOMAIN
        if not ok_:
            wrong += 1
            if wrong <= 5:
                print("# wrong: %s: %s %s" % (name, dns.rcode.to_text(
                    got.rcode()), addrs))
    print("sent=%d answered=%d wrong=%d lost=%d" % (sent, answered, wrong,
                                                    lost), flush=True)
    sys.exit(1 if wrong or lost or sent == 0 else 0)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("q")
    q.add_argument("port", type=int)
    q.add_argument("name")
    q.add_argument("type")
    q.add_argument("--server", default="127.0.0.1")
    q.add_argument("--tcp", action="store_true")
    q.add_argument("--edns", type=int)
    q.add_argument("--ednsver", type=int, default=0)
    q.add_argument("--do", action="store_true")
    q.add_argument("--cd", action="store_true")
    q.add_argument("--id", type=int)
    q.add_argument("--rcode")
    q.add_argument("--aa", dest="aa", action="store_true", default=None)
    q.add_argument("--no-aa", dest="aa", action="store_false")
    q.add_argument("--tc", dest="tc", action="store_true", default=None)
    q.add_argument("--no-tc", dest="tc", action="store_false")
    q.add_argument("--an", type=int)
    q.add_argument("--ns", type=int)
    q.add_argument("--ar", type=int)
    q.add_argument("--a", action="append")
    q.add_argument("--txt")
    q.add_argument("--txt-strings", type=int)
    q.add_argument("--ttl", type=int)
    q.add_argument("--soa-ttl", type=int)
    q.add_argument("--serial", type=int)
    q.add_argument("--ns-names")
    q.add_argument("--glue", action="append")
    q.add_argument("--no-opt", action="store_true")
    q.add_argument("--opt-payload", type=int)
    q.add_argument("--echo", action="store_true")
    q.add_argument("--max-size", type=int)
    r = sub.add_parser("raw")
    r.add_argument("port", type=int)
    r.add_argument("hex")
    r.add_argument("--server", default="127.0.0.1")
    r.add_argument("--rcode")
    r.add_argument("--opcode", type=int)
    r.add_argument("--silent", action="store_true")
    pl = sub.add_parser("pipeline")
    pl.add_argument("port", type=int)
    pl.add_argument("n", type=int)
    pl.add_argument("names", nargs="+")
    pl.add_argument("--server", default="127.0.0.1")
    sp = sub.add_parser("split")
    sp.add_argument("port", type=int)
    sp.add_argument("name")
    sp.add_argument("--server", default="127.0.0.1")
    h = sub.add_parser("hup")
    h.add_argument("port", type=int)
    h.add_argument("pid", type=int)
    h.add_argument("--server", default="127.0.0.1")
    i = sub.add_parser("idle")
    i.add_argument("port", type=int)
    i.add_argument("seconds", type=int)
    i.add_argument("--server", default="127.0.0.1")
    fl = sub.add_parser("flood")
    fl.add_argument("port", type=int)
    fl.add_argument("seconds", type=float)
    fl.add_argument("listed")
    fl.add_argument("--zone", default="relays.example")
    fl.add_argument("--seed", type=int, default=1)
    fl.add_argument("--until", help="stop when this file exists")
    ts = sub.add_parser("tsig")
    ts.add_argument("port", type=int)
    ts.add_argument("name")
    ts.add_argument("type")
    ts.add_argument("--key", required=True)
    ts.add_argument("--alg", default="hmac-sha256")
    ts.add_argument("--fudge", type=int, default=300)
    ts.add_argument("--skew", type=int, default=0)
    ts.add_argument("--edns", type=int)
    ts.add_argument("--opcode", default="query")
    ts.add_argument("--tcp", action="store_true")
    ts.add_argument("--server", default="127.0.0.1")
    ts.add_argument("--rcode", required=True)
    ts.add_argument("--tsig-error", default="NOERROR")
    ts.add_argument("--signed", dest="signed", action="store_true",
                    default=True)
    ts.add_argument("--unsigned", dest="signed", action="store_false")
    ts.add_argument("--an", type=int)
    ts.add_argument("--txt-len", type=int)
    ih = sub.add_parser("iphdr")
    ih.add_argument("port", type=int)
    ih.add_argument("name")
    ih.add_argument("type")
    ih.add_argument("--edns", type=int)
    ih.add_argument("--min-size", type=int)
    ih.add_argument("--server", default="127.0.0.1")
    ih.add_argument("--rcode")
    ih.add_argument("--tc", action="store_true")
    m = sub.add_parser("maxconn")
    m.add_argument("port", type=int)
    m.add_argument("n", type=int)
    m.add_argument("--server", default="127.0.0.1")
    a = p.parse_args()
    {"q": cmd_q, "raw": cmd_raw, "split": cmd_split, "hup": cmd_hup, "pipeline": cmd_pipeline,
     "idle": cmd_idle, "maxconn": cmd_maxconn, "tsig": cmd_tsig, "flood": cmd_flood,
     "iphdr": cmd_iphdr}[a.cmd](a)


if __name__ == "__main__":
    main()
