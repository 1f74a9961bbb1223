#!/usr/bin/env bash
# t_store_crash.sh -- kill -9 never half-writes the store.
#
# A 1M-line import, killed with SIGKILL at 20 random moments (seeded from
# the clock, the seed printed; replay with DNSBL_SEED=N).  The imports
# alternate between "open" and "closed" for the same million addresses,
# each newer than the last, so every import flips the whole list.  After
# each kill: the store opens and stats works; dnsbld, which runs
# throughout, answers a sample of 500 of the addresses either all as
# before the import or all as after it, never a mix; and the next import
# completes.  Then two loaders import disjoint files at once and lose
# nothing, and dnsbld itself is killed -9 under load and restarted.
source "$(dirname "$0")/lib.sh"
Z=relays.example
SEED=${DNSBL_SEED:-$(date +%s)}
echo "# seed $SEED (replay: DNSBL_SEED=$SEED bash $0)"
write_config
loader list 192.0.2.1 --reason "before everything" >/dev/null
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
T0=$(( $(date +%s) - 2000 ))

gen() {	# gen RESULT TIME FILE: the million addresses with one result
	$PY - "$1" "$2" "$3" <<'PY'
import datetime, sys
res, t, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
with open(out, "w") as f:
    for i in range(1000000):
        f.write("10.%d.%d.%d %s %s\n" % (i >> 16, (i >> 8) & 255, i & 255, res, ts))
PY
}
# The sample: 500 of the million, as names.
$PY - "$SEED" >"$T/sample" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
for i in r.sample(range(1000000), 500):
    print("%d.%d.%d.10" % (i & 255, (i >> 8) & 255, i >> 16))
PY
# listed_count: how many of the sample dnsbld answers as listed.
listed_count() {
	$PY - "$PORT" "$Z" "$T/sample" <<'PY'
import socket, sys
import dns.message, dns.rcode
port, zone = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
n = bad = 0
for name in open(sys.argv[3]).read().split():
    q = dns.message.make_query(name + "." + zone, "A")
    for _ in range(5):
        try:
            s.sendto(q.to_wire(), ("127.0.0.1", port))
            r = dns.message.from_wire(s.recv(4096))
            break
        except Exception:
            r = None
    if r is None or r.rcode() not in (0, dns.rcode.NXDOMAIN):
        bad += 1
    elif r.rcode() == 0 and r.answer:
        n += 1
print(n if bad == 0 else "error")
PY
}

# A first, whole import: its time bounds the kill moments.
gen open $T0 "$T/f.txt"
start=$(date +%s%N)
loader import --force --format lines "$T/f.txt" >/dev/null; ok $? "a whole 1M-line import"
dur=$(( ($(date +%s%N) - start) / 1000000 ))
state=500
is "$(listed_count)" 500 "the sample is listed"
echo "# the import takes $dur ms; kills fall in [0, $((dur + 500))] ms"

kills=0 mixed=0 unopened=0 before=0 after=0
for k in $(seq 1 20); do
	if [ $state -eq 500 ]; then res=closed want=0; else res=open want=500; fi
	gen $res $((T0 + 10 * k)) "$T/f.txt"
	delay=$($PY -c "import random; r = random.Random($SEED * 100 + $k); print(r.randint(0, $dur + 500) / 1000)")
	loader import --force --format lines "$T/f.txt" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
	loader stats >/dev/null 2>"$T/err" || { unopened=$((unopened + 1)); sed 's/^/# stats: /' "$T/err"; }
	got=$(listed_count)
	if [ "$got" = "$state" ]; then before=$((before + 1));
	elif [ "$got" = "$want" ]; then after=$((after + 1)); state=$want;
	else mixed=$((mixed + 1)); echo "# kill $k after $delay s: $got of 500 listed (before $state, after $want)"; fi
	# The next import completes (it repairs a store left half way).
	if [ "$state" != "$want" ]; then
		loader import --force --format lines "$T/f.txt" >/dev/null 2>"$T/err" ||
		    { echo "# the import after kill $k failed:"; sed 's/^/#   /' "$T/err"; }
		got=$(listed_count)
		[ "$got" = "$want" ] && state=$want || mixed=$((mixed + 1))
	fi
done
echo "# $kills kills landed; the store was left as before $before times, as after $after times"
[ $kills -ge 10 ]; ok $? "at least 10 of the 20 kills hit a running import ($kills)"
is "$unopened" 0 "after every kill the store opens and stats works"
is "$mixed" 0 "dnsbld never answered a mix of before and after"
kill -0 "$DNSBLD_PID"; ok $? "dnsbld ran through every kill"
check "a last import completes" -- loader import --force --format lines "$T/f.txt"

# Two loaders at once, disjoint files: nothing lost.
rm -rf "$T/db"; stop_dnsbld
$PY -c "
for i in range(300000): print('172.%d.%d.%d' % (16 + (i >> 16), (i >> 8) & 255, i & 255))" >"$T/a.txt"
$PY -c "
for i in range(300000): print('100.%d.%d.%d' % (64 + (i >> 16), (i >> 8) & 255, i & 255))" >"$T/b.txt"
loader import --format lines "$T/a.txt" >"$T/a.out" 2>&1 &
pa=$!
loader import --format lines "$T/b.txt" >"$T/b.out" 2>&1 &
pb=$!
wait $pa; sa=$?
wait $pb; sb=$?
[ $sa -eq 0 ] && [ $sb -eq 0 ]; ok $? "two imports at once both complete"
is "$(loader stats --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["ipv4"])')" 600000 \
	"every address of both is listed"
is "$(loader history --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)))')" 600000 \
	"and every one is in the history"

# dnsbld killed -9 under load, then started again.
start_dnsbld || ok 1 "dnsbld starts on the two imports"
$PY "$ROOT/tests/system/dnscheck.py" flood $PORT 3 "$T/a.txt" >/dev/null 2>&1 &
fpid=$!
sleep 1
kill -9 "$DNSBLD_PID"; wait "$DNSBLD_PID" 2>/dev/null; DNSBLD_PID=
wait $fpid
start_dnsbld; ok $? "dnsbld starts again after kill -9"
$PY "$ROOT/tests/system/dnscheck.py" flood $PORT 3 "$T/a.txt" >"$T/flood.out" 2>&1
ok $? "and answers every query right ($(cat "$T/flood.out"))"
check "the store still takes writes" -- loader list 203.0.113.1
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
