#!/usr/bin/env bash
# t_store_crash.sh -- kill -9 never half-writes the store.
#
# A 1M-line import, killed with SIGKILL at 20 random moments (seeded from
# the clock, the seed printed; replay with DNSBL_SEED=N).  The imports
# alternate between "open" and "closed" for the same million addresses,
# each a second later than the last, so every import flips the whole list.
# The kill moments span the import's whole time and a little past it.  After
# each kill: the store opens and stats works; dnsbld, which runs
# throughout, answers a sample of 500 of the addresses either all as
# before the import or all as after it, never a mix; and the next import
# completes.  Then two loaders import disjoint files at once and lose
# nothing, and dnsbld itself is killed -9 under load and restarted.
# Under the sanitizers (BUILD other than build) it is 300k lines and 14
# kills, for time; DNSBL_CRASH_N and DNSBL_CRASH_KILLS set both.
# run.sh timeout: 1800
source "$(dirname "$0")/lib.sh"
Z=relays.example
SEED=${DNSBL_SEED:-$(date +%s)}
if [ "$BUILD" = build ]; then N=1000000 K=20; else N=300000 K=14; fi
N=${DNSBL_CRASH_N:-$N} K=${DNSBL_CRASH_KILLS:-$K}
echo "# $N addresses, $K kills"
echo "# seed $SEED (replay: DNSBL_SEED=$SEED bash $0)"
write_config
echo "rrl: {exempt: [127.0.0.1]}	# floods check answers, not rate limits" >>"$T/dnsbl.yaml"
loader list 192.0.2.1 --reason "before everything" >/dev/null
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
# The N addresses, tested "now" (the time of each import): open in
# one file, closed in the other; an import a second later is newer.
$PY - "$T" "$N" <<'PY'
import sys
d = sys.argv[1]
with open(d + "/open.txt", "w") as o, open(d + "/closed.txt", "w") as c:
    for i in range(int(sys.argv[2])):
        a = "10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255)
        o.write(a + " open\n")
        c.write(a + " closed\n")
PY
# The sample: 500 of them, as names.
$PY - "$SEED" "$N" >"$T/sample" <<'PY'
import random, sys
r = random.Random(int(sys.argv[1]))
for i in r.sample(range(int(sys.argv[2])), 500):
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
        if r is None and bad >= 3:
            break       # dnsbld is gone: say so now, not in an hour
    elif r.rcode() == 0 and r.answer:
        n += 1
print(n if bad == 0 else "error")
PY
}

# A first, whole import: its time bounds the kill moments.
start=$(date +%s%N)
loader import --force --format lines "$T/open.txt" >/dev/null; ok $? "a whole $N-line import"
dur=$(( ($(date +%s%N) - start) / 1000000 ))
is "$(listed_count)" 500 "the sample is listed"
# A flip (every entry closed) may take longer than the first listing.
sleep 1
start=$(date +%s%N)
loader import --force --format lines "$T/closed.txt" >/dev/null; ok $? "a whole flip"
d2=$(( ($(date +%s%N) - start) / 1000000 ))
[ $d2 -gt $dur ] && dur=$d2
state=0
is "$(listed_count)" 0 "the sample is delisted"
echo "# the import takes $dur ms; kills fall in [0, $((dur * 5 / 4 + 200))] ms"

kills=0 mixed=0 unopened=0 before=0 after=0 failed=0
for k in $(seq 1 $K); do
	if [ $state -eq 500 ]; then f=closed want=0; else f=open want=500; fi
	sleep 1		# a new second: this import's results are newer
	delay=$($PY -c "import random; r = random.Random($SEED * 100 + $k); print(r.randint(0, $dur * 5 // 4 + 200) / 1000)")
	# The loader itself, not a shell around it, is what gets the signal.
	"$LOADER" -c "$T/dnsbl.yaml" import --force --format lines "$T/$f.txt" >/dev/null 2>&1 &
	pid=$!
	sleep "$delay"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))	# it died of the SIGKILL
	loader stats >/dev/null 2>"$T/err" || { unopened=$((unopened + 1)); sed 's/^/# stats: /' "$T/err"; }
	got=$(listed_count)
	if [ "$got" = "$state" ]; then before=$((before + 1));
	elif [ "$got" = "$want" ]; then after=$((after + 1)); state=$want;
	else mixed=$((mixed + 1)); echo "# kill $k after $delay s: $got of 500 listed (before $state, after $want)"; fi
	# The next import completes (and repairs a store left half way).
	if [ "$state" != "$want" ]; then
		sleep 1
		start=$(date +%s%N)
		if ! loader import --force --format lines "$T/$f.txt" >/dev/null 2>"$T/err"; then
			failed=$((failed + 1))
			echo "# the import after kill $k failed:"; sed 's/^/#   /' "$T/err"
		fi
		# Imports slow as the history grows: the window follows the last one.
		d2=$(( ($(date +%s%N) - start) / 1000000 ))
		dur=$d2
		got=$(listed_count)
		if [ "$got" = "$want" ]; then state=$want; else
			mixed=$((mixed + 1)); echo "# after the import that followed kill $k: $got of 500 listed, want $want"; fi
	fi
done
echo "# the last import took $dur ms"
echo "# $kills kills landed; the store was left as before $before times, as after $after times"
[ $kills -ge $((K / 3)) ]; ok $? "at least $((K / 3)) of the $K kills hit a running import ($kills)"
is "$unopened" 0 "after every kill the store opens and stats works"
is "$mixed" 0 "dnsbld never answered a mix of before and after"
is "$failed" 0 "the import after every kill completes"
kill -0 "$DNSBLD_PID"; ok $? "dnsbld ran through every kill"
sleep 1
check "a last import completes" -- loader import --force --format lines "$T/open.txt"

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
is "$(loader history --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["history"]))')" 600000 \
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
