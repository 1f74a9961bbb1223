#!/usr/bin/env bash
# t_dnsbld_fastidx.sh -- the UDP workers' in-memory copy of the served
# tables (lib/memidx.c, dnsbld/fastidx.c) against a model of the listings.
#
# Seeded random listings (IPv4 and IPv6 addresses, /28s and /64s); the status and the
# metrics say when the copy is current; random queries (dnspython) must
# give what the model says, from the copy.  Then random loader commands,
# each followed at once by queries of what it changed: a commit is
# answered by the next query, although the copy is older than it (the
# workers answer from the store until a new copy is taken).  Last, the
# copy catches up and random queries agree again.
#   TEST_SEED=N bash tests/system/t_dnsbld_fastidx.sh
source "$(dirname "$0")/lib.sh"
SEED=${TEST_SEED:-$(date +%s)}
echo "# TEST_SEED=$SEED"
SOCK=$T/control.sock
write_config "control: $SOCK"

# The initial listings and the model, from the seed.
$PY - "$SEED" "$T" <<'PY'
import random, sys, json
rnd = random.Random(int(sys.argv[1]))
nets = ["198.51.100", "203.0.113", "192.0.2"]
listed = set()
while len(listed) < 3000:
    listed.add("10.%d.%d.%d" % (rnd.randrange(4), rnd.randrange(256), rnd.randrange(256)))
while len(listed) < 3200:
    listed.add("2001:db8:%x::%x:%x" % (rnd.randrange(4), rnd.randrange(65536), rnd.randrange(65536)))
cidrs = set()
while len(cidrs) < 6:
    cidrs.add("%s.%d/28" % (rnd.choice(nets), rnd.randrange(16) * 16))
while len(cidrs) < 10:
    cidrs.add("2001:db8:%x:%x::/64" % (rnd.randrange(4), rnd.randrange(65536)))
open(sys.argv[2] + "/ips.txt", "w").write("".join(a + "\n" for a in sorted(listed) + sorted(cidrs)))
json.dump({"singles": sorted(listed), "cidrs": sorted(cidrs)}, open(sys.argv[2] + "/model.json", "w"))
PY
loader import --format lines "$T/ips.txt" >/dev/null; ok $? "import 3210 random listings, IPv4 and IPv6"
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
check "status: it holds every interval, in memory" -- $PY -c '
import json, sys
m = json.load(open(sys.argv[1]))["memory_index"]
assert m["builds"] >= 1 and m["failures"] == 0, m
assert m["entries"] == 3210, m
assert 2 * 262144 <= m["bytes"] < 2 * 262144 + 3210 * 40, m
' "$T/st.json"
B1=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["memory_index"]["builds"])' "$T/st.json")

# The driver: queries against the model, and random commands.
cat >"$T/drive.py" <<'PY'
import ipaddress, json, random, subprocess, sys
import dns.message, dns.query, dns.rcode, dns.rdatatype, dns.reversename
mode, seed, port, tdir, loader, cfg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6]
rnd = random.Random(seed * 7 + (mode == "steps"))
model = json.load(open(tdir + "/model.json"))
singles, cidrs = set(model["singles"]), set(model["cidrs"])
nets = [ipaddress.ip_network(c) for c in cidrs]

def listed(a):
    if a in singles:
        return True
    ip = ipaddress.ip_address(a)
    return any(ip.version == n.version and ip in n for n in nets)

def ask(a):
    r = dns.reversename.from_address(a).to_text()
    name = r.replace(".in-addr.arpa.", ".relays.example").replace(".ip6.arpa.", ".relays.example")
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
        return False
    if r.rcode() == dns.rcode.NOERROR and len(r.answer) == 1 and \
            [x.address for x in r.answer[0]] == ["127.0.0.2"]:
        return True
    return "odd: " + r.to_text().replace("\n", " | ")

def randaddr():
    if rnd.random() < 0.3:
        if rnd.random() < 0.4:
            v6 = sorted(x for x in singles if ":" in x)
            if v6:
                return rnd.choice(v6)
        if rnd.random() < 0.3:
            n = rnd.choice([x for x in nets if x.version == 6] or [ipaddress.ip_network("2001:db8::/64")])
            return str(n[rnd.randrange(n.num_addresses)])
        return "2001:db8:%x::%x:%x" % (rnd.randrange(4), rnd.randrange(65536), rnd.randrange(65536))
    if rnd.random() < 0.5:
        return rnd.choice(sorted(singles)) if singles and rnd.random() < 0.6 else \
            "10.%d.%d.%d" % (rnd.randrange(4), rnd.randrange(256), rnd.randrange(256))
    return "%s.%d" % (rnd.choice(["198.51.100", "203.0.113", "192.0.2"]), rnd.randrange(256))

def sample(c):
    n = ipaddress.ip_network(c)
    return [str(n[0]), str(n[-1])] + [str(n[rnd.randrange(n.num_addresses)]) for _ in range(3)]

bad = 0
def compare(a, when):
    global bad
    got, want = ask(a), listed(a)
    if got != want:
        bad += 1
        if bad <= 5:
            print("# %s: %s: got %s, want %s" % (when, a, got, want))

if mode == "queries":
    for _ in range(2000):
        compare(randaddr(), "query")
    print("mismatches", bad)
else:
    for step in range(40):
        op = rnd.randrange(6)
        if op == 4:
            a = "2001:db8:%x::%x:%x" % (rnd.randrange(4), rnd.randrange(65536), rnd.randrange(65536))
            cmd, arg = "list", a
            singles.add(a)
            check = [a]
        elif op == 5:
            c = "2001:db8:%x:%x::/64" % (rnd.randrange(4), rnd.randrange(65536))
            if c in cidrs:
                cmd, arg = "delist", c
                cidrs.discard(c)
            else:
                cmd, arg = "list", c
                cidrs.add(c)
            check = sample(c)
        elif op == 0:
            a = "10.%d.%d.%d" % (rnd.randrange(4), rnd.randrange(256), rnd.randrange(256))
            cmd, arg = "list", a
            singles.add(a)
            check = [a]
        elif op == 1 and singles:
            a = rnd.choice(sorted(singles))
            cmd, arg = "delist", a
            singles.discard(a)
            check = [a]
        elif op == 2:
            c = "%s.%d/28" % (rnd.choice(["198.51.100", "203.0.113", "192.0.2"]), rnd.randrange(16) * 16)
            cmd, arg = "list", c
            cidrs.add(c)
            check = sample(c)
        else:
            if not cidrs:
                continue
            c = rnd.choice(sorted(cidrs))
            cmd, arg = "delist", c
            cidrs.discard(c)
            check = sample(c)
        nets = [ipaddress.ip_network(c) for c in cidrs]
        p = subprocess.run([loader, "-c", cfg, cmd, arg, "--reason", "step %d" % step, "--force"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("# step %d: %s %s failed: %s" % (step, cmd, arg, p.stderr.strip()))
            bad += 1
            continue
        for a in check:
            compare(a, "step %d, just after %s %s" % (step, cmd, arg))
    json.dump({"singles": sorted(singles), "cidrs": sorted(cidrs)}, open(tdir + "/model.json", "w"))
    print("mismatches", bad)
PY
drive() { $PY "$T/drive.py" "$1" "$SEED" "$PORT" "$T" "$LOADER" "$T/dnsbl.yaml" >"$T/$1.out" 2>&1; grep '^#' "$T/$1.out"; tail -n 1 "$T/$1.out"; }

is "$(drive queries | tail -n 1)" "mismatches 0" "2000 random queries from the copy agree with the model"
is "$(drive steps | tail -n 1)" "mismatches 0" "40 random commands: each is answered by the very next queries"
current; ok $? "the copy catches up with the commits"
B2=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["memory_index"]["builds"])' "$T/st.json")
[ "$B2" -gt "$B1" ]; ok $? "... in new copies ($B1 then $B2 builds)"
is "$(drive queries | tail -n 1)" "mismatches 0" "2000 random queries from the new copy agree with the model"
grep -q "memory index" "$T/dnsbld.log" && ok 1 "no memory index warning in the log" ||
    ok 0 "no memory index warning in the log"

stop_dnsbld; ok $? "dnsbld stops cleanly"
done_testing
