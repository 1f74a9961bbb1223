#!/usr/bin/env bash
# t_dnsbld_growth.sh -- the map grows under dnsbld while it transfers and
# answers.  A 1 MB map_size, two workers, 40000 addresses; then two AXFR
# loops and a UDP flood whose every answer is checked, while four more
# imports of 40000 addresses each make the loader grow the map again and
# again (dnsbld adopts each new size: store_resize() under the resize lock,
# with no transaction of its own live).  dnsbld must stay up, every answer
# must be right, no query may go unanswered (a resolver's 3 tries), and
# every complete transfer must hold a whole snapshot.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example
write_config
cat >>"$T/dnsbl.yaml" <<YAML
map_size: 1M
workers: 2
rrl: {exempt: [127.0.0.1]}	# the flood checks answers, not rate limits
YAML
gen() {	# gen N SEED: N random addresses (a seeded shuffle of pages)
	$PY -c "import sys
n, f = int(sys.argv[1]), int(sys.argv[2])
import random
r = random.Random(f)
for i in range(n):
    print('%d.%d.%d.%d' % (r.randrange(11, 200), r.randrange(256), r.randrange(256), r.randrange(256)))" "$@"
}
gen 40000 0 >"$T/first.txt"
check "import 40000 addresses" -- loader import --format lines "$T/first.txt"
# What a whole AXFR of each state holds: the export's records and the
# closing SOA.
counts() { echo $(( $(loader export --format zone | grep -cvE '^(;|\$)') + 1 )) >>"$T/counts"; }
counts
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

axfr_loop() {	# axfr_loop OUT: AXFRs until $T/stop, one line per try
	while [ ! -e "$T/stop" ]; do
		dig +tcp +time=10 +tries=1 -p $PORT @127.0.0.1 $Z AXFR 2>&1 |
		    awk '/^;; XFR size:/ {print "ok", $4; done=1} END {if (!done) print "cut"}'
	done >"$1"
}
axfr_loop "$T/axfr1.out" &
A1=$!
axfr_loop "$T/axfr2.out" &
A2=$!
dc flood $PORT 600 "$T/first.txt" --until "$T/stop" >"$T/flood.out" 2>&1 &
FL=$!
for k in 1 2 3 4; do
	gen 40000 $((k * 40000)) >"$T/more$k.txt"
	check "import $k of 4 (40000 more, the map grows)" -- loader import --format lines "$T/more$k.txt"
	counts
	kill -0 "$DNSBLD_PID" 2>/dev/null; ok $? "dnsbld still running after import $k"
done
sleep 2
touch "$T/stop"
wait $A1 $A2
wait $FL; st=$?
sed 's/^/# flood: /' "$T/flood.out"
ok $st "the flood: every answer right, none lost"
cat "$T/axfr1.out" "$T/axfr2.out" | sort | uniq -c | sed 's/^/# axfr: /'
good=$(cat "$T/axfr1.out" "$T/axfr2.out" | grep -c '^ok')
[ "$good" -ge 2 ]; ok $? "$good whole AXFRs during the imports"
bad=0
while read -r w n; do
	[ "$w" = ok ] || continue
	grep -qx "$n" "$T/counts" || bad=$((bad + 1))
done < <(cat "$T/axfr1.out" "$T/axfr2.out")
is "$bad" 0 "every whole AXFR is one state's records ($(tr '\n' ' ' <"$T/counts"))"
size=$(mdb_stat -e "$T/db/serve" | awk '/Map size/ {print $3}')
[ "$size" -ge 4194304 ]; ok $? "the serve map grew from 1 MB to $size bytes"
kill -0 "$DNSBLD_PID" 2>/dev/null; ok $? "dnsbld survived every growth"
grep -E 'store|cut short|SERVFAIL' "$T/dnsbld.log" | sort | uniq -c | sed 's/^/# /' | head
! grep -q "store: .*SERVFAIL" "$T/dnsbld.log"; ok $? "no batch needed a SERVFAIL"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
