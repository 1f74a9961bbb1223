#!/usr/bin/env bash
# t_dnsbld_lines6.sh -- a zone large enough for the in-memory copy's
# hashed IPv6 buckets (lib/memidx.h: 131,072 IPv6 intervals or more),
# answered by dnsbld against a model of the listings.
#
# Seeded: 140,000 random single IPv6 addresses in 2001:db8::/46, /64s and
# a /48 around some of them, and IPv4 addresses; then listings with codes
# of their own (some inside the /64s: the most specific wins), delistings,
# and a new address.  Once the copy is current (its size says it holds
# the buckets), dnspython queries of listed, delisted, random and nearby
# addresses, and of addresses that share a listed one's low 64 bits,
# must give the model's answer (the A code, or NXDOMAIN).
#   TEST_SEED=N bash tests/system/t_dnsbld_lines6.sh
source "$(dirname "$0")/lib.sh"
SEED=${TEST_SEED:-$(date +%s)}
echo "# TEST_SEED=$SEED"
SOCK=$T/control.sock
write_config "control: $SOCK"
N6=140000

$PY - "$SEED" "$T" "$N6" <<'PY'
import ipaddress, json, random, sys
rnd = random.Random(int(sys.argv[1]))
n6 = int(sys.argv[3])
def a6():
    return str(ipaddress.IPv6Address((0x20010db8 << 96) | (rnd.randrange(4) << 80) | rnd.getrandbits(80)))
singles = set()
while len(singles) < n6:
    singles.add(a6())
v4 = set()
while len(v4) < 2000:
    v4.add("10.%d.%d.%d" % (rnd.randrange(4), rnd.randrange(256), rnd.randrange(256)))
s6 = sorted(singles)
cidrs = ["2001:db8:3:%x::/64" % rnd.randrange(65536) for _ in range(6)] + ["2001:db8:2:ff00::/56"]
# Some addresses get codes of their own later, some are delisted, one is new.
coded = rnd.sample(s6, 30)
delisted = rnd.sample([a for a in s6 if a not in coded], 20)
inner = [str(ipaddress.ip_network(c)[rnd.randrange(1 << 20)]) for c in cidrs[:5] for _ in range(2)]
new = a6()
while new in singles:
    new = a6()
open(sys.argv[2] + "/ips.txt", "w").write("".join(a + "\n" for a in s6 + sorted(v4) + cidrs))
json.dump({"singles": s6, "v4": sorted(v4), "cidrs": cidrs, "coded": coded,
           "delisted": delisted, "inner": inner, "new": new},
          open(sys.argv[2] + "/model.json", "w"))
PY
loader import --format lines "$T/ips.txt" >"$T/import.out" 2>&1
ok $? "import $N6 random IPv6 addresses, 2000 IPv4, 6 /64s and a /56"
read_list() { $PY -c 'import json,sys; m=json.load(open(sys.argv[1])); print("\n".join(m[sys.argv[2]] if isinstance(m[sys.argv[2]], list) else [m[sys.argv[2]]]))' "$T/model.json" "$1"; }
n=0; for a in $(read_list coded); do loader list "$a" --code 127.0.0.3 >/dev/null 2>&1 && n=$((n + 1)); done
is "$n" 30 "30 of them get code 127.0.0.3"
n=0; for a in $(read_list inner); do loader list "$a" --code 127.0.0.4 >/dev/null 2>&1 && n=$((n + 1)); done
is "$n" 10 "10 addresses inside the /64s get code 127.0.0.4"
n=0; for a in $(read_list delisted); do loader delist "$a" --reason test >/dev/null 2>&1 && n=$((n + 1)); done
is "$n" 20 "20 of them are delisted"
check "a new address is listed" -- loader list "$(read_list new)"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

current() {	# the copy is the store's newest: wait up to 60 s
	local i
	for i in $(seq 1 300); do
		loader server status --json --socket "$SOCK" >"$T/st.json" 2>/dev/null &&
		$PY -c 'import json,sys; m=json.load(open(sys.argv[1]))["memory_index"]; sys.exit(0 if m and m["current"] else 1)' "$T/st.json" && return 0
		sleep 0.2
	done
	return 1
}
current; ok $? "status: the memory index becomes current"
# 2^16 buckets of 128 bytes for 140,000 addresses (4 a bucket or more
# takes one more bit): more than the sorted arrays would take (34 bytes
# an interval and their bounds).
check "status: it holds the IPv6 addresses in hashed buckets" -- $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["memory_index"]
assert m["failures"] == 0, m
assert m["bytes"] >= (1 << 16) * 128, m
assert m["bytes"] < (1 << 16) * 128 + 16 * (1 << 16) + 2 * 262144 + 200000 * 40, m
' "$T/st.json"

$PY - "$SEED" "$PORT" "$T" >"$T/q.out" 2>&1 <<'PY'
import ipaddress, json, random, sys
import dns.exception, dns.message, dns.query, dns.rcode, dns.reversename
seed, port, tdir = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(seed * 5 + 1)
m = json.load(open(tdir + "/model.json"))
code = {a: "127.0.0.2" for a in m["singles"] + m["v4"]}
code.update({a: "127.0.0.3" for a in m["coded"]})
code.update({a: "127.0.0.4" for a in m["inner"]})
for a in m["delisted"]:
    del code[a]
code[m["new"]] = "127.0.0.2"
nets = [ipaddress.ip_network(c) for c in m["cidrs"]]

def want(a):
    if a in code:
        return code[a]
    ip = ipaddress.ip_address(a)
    return "127.0.0.2" if any(ip.version == n.version and ip in n for n in nets) else None

def ask(a):
    name = dns.reversename.from_address(a).to_text()
    name = name.replace(".in-addr.arpa.", ".relays.example").replace(".ip6.arpa.", ".relays.example")
    q = dns.message.make_query(name, "A")
    for _ in range(5):
        try:
            r = dns.query.udp(q, "127.0.0.1", port=port, timeout=3)
            break
        except dns.exception.Timeout:
            continue
    else:
        return "timeout"
    if r.rcode() == dns.rcode.NXDOMAIN and not r.answer:
        return None
    if r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1 and len(r.answer[0]) == 1:
        return r.answer[0][0].address
    return "odd: " + r.to_text().replace("\n", " | ")

def twin(a):	# the low 64 bits of a under another high half
    lo = int(ipaddress.IPv6Address(a)) & ((1 << 64) - 1)
    return str(ipaddress.IPv6Address((0x20010db8 << 96) | (0xfe << 80) | (rnd.getrandbits(16) << 64) | lo))

def near(a, d):
    return str(ipaddress.IPv6Address(int(ipaddress.IPv6Address(a)) + d))

asks = rnd.sample(m["singles"], 600) + m["coded"] + m["inner"] + m["delisted"] + [m["new"]]
asks += [twin(a) for a in rnd.sample(m["singles"], 200)]
asks += [near(a, rnd.choice([-1, 1])) for a in rnd.sample(m["singles"], 200)]
asks += [str(ipaddress.IPv6Address((0x20010db8 << 96) | (rnd.randrange(4) << 80) | rnd.getrandbits(80))) for _ in range(300)]
asks += [str(n[rnd.randrange(n.num_addresses)]) for n in nets for _ in range(20)]
asks += [str(n[0]) for n in nets] + [str(n[-1]) for n in nets]
asks += rnd.sample(m["v4"], 100)
bad = 0
for a in asks:
    got, w = ask(a), want(a)
    if got != w:
        bad += 1
        if bad <= 5:
            print("# %s: got %s, want %s" % (a, got, w))
print("asked %d" % len(asks))
print("mismatches %d" % bad)
PY
grep '^#' "$T/q.out"
is "$(tail -n 1 "$T/q.out")" "mismatches 0" "$(grep '^asked' "$T/q.out" | cut -d' ' -f2) queries (listed, coded, delisted, nearby, random, same low half, in the prefixes, IPv4) agree with the model"
grep -q "memory index" "$T/dnsbld.log" && ok 1 "no memory index warning in the log" ||
    ok 0 "no memory index warning in the log"

stop_dnsbld; ok $? "dnsbld stops cleanly"
done_testing
