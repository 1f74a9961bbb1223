#!/usr/bin/env bash
# t_xfr_notify.sh -- NOTIFY (RFC 1996) as a secondary sees it, with two
# listeners in place of secondaries: one leaves the first two NOTIFYs
# unanswered (dnsbld sends again after 1 s, then 2 s, and stops when
# answered); five commits in a row are announced once or twice, never
# five times, ending at the last serial; a zone with transfer.keys signs
# its NOTIFYs (verified with the key) and accepts only signed replies
# that verify.  Every NOTIFY carries the new SOA.
source "$(dirname "$0")/lib.sh"
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example S=signed.example
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
L1=$(free_port)
L2=$(free_port)
while [ "$L2" = "$L1" ]; do L2=$(free_port); done
LPIDS=()
trap 'for p in "${LPIDS[@]}"; do kill $p 2>/dev/null; done; cleanup' EXIT

write_config "    notify: [127.0.0.1@$L1]"
cat >>"$T/dnsbl.yaml" <<YAML
  - name: $S
    soa: {mname: ns1.$S, rname: hostmaster.$S}
    ns: [ns1.$S]
    transfer:
      allow: [127.0.0.0/8]
      keys: [k1]
    notify: [127.0.0.1@$L2]
keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}
YAML
loader list 192.0.2.1 >/dev/null; ok $? "a listing"
serial() { loader stats --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["serial"])'; }
S0=$(serial)

X listen $L1 12 --ignore 2 >"$T/l1.out" 2>&1 &
LPIDS+=($!)
X listen $L2 12 --key k1:$K1 >"$T/l2.out" 2>&1 &
LPIDS+=($!)
for i in $(seq 1 100); do	# until both listen (dnspython loads slowly)
	grep -q ready "$T/l1.out" 2>/dev/null && grep -q ready "$T/l2.out" 2>/dev/null && break
	sleep 0.1
done
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
sleep 5
c0=$(date +%s.%N)
for i in 1 2 3 4 5; do loader list 10.0.0.$i >/dev/null; done
c1=$(date +%s.%N)
S5=$(serial)
for p in "${LPIDS[@]}"; do wait $p; done
LPIDS=()
sed 's/^/# l1: /' "$T/l1.out"
sed 's/^/# l2: /' "$T/l2.out"; grep NOTIFY "$T/dnsbld.log" | sed 's/^/# /'

first=$(grep -c "serial=$S0 " "$T/l1.out")
is "$first" 3 "serial $S0: sent 3 times (2 unanswered, the third answered)"
times=$(grep "serial=$S0 " "$T/l1.out" | sed 's/t=\([0-9.]*\).*/\1/' | tr '\n' ' ')
ids=$(grep "serial=$S0 " "$T/l1.out" | sed 's/.* id=\([0-9]*\).*/\1/' | sort -u | wc -l)
is "$ids" 1 "the retries keep the id"
$PY -c 'import sys
t = [float(x) for x in sys.argv[1].split()]
d = [b - a for a, b in zip(t, t[1:])]
sys.exit(0 if len(d) == 2 and 0.7 < d[0] < 1.6 and 1.7 < d[1] < 2.6 else 1)' "$times"
ok $? "resent after 1 s, then 2 s ($times)"
grep -q "NOTIFY $Z serial $S0 to 127.0.0.1@$L1: answered (rcode 0) after 3 sends" "$T/dnsbld.log"
ok $? "dnsbld logs the answer after 3 sends"
later=$(grep -v "serial=$S0 " "$T/l1.out" | grep -c 'opcode=4')
# dnsbld looks for new serials once a second: at most one NOTIFY per look
# while the commits went on, and one after (2 when the loader is quick; a
# loaded machine spreads the commits over more looks).
most=$($PY -c 'import sys; print(min(5, int(float(sys.argv[2]) - float(sys.argv[1])) + 2))' "$c0" "$c1")
[ "$later" -ge 1 ] && [ "$later" -le "$most" ]; ok $? "5 commits, $later NOTIFY (coalesced: at most $most)"
last=$(tail -n 1 "$T/l1.out" | sed 's/.*serial=\([0-9]*\).*/\1/')
is "$last" "$S5" "the last NOTIFY carries the last serial"
grep -q 'opcode=4 serial=[0-9]* signed=1' "$T/l2.out" && ! grep -q 'signed=0\|bad' "$T/l2.out"
ok $? "the zone with keys: NOTIFY signed with k1, verified"
grep -q "NOTIFY $S serial [0-9]* to 127.0.0.1@$L2: answered (rcode 0) after 1 send" "$T/dnsbld.log"
ok $? "the signed NOTIFY answered at once"
! grep -q 'signed=1' "$T/l1.out"; ok $? "the zone without keys: NOTIFY unsigned"

# The reply to a signed NOTIFY must be signed and verify (RFC 8945 5.3):
# an unsigned reply, or one signed with another secret, is logged and
# ignored, and the NOTIFY sent again.
n=20
for mode in unsigned badmac; do
	X listen $L2 6 --key k1:$K1 --reply $mode >"$T/l2$mode.out" 2>&1 &
	lp=$!
	for i in $(seq 1 100); do grep -q ready "$T/l2$mode.out" 2>/dev/null && break; sleep 0.1; done
	n=$((n + 1))
	loader list --zone $S 10.1.1.$n >/dev/null
	wait $lp
	sed "s/^/# l2 $mode: /" "$T/l2$mode.out"
	sends=$(grep -c 'opcode=4 serial=[0-9]* signed=1' "$T/l2$mode.out")
	[ "$sends" -ge 2 ]; ok $? "reply $mode: ignored, the NOTIFY sent again ($sends sends)"
done
grep -q "NOTIFY $S serial [0-9]* to 127.0.0.1@$L2: reply ignored: not signed" "$T/dnsbld.log"
ok $? "dnsbld logs the unsigned reply"
grep -q "NOTIFY $S serial [0-9]* to 127.0.0.1@$L2: reply ignored: its TSIG does not verify" "$T/dnsbld.log"
ok $? "dnsbld logs the reply whose TSIG does not verify"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
