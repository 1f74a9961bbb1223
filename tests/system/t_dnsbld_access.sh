#!/usr/bin/env bash
# t_dnsbld_access.sh -- the access policy: answers by client network.
#
# Rules: 127.0.5.0/24 gets the "refused" code 127.255.255.254 and its TXT
# for every address (listed or not, seeded random ones included) over UDP
# and TCP, while the apex answers as usual; 127.0.6.0/24 is REFUSED; a
# signed query from there is answered as usual; 127.0.7.0/24 has a quota
# of 50 queries a day and then gets 127.255.255.255; 127.0.0.0/8 (the
# rest) is answered as usual.  Every answer is parsed by dnspython.  At
# SIGHUP dnsbld logs each rule's counts, which must match what was sent,
# and the day's quota counts survive the reload.
source "$(dirname "$0")/lib.sh"
Z=relays.example
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
write_config "keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}
rrl: {enabled: false}
access:
  - name: resolvers
    networks: [127.0.5.0/24]
    action: code
    txt: \"Queries through public resolvers are refused (\$)\"
  - name: blocked
    networks: [127.0.6.0/24, \"::2/128\"]
    action: refuse
  - name: heavy
    networks: [127.0.7.0/24]
    quota: 50
  - name: ours
    networks: [127.0.0.0/8]"
loader list 192.0.2.1 198.51.100.0/24 >/dev/null; ok $? "listings made"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
SEED=${DNSBL_SEED:-$(date +%s)}
echo "# seed $SEED (replay: DNSBL_SEED=$SEED bash $0)"

$PY - $PORT $Z $SEED $K1 >"$T/acc.out" 2>&1 <<'PY'
import random, socket, struct, sys
import dns.exception, dns.flags, dns.message, dns.rcode, dns.rdatatype, dns.tsigkeyring, dns.name
port, zone, seed, secret = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
r = random.Random(seed)
fails = 0
sent = {"resolvers": 0, "blocked": 0, "heavy": 0, "ours": 0}

def ask(src, name, qtype="A", tcp=False, key=None, edns=False, cd=False):
    q = dns.message.make_query(name, qtype, use_edns=0 if edns else None)
    if cd:
        q.flags |= dns.flags.CD
    if key:
        q.use_tsig(dns.tsigkeyring.from_text({"k1": key}), keyname="k1")
    w = q.to_wire()
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    dst = "::1" if ":" in src else "127.0.0.1"
    for _ in range(4):
        try:
            if tcp:
                s = socket.socket(fam, socket.SOCK_STREAM); s.settimeout(3)
                s.bind((src, 0)); s.connect((dst, port))
                s.sendall(struct.pack("!H", len(w)) + w)
                n = struct.unpack("!H", s.recv(2, socket.MSG_WAITALL))[0]
                b = s.recv(n, socket.MSG_WAITALL); s.close()
            else:
                s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(2)
                s.bind((src, 0)); s.sendto(w, (dst, port))
                b = s.recv(4096); s.close()
            kw = {"keyring": q.keyring, "request_mac": q.mac} if key else {}
            m = dns.message.from_wire(b, **kw)
            assert m.id == q.id
            return m
        except socket.timeout:
            continue
    raise SystemExit("no answer from %s for %s" % (src, name))

def a_of(m):
    return [rd.address for rr in m.answer if rr.rdtype == dns.rdatatype.A for rd in rr]

def txt_of(m):
    return [b"".join(rd.strings).decode() for rr in m.answer
            if rr.rdtype == dns.rdatatype.TXT for rd in rr]

def expect(cond, what):
    global fails
    if not cond:
        fails += 1
        print("FAIL", what)

listed = "1.2.0.192." + zone
unlisted = "99.2.0.192." + zone
# Allowed: as usual.
m = ask("127.0.0.1", listed); sent["ours"] += 1
expect(a_of(m) == ["127.0.0.2"], "ours: listed gets 127.0.0.2")
m = ask("127.0.0.1", unlisted); sent["ours"] += 1
expect(m.rcode() == dns.rcode.NXDOMAIN, "ours: unlisted NXDOMAIN")
# The resolvers' network: the code for every address, UDP and TCP.
addrs = ["1.2.0.192", "99.2.0.192"] + ["%d.%d.%d.%d" % tuple(r.randrange(256) for _ in range(4)) for _ in range(40)]
for i, a in enumerate(addrs):
    tcp = i % 5 == 0
    m = ask("127.0.5.%d" % (1 + i % 200), a + "." + zone, "A", tcp); sent["resolvers"] += 1
    expect(m.rcode() == 0 and a_of(m) == ["127.255.255.254"], "resolvers: %s A code (tcp %s): %s" % (a, tcp, m))
    m = ask("127.0.5.9", a + "." + zone, "TXT", tcp); sent["resolvers"] += 1
    want = "Queries through public resolvers are refused (%s)" % ".".join(reversed(a.split(".")))
    expect(txt_of(m) == [want], "resolvers: %s TXT %s" % (a, txt_of(m)))
m = ask("127.0.5.1", zone, "SOA"); sent["resolvers"] += 1
expect(m.rcode() == 0 and m.answer and m.answer[0].rdtype == dns.rdatatype.SOA, "resolvers: the apex SOA as usual")
# Blocked: REFUSED over UDP and TCP, IPv6 too; a signed query is answered.
for tcp in (False, True):
    m = ask("127.0.6.3", listed, tcp=tcp); sent["blocked"] += 1
    expect(m.rcode() == dns.rcode.REFUSED and not m.answer, "blocked: REFUSED (tcp %s)" % tcp)
# A refusal to a query with EDNS and CD: CD copied, the OPT counted in
# ARCOUNT and nothing after it (from_wire refuses trailing bytes).
try:
    sent["blocked"] += 1
    m = ask("127.0.6.3", listed, edns=True, cd=True)
    expect(m.rcode() == dns.rcode.REFUSED and m.flags & dns.flags.CD and m.edns == 0 and not m.answer,
           "blocked, EDNS and CD: REFUSED with CD and an OPT: %s" % m)
except dns.exception.DNSException as e:
    expect(False, "blocked, EDNS and CD: the answer does not parse: %r" % e)
m = ask("::1", listed)
expect(a_of(m) == ["127.0.0.2"], "::1 (no rule): listed as usual")
m = ask("127.0.6.3", listed, key=secret)
expect(a_of(m) == ["127.0.0.2"] and m.had_tsig, "blocked, but signed: answered and signed")
# Heavy: 50 a day, then the excess code.
for i in range(60):
    m = ask("127.0.7.%d" % (1 + i % 3), listed); sent["heavy"] += 1
    want = ["127.0.0.2"] if i < 50 else ["127.255.255.255"]
    expect(a_of(m) == want, "heavy: query %d gets %s, not %s" % (i + 1, want, a_of(m)))
m = ask("127.0.7.1", listed, "TXT"); sent["heavy"] += 1
expect(txt_of(m) and txt_of(m)[0].startswith("Excessive number of queries"), "heavy: the excess TXT")
m = ask("127.0.8.1", listed); sent["ours"] += 1
expect(a_of(m) == ["127.0.0.2"], "another network of ours: as usual")
print("sent", " ".join("%s=%d" % kv for kv in sorted(sent.items())))
print("fails", fails)
PY
grep '^FAIL' "$T/acc.out" | head -n 10 | sed 's/^/# /'
grep -q "^fails 0$" "$T/acc.out"; ok $? "every answer as the policy says ($(grep -c . "$T/acc.out") lines)"
grep -q "no answer" "$T/acc.out" && sed 's/^/# /' "$T/acc.out" | tail -3
sent=$(grep '^sent' "$T/acc.out")
echo "# $sent"
# A reload does not give a network over its quota a new day.
kill -HUP "$DNSBLD_PID"
for i in $(seq 1 100); do grep -q "reloaded" "$T/dnsbld.log" && break; sleep 0.1; done
a=$(dig +short +tries=3 +time=2 -b 127.0.7.2 -p $PORT @127.0.0.1 1.2.0.192.$Z A)
is "$a" 127.255.255.255 "after a SIGHUP the network is still over its quota"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
for rule in resolvers blocked heavy; do
	n=$(echo "$sent" | grep -o "$rule=[0-9]*" | cut -d= -f2)
	grep -q "access: rule $rule ([a-z]*): $n queries" "$T/dnsbld.log"
	ok $? "the statistics count $n queries for rule $rule"
done
# "ours" also has start_dnsbld's probes from 127.0.0.1.
n=$(echo "$sent" | grep -o "ours=[0-9]*" | cut -d= -f2)
got=$(grep -o "access: rule ours (allow): [0-9]* queries" "$T/dnsbld.log" | head -n 1 | awk '{print $5}')
[ -n "$got" ] && [ "$got" -ge "$n" ]; ok $? "the statistics count $got queries for rule ours (we sent $n, and the start-up probes)"
grep -q "access: rule heavy (allow): 61 queries, 11 over its quota" "$T/dnsbld.log"
ok $? "and 11 over the quota"
grep -q "access: no rule: 1 queries" "$T/dnsbld.log"; ok $? "and 1 that no rule named (::1)"

# A bad rule is refused with its line and column.
write_config "access:
  - name: x
    networks: [127.0.0.0/33]"
loader check-config >"$T/bad.out" 2>&1
[ $? -ne 0 ] && grep -Eq "dnsbl.yaml:[0-9]+:[0-9]+:" "$T/bad.out"; ok $? "a bad network in a rule: an error with line and column"
write_config "access:
  - name: x
    networks: [127.0.0.0/8]
    action: maybe"
loader check-config >"$T/bad.out" 2>&1
[ $? -ne 0 ] && grep -q "maybe" "$T/bad.out"; ok $? "an unknown action: refused"
done_testing
