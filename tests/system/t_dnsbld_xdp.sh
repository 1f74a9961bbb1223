#!/usr/bin/env bash
# t_dnsbld_xdp.sh -- dnsbld's AF_XDP path (docs/xdp.md), in two network
# namespaces of its own joined by a veth pair (198.18.0.0/30, the
# benchmarking range of RFC 2544, and 2001:db8::/64): dnsbld in one, dig,
# kdig and dnspython in the other, in native and then generic XDP mode.
# Answers for listed and unlisted addresses and TXT; that the queries took
# the XDP path (the server namespace's kernel counts no UDP datagram for
# them); TCP, IPv6, other UDP ports and ICMP still reach the kernel; a
# loader change is seen by the next query; hostile datagrams (seeded) get
# no crash; at exit the program is gone from the interface.
# Needs root, a dnsbld built with `make XDP=1` (else it skips), ip, dig,
# kdig, ethtool and dnspython.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null ||
    ! command -v kdig >/dev/null || ! command -v ethtool >/dev/null; then
	echo "1..0 # SKIP needs root, ip, kdig and ethtool"
	exit 0
fi
SFX=$$
NS_S=dnsbl-xs-$SFX NS_C=dnsbl-xc-$SFX
IF_S=dxs$SFX IF_C=dxc$SFX
SRV=198.18.0.1 CLI=198.18.0.2 SRV6=2001:db8::1 CLI6=2001:db8::2
SEED=${SEED:-$RANDOM}
echo "# seed $SEED"

netns_down() {
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
}
xdp_cleanup() {
	[ -n "$DNSBLD_PID" ] && kill "$DNSBLD_PID" 2>/dev/null && wait "$DNSBLD_PID" 2>/dev/null
	DNSBLD_PID=
	netns_down
	cleanup
}
trap xdp_cleanup EXIT

S() { ip netns exec "$NS_S" "$@"; }
C() { ip netns exec "$NS_C" "$@"; }

netns_down
ip netns add "$NS_S" && ip netns add "$NS_C" &&
    ip link add "$IF_S" type veth peer name "$IF_C" &&
    ip link set "$IF_S" netns "$NS_S" && ip link set "$IF_C" netns "$NS_C" &&
    S ip link set lo up && C ip link set lo up &&
    S ip addr add $SRV/30 dev "$IF_S" && C ip addr add $CLI/30 dev "$IF_C" &&
    S ip addr add $SRV6/64 dev "$IF_S" nodad &&
    C ip addr add $CLI6/64 dev "$IF_C" nodad &&
    S ip link set "$IF_S" up && C ip link set "$IF_C" up
setup=$?

write_config "listen: [$SRV@53, \"$SRV6@53\", 127.0.0.1@$PORT]
workers: 1
xdp:
  interface: $IF_S
  queues: [0]
  mode: MODE
  address: $SRV@53
rrl: {exempt: [198.18.0.0/30, \"2001:db8::/64\"]}"
sed -i '/^listen:$/,/^zones:/{/^  - /d}; /^listen:$/d' "$T/dnsbl.yaml"
cp "$T/dnsbl.yaml" "$T/dnsbl.yaml.in"
sed 's/MODE/generic/' "$T/dnsbl.yaml.in" >"$T/dnsbl.yaml"
loader list 192.0.2.1 198.51.100.0/24 --reason "xdp test" >/dev/null
listed=$?

# The probe: a dnsbld without XDP refuses the config, and the test skips.
ip netns exec "$NS_S" "$DNSBLD" -c "$T/dnsbl.yaml" 2>"$T/probe.log" &
DNSBLD_PID=$!
for i in $(seq 1 50); do
	grep -qs "built without XDP\|xdp: answering" "$T/probe.log" && break
	kill -0 $DNSBLD_PID 2>/dev/null || break
	sleep 0.1
done
if grep -q "built without XDP" "$T/probe.log"; then
	wait $DNSBLD_PID 2>/dev/null
	DNSBLD_PID=
	echo "1..0 # SKIP dnsbld built without XDP (make XDP=1)"
	exit 0
fi
kill $DNSBLD_PID 2>/dev/null; wait $DNSBLD_PID 2>/dev/null; DNSBLD_PID=
ok $setup "two network namespaces and a veth pair"
ok $listed "loader list"

udp_in() {	# UDP datagrams the server namespace's kernel took in
	S awk '/^Udp:/ && $2 ~ /^[0-9]+$/ {print $2}' /proc/net/snmp
}
q() { C dig +time=2 +tries=2 +norec @$SRV "$@"; }

for MODE in native generic; do
	sed "s/MODE/$MODE/" "$T/dnsbl.yaml.in" >"$T/dnsbl.yaml"
	ip netns exec "$NS_S" "$DNSBLD" -c "$T/dnsbl.yaml" 2>"$T/dnsbld.log" &
	DNSBLD_PID=$!
	up=1
	for i in $(seq 1 100); do
		if q +short relays.example SOA >/dev/null 2>&1 &&
		    grep -q "xdp: answering" "$T/dnsbld.log"; then up=0; break; fi
		kill -0 $DNSBLD_PID 2>/dev/null || break
		sleep 0.1
	done
	ok $up "$MODE: dnsbld starts with the XDP path"
	[ $up -ne 0 ] && sed 's/^/#   /' "$T/dnsbld.log"
	grep -q "attached to $IF_S in $MODE mode" "$T/dnsbld.log"
	ok $? "$MODE: the log says the program is attached in $MODE mode"
	case $MODE in native) flag=' xdp ' ;; *) flag=' xdpgeneric ' ;; esac
	S ip -d link show dev "$IF_S" >"$T/link"
	grep -q "$flag" "$T/link" && grep -q 'prog/xdp .*name dnsbl_xdp' "$T/link"
	ok $? "$MODE: ip link shows the program dnsbl_xdp ($flag)"

	u0=$(udp_in)
	is "$(q +short 1.2.0.192.relays.example A)" "127.0.0.2" \
	    "$MODE: listed address: its A"
	is "$(q 9.9.9.9.relays.example A | grep -o 'status: [A-Z]*')" \
	    "status: NXDOMAIN" "$MODE: unlisted address: NXDOMAIN"
	is "$(q +short 7.100.51.198.relays.example TXT)" \
	    '"Open relay 198.51.100.7 - see https://relays.example/lookup?ip=198.51.100.7"' \
	    "$MODE: listed network: TXT with the address"
	is "$(C kdig +short +notcp @$SRV 1.2.0.192.relays.example A)" \
	    "127.0.0.2" "$MODE: kdig gets the same answer"
	out=$(C $PY - $SRV <<'PY'
import sys, dns.message, dns.query, dns.rcode, dns.flags
q = dns.message.make_query("1.2.0.192.relays.example", "A", use_edns=0, payload=1232)
q.flags &= ~dns.flags.RD
r = dns.query.udp(q, sys.argv[1], port=53, timeout=3)
print(r.id == q.id, dns.rcode.to_text(r.rcode()), r.edns, r.answer[0][0].address,
      bool(r.flags & dns.flags.AA))
PY
)
	is "$out" "True NOERROR 0 127.0.0.2 True" \
	    "$MODE: dnspython, EDNS: its id, NOERROR, OPT, the A, AA"
	u1=$(udp_in)
	is "$((u1 - u0))" 0 \
	    "$MODE: the kernel took none of those UDP queries (XDP answered)"

	# Bursts (seeded): 400 queries of every kind, with a malformed
	# datagram between them now and then, sent 100 at a time without
	# waiting, so that a batch holds many frames; each answer parsed by
	# dnspython and compared with the kernel socket's answer to the
	# same query (over IPv6, which the program passes on).
	out=$(C $PY - $SRV $SRV6 $SEED 2>"$T/burst.err" <<'PY'
import random, socket, sys, time
import dns.message, dns.query, dns.rdatatype
srv, srv6 = sys.argv[1], sys.argv[2]
rnd = random.Random(int(sys.argv[3]))
def name():
    k = rnd.randrange(7)
    if k == 0: a = "192.0.2.1"
    elif k == 1: a = "198.51.100.%d" % rnd.randrange(256)
    elif k == 2: a = "%d.%d.%d.%d" % tuple(rnd.randrange(256) for _ in range(4))
    elif k == 3:
        return "".join(rnd.choice("0123456789abcdefABCDEF") + "."
                       for _ in range(32)) + "relays.example"
    elif k == 4: return rnd.choice(["relays.example", "ns1.relays.example",
                                    "0.192.relays.example", "x.relays.example"])
    elif k == 5: a = "127.0.0.%d" % rnd.choice([1, 2])
    else: return "%d.%d.relays.example" % (rnd.randrange(300), rnd.randrange(300))
    return ".".join(reversed(a.split("."))) + ".relays.example"
def canon(r):
    if r is None: return None
    secs = [sorted(x.to_text() for x in sec) for sec in (r.answer, r.authority)]
    return (r.rcode(), r.flags & 0x0400, secs)
qs = []
for i in range(400):
    q = dns.message.make_query(name(), rnd.choice(["A", "TXT", "ANY", "AAAA", "SOA"]),
                               use_edns=rnd.choice([None, 0]))
    q.id = i
    q.flags = 0
    qs.append(q)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.settimeout(0.5)
got = {}
for rnd_try in range(3):
    pending = [q for q in qs if q.id not in got]
    for c in range(0, len(pending), 100):
        for q in pending[c:c + 100]:
            if rnd.randrange(8) == 0:	# cut short; an id of its own
                w = (0x8000 | q.id).to_bytes(2, "big") + q.to_wire()[2:]
                s.sendto(w[:rnd.randrange(2, len(w))], (srv, 53))
            s.sendto(q.to_wire(), (srv, 53))
        end = time.time() + 3
        while time.time() < end and any(q.id not in got for q in pending[c:c + 100]):
            try:
                d = s.recv(4096)
            except socket.timeout:
                continue
            try:
                r = dns.message.from_wire(d)
            except Exception:
                continue
            if 0 <= r.id < len(qs) and r.question and \
                    qs[r.id].question[0].name == r.question[0].name:
                got[r.id] = r
same = diff = 0
for q in qs:
    ref = None
    for _ in range(3):
        try:
            ref = dns.query.udp(q, srv6, port=53, timeout=2)
            break
        except Exception:
            pass
    if q.id in got and ref is not None and canon(got[q.id]) == canon(ref):
        same += 1
    else:
        diff += 1
        if diff <= 3:
            print("#", q.question[0], q.id in got, canon(got.get(q.id)), canon(ref), file=sys.stderr)
print(len(got), same, diff)
PY
)
	is "$out" "400 400 0" \
	    "$MODE: 400 queries in bursts (seed $SEED): each answered over XDP as the kernel socket answers it"
	[ "$out" = "400 400 0" ] || sed 's/^/#   /' "$T/burst.err"

	# A change by the loader is seen by the next query.
	loader list 203.0.113.9 --reason "xdp test, added" >/dev/null
	is "$(q +short 9.113.0.203.relays.example A)" "127.0.0.2" \
	    "$MODE: an address listed while running is answered at once"
	loader delist 203.0.113.9 >/dev/null
	is "$(q 9.113.0.203.relays.example A | grep -o 'status: [A-Z]*')" \
	    "status: NXDOMAIN" "$MODE: and delisted at once"

	# What the program passes on reaches the kernel.
	is "$(q +tcp +short 1.2.0.192.relays.example A)" "127.0.0.2" \
	    "$MODE: TCP: the kernel's socket answers"
	is "$(C dig +time=2 +tries=2 +norec +short @$SRV6 1.2.0.192.relays.example A)" \
	    "127.0.0.2" "$MODE: IPv6: the kernel's socket answers"
	u0=$(udp_in)
	out=$(C $PY - $SRV <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect((sys.argv[1], 9))
s.send(b"not dns")
try:
    s.recv(100)
    print("answer")
except ConnectionRefusedError:
    print("port unreachable")
except socket.timeout:
    print("nothing")
PY
)
	is "$out" "port unreachable" \
	    "$MODE: UDP to another port: the kernel sends port unreachable"
	u1=$(udp_in)
	ok $(( u1 - u0 >= 0 ? 0 : 1 )) "$MODE: UDP counters read"
	out=$(C $PY - $SRV <<'PY'
import socket, struct, sys, os
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(3)
ident = os.getpid() & 0xffff
body = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"xdp"
c = sum(struct.unpack("!%dH" % (len(body) // 2), body[:len(body) // 2 * 2]))
if len(body) % 2: c += body[-1] << 8
while c >> 16: c = (c & 0xffff) + (c >> 16)
body = body[:2] + struct.pack("!H", ~c & 0xffff) + body[4:]
s.sendto(body, (sys.argv[1], 0))
try:
    while True:
        d = s.recv(200)
        ihl = (d[0] & 15) * 4
        t, _, _, i = struct.unpack("!BBHH", d[ihl:ihl + 6])
        if t == 0 and i == ident:
            print("echo reply"); break
except socket.timeout:
    print("nothing")
PY
)
	is "$out" "echo reply" "$MODE: ICMP echo: the kernel replies"

	# Hostile datagrams to the XDP port: seeded, then a query still works.
	C $PY - $SRV $SEED <<'PY'
import random, socket, sys
random.seed(int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
good = bytes.fromhex("1234000000010000000000000131013001320331393206"
                     "72656c617973076578616d706c650000010001")
for i in range(3000):
    k = random.randrange(4)
    if k == 0:
        d = bytes(random.randrange(256) for _ in range(random.randrange(0, 64)))
    elif k == 1:
        d = good[:random.randrange(len(good))]
    elif k == 2:
        b = bytearray(good)
        for _ in range(random.randrange(1, 6)):
            b[random.randrange(len(b))] = random.randrange(256)
        d = bytes(b)
    else:
        d = good + bytes(random.randrange(256) for _ in range(random.randrange(1, 1400)))
    s.sendto(d, (sys.argv[1], 53))
PY
	is "$(q +short 1.2.0.192.relays.example A)" "127.0.0.2" \
	    "$MODE: after 3000 hostile datagrams (seed $SEED) it still answers"

	# Bursts queued in the socket's RX ring while dnsbld is stopped, then
	# no more queries: 1000, then two of a seeded size up to 1500.  Every
	# answer must be out before the worker wakes from the first sleep it
	# takes after the burst (in poll(2)): none left in the TX ring for a
	# later wakeup (in copy mode one wakeup sends 32 frames at most).  The
	# first sleep: the thread in state S with one voluntary context switch
	# more than while it was stopped.  Out: the client's end of the veth
	# pair has received that many packets more (its rx_packets, counted as
	# a packet crosses the pair; Udp InDatagrams would count only those
	# read), read between two sightings of that same sleep.  No signal is
	# sent after the burst (a SIGSTOP would wake poll(2), which polls the
	# socket again and sends 32 more).  If the sleep ends (its 20 ms
	# timeout) before the answers are in, as when the client is slow, the
	# try tells nothing and the burst is sent again, up to 5 times.  No
	# timing passes or fails.
	out=$(C $PY - $SRV $DNSBLD_PID $SEED "$IF_C" <<'PY'
import os, random, signal, socket, sys, time
import dns.message, dns.rcode
srv, pid = sys.argv[1], int(sys.argv[2])
rnd = random.Random(int(sys.argv[3]))
rxf = "/sys/class/net/%s/statistics/rx_packets" % sys.argv[4]
def worker_tid():
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            if open("/proc/%d/task/%s/comm" % (pid, t)).read().strip() == "dnsbld-udp0":
                return t
        except OSError:
            pass
    return None
tid = worker_tid()
if tid is None:
    print("no thread dnsbld-udp0"); sys.exit(0)
def worker():
    """The worker's state and its count of voluntary context switches."""
    st = open("/proc/%d/task/%s/stat" % (pid, tid)).read().rsplit(")", 1)[1].split()[0]
    for line in open("/proc/%d/task/%s/status" % (pid, tid)):
        if line.startswith("voluntary_ctxt_switches:"):
            return st, int(line.split()[1])
    return st, -1
def rx_packets():
    """Packets the client's end of the pair has received."""
    return int(open(rxf).read())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 23)	# SO_RCVBUFFORCE (root)
names = ["1.2.0.192.relays.example", "%d.100.51.198.relays.example",
         "%d.9.9.9.relays.example"]
def burst(base, n):
    """(answers, wrong, told): told is False when the worker woke from
    its first sleep after the burst before every answer was in."""
    qs = {}
    for i in range(n):
        q = dns.message.make_query(names[i % 3].replace("%d", str(i % 256)), "A")
        q.id = base + i
        qs[q.id] = (q, i % 3)
    os.kill(pid, signal.SIGSTOP)
    try:
        for _ in range(100):		# stopped: every thread T
            st, v0 = worker()
            if st == "T": break
            time.sleep(0.05)
        in0 = rx_packets()
        for q, _ in qs.values():
            s.sendto(q.to_wire(), (srv, 53))
        time.sleep(0.5)
        st, v0 = worker()		# long since switched out
    finally:
        os.kill(pid, signal.SIGCONT)
    told = False
    for _ in range(200000):
        a = worker()
        if a[1] > v0 + 1:
            break			# past its first sleep
        if a != ("S", v0 + 1):
            continue
        k = rx_packets() - in0
        if worker() != a:
            continue			# woke in between: look again
        if k >= n:
            told = True
            break
    got, bad = set(), 0
    s.settimeout(1)
    try:
        while len(got) < n:
            r = dns.message.from_wire(s.recv(4096))
            q, k = qs.get(r.id, (None, 0))
            if q is None or r.question[0].name != q.question[0].name:
                bad += 1
            else:
                want = dns.rcode.NXDOMAIN if k == 2 else dns.rcode.NOERROR
                if r.rcode() != want or (want == dns.rcode.NOERROR and
                        [x.to_text() for x in r.answer[0]] != ["127.0.0.2"]):
                    bad += 1
                got.add(r.id)
    except socket.timeout:
        pass
    return len(got), bad, told
res = []
for k, n in enumerate([1000, rnd.randrange(1, 1501), rnd.randrange(1, 1501)]):
    for attempt in range(5):
        g, bad, told = burst((k * 5 + attempt) * 1600 % 60000, n)
        if told or g != n or bad:
            break
    print("# burst of %d: %d tr%s" % (n, attempt + 1, "y" if attempt == 0 else "ies"),
          file=sys.stderr)
    if g != n or bad:
        res.append("%d of %d answered, %d wrong or from an earlier burst" % (g, n, bad))
    elif not told:
        res.append("%d of %d answered, but not before the worker woke again, in 5 tries" % (g, n))
    else:
        res.append("ok")
print("; ".join(res))
PY
)
	is "$out" "ok; ok; ok" \
	    "$MODE: 3 bursts queued while stopped (seed $SEED): every answer is out before the worker wakes again"

	S kill -TERM $DNSBLD_PID
	wait $DNSBLD_PID
	is "$?" 0 "$MODE: dnsbld exits 0 on SIGTERM"
	DNSBLD_PID=
	S ip -d link show dev "$IF_S" | grep -q 'xdp'
	ok $(( $? == 0 ? 1 : 0 )) "$MODE: no XDP program left on the interface"
	q 1.2.0.192.relays.example A >"$T/after" 2>&1
	grep -q 'status: NOERROR' "$T/after"
	ok $(( $? == 0 ? 1 : 0 )) "$MODE: and nothing answers any more"
done

# Config errors: line and column, in both builds.
cat >"$T/bad.yaml" <<YAML
database: $T/db
listen: [$SRV@53]
zones:
  - name: relays.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    a: 127.0.0.2
xdp:
  interface: $IF_S
  address: 198.18.0.9@53
YAML
out=$("$LOADER" -c "$T/bad.yaml" check-config 2>&1)
is "$out" "$T/bad.yaml:10:12: xdp: address 198.18.0.9@53 is not one of listen" \
    "check-config: an xdp address not in listen, with line and column"
sed -i 's/^  address: .*/  address: "[2001:db8::1]@53"/' "$T/bad.yaml"
out=$("$LOADER" -c "$T/bad.yaml" check-config 2>&1)
ok $(echo "$out" | grep -q 'bad.yaml:10:12: xdp: address .* is not IPv4'; echo $?) \
    "check-config: an IPv6 xdp address is refused"
sed -i '/^  address:/d; s/^  interface: .*/  interface: abcdefghijklmnopq/' "$T/bad.yaml"
out=$("$LOADER" -c "$T/bad.yaml" check-config 2>&1)
ok $(echo "$out" | grep -q 'bad.yaml:9:14: interface'; echo $?) \
    "check-config: an interface name over 15 bytes is refused"
sed -i 's/^  interface: .*/  interface: eth0\n  address: 198.18.0.1@53\n  frames: 3000/' "$T/bad.yaml"
sed -i "s/^listen: .*/listen: [198.18.0.1@53]/" "$T/bad.yaml"
out=$("$LOADER" -c "$T/bad.yaml" check-config 2>&1)
is "$out" "$T/bad.yaml:11:11: xdp: frames 3000 is not a power of two" \
    "check-config: frames not a power of two"
sed -i 's/^  frames: .*/  queues: [1, 2, 1]/' "$T/bad.yaml"
out=$("$LOADER" -c "$T/bad.yaml" check-config 2>&1)
is "$out" "$T/bad.yaml:11:11: xdp: queue 1 twice" "check-config: a queue twice"
sed -i 's/^  queues: .*/  queues: [64]/' "$T/bad.yaml"
out=$("$LOADER" -c "$T/bad.yaml" check-config 2>&1)
ok $(echo "$out" | grep -q 'bad.yaml:11:12: queues: .*64'; echo $?) \
    "check-config: queue 64 is out of range"
sed -i 's/^  queues: .*/  queues: [0]/' "$T/bad.yaml"
out=$("$LOADER" -c "$T/bad.yaml" check-config 2>&1)
is "$out" "$T/bad.yaml: valid, 1 zone" "check-config: the fixed xdp mapping is valid"
done_testing
