#!/usr/bin/env bash
# t_bench_latclient.sh -- the latency client of the bench
# (tests/bench/latclient.c), which decides the latency goals of
# docs/performance.md, counts what it should: every answer of a real
# server at a fixed rate, none from a silent port, none whose question is
# not the query's, and a bad query file named with its line.  Built here
# with ASan and UBSan.  Its figures are not checked: a timing is no test.
source "$(dirname "$0")/lib.sh"
LC=$T/latclient
cc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-o "$LC" "$ROOT/tests/bench/latclient.c" "$ROOT/tests/bench/stalls.c"
ok $? "latclient builds"
kv() { echo "$1" | sed -n "s/.*\<$2=\([0-9.]*\).*/\1/p"; }

# The stall finder (which answers the latency goals leave out) against a
# plain model, on 300 seeded random runs with times on its limits.
seed=${SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# check-stalls seed $seed (SEED=$seed to repeat)"
out=$("$LC" --check-stalls "$seed" 2>&1); rc=$?
is "$rc" 0 "stalls and their windows as the model's ($(echo "$out" | tail -n 1))"

# Rate limiting off: 2000 queries a second from one address would be
# limited, as they should.
write_config "rrl: {enabled: false}"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
printf '%s\n' '2.0.0.127.relays.example A' '3.0.0.127.relays.example A' \
	'2.0.0.127.relays.example TXT' 'relays.example SOA' \
	'# a comment' '' '2.0.0.127.relays.example. a' >"$T/q.txt"

# 3000 queries over 1.5 s: every one answered, each once.
out=$("$LC" 127.0.0.1 "$PORT" "$T/q.txt" 2000 1.5 2>&1); rc=$?
echo "# $out"
is "$rc" 0 "runs against dnsbld"
is "$(kv "$out" answers)" 3000 "every query answered"
is "$(kv "$out" lost)" 0 "none lost"
is "$(kv "$out" sent_avg_us)/$(kv "$out" sent_p99_us)" \
    "$(kv "$out" avg_us)/$(kv "$out" p99_us)" \
    "none lost: the sent_ figures are the answers'"
is "$(kv "$out" stray)" 0 "no answer unmatched"
p50=$(kv "$out" p50_us) max=$(kv "$out" max_us) gap=$(kv "$out" gap_ms)
[ -n "$gap" ] && [ "$(echo "$gap * 1000 <= 1500000" | bc -l)" = 1 ]
ok $? "gap_ms is printed and within the run ($gap)"
# Without a stall the steady figures are every answer's; with one (the
# machine may stall here too) they leave some answers out.
st=$(kv "$out" stalls) sn=$(kv "$out" steady_answers)
if [ "$st" = 0 ]; then
	is "$sn/$(kv "$out" steady_avg_us)" "3000/$(kv "$out" avg_us)" \
	    "no stall: the steady figures are every answer's"
else
	[ -n "$sn" ] && [ "$sn" -lt 3000 ]
	ok $? "$st stall(s): fewer steady answers ($sn)"
fi
[ -n "$p50" ] && [ "$(echo "$p50 > 0 && $p50 <= $max" | bc -l)" = 1 ]
ok $? "latencies are positive and ordered (p50 $p50, max $max)"

# The same over IPv6, one socket.
out=$("$LC" ::1 "$PORT" "$T/q.txt" 1000 1 1 2>&1)
is "$(kv "$out" answers)" 1000 "IPv6, one socket: every query answered"

# No server: everything lost, nothing answered, exit 0 (figures only).
silent=$(free_port)
out=$("$LC" 127.0.0.1 "$silent" "$T/q.txt" 500 0.5 2>&1); rc=$?
is "$rc" 0 "a silent port: exit 0"
is "$(kv "$out" answers)" 0 "a silent port: no answers"
is "$(kv "$out" lost)" 250 "a silent port: all 250 lost"

# A small UDP peer for the cases below: peer.py PORT COUNT FLIP PAUSE DROP
# answers COUNT queries with the query itself, QR set; FLIP 1 changes the
# name's first letter (another question); PAUSE N stops for 0.4 s after
# the Nth answer, with the queries after it queued in a 1 MB buffer; DROP
# N leaves every Nth query it takes unanswered (0: none).  It creates the
# file READY once bound; peer() starts it and waits for that.
cat >"$T/peer.py" <<'PY'
import socket, sys, time
port, count, flip, pause, drop = (int(v) for v in sys.argv[1:6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.bind(("127.0.0.1", port))
open(sys.argv[6], "w").close()
s.settimeout(10)
n = taken = 0
while n < count:
    try:
        q, a = s.recvfrom(4096)
    except socket.timeout:
        break
    taken += 1
    if drop and taken % drop == 0:
        continue
    r = bytearray(q)
    r[2] |= 0x80
    if flip:
        r[12 + 1] ^= 0x01	# first letter of the name changed
    s.sendto(bytes(r), a)
    n += 1
    if n == pause:
        time.sleep(0.4)
PY
# peer PORT COUNT FLIP PAUSE DROP: starts peer.py in the background (its PID
# in $PEER), and returns once it is bound, or after 20 s.
peer() {
	local i
	rm -f "$T/peer.ready"
	$PY "$T/peer.py" "$@" "$T/peer.ready" & PEER=$!
	for i in $(seq 200); do
		[ -e "$T/peer.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

# A server that answers every query with another question: no answer
# counts (stray), all are lost.
liar=$(free_port)
peer "$liar" 200 1 0 0; ok $? "the peer is bound"
out=$("$LC" 127.0.0.1 "$liar" "$T/q.txt" 200 1 2>&1)
wait $PEER
is "$(kv "$out" answers)" 0 "another question: not counted as an answer"
is "$(kv "$out" stray)" 200 "another question: 200 stray"
is "$(kv "$out" lost)" 200 "another question: 200 lost"

# A stall (no answer for 50 ms, or 50 query intervals if longer: 250 ms
# at 200 a second), which the bench's latency goals leave out
# (tests/bench/dnsbld.sh): a server that answers 100 queries, stops for
# 0.4 s with the rest queued, then answers them all shows a gap of about
# 400 ms and one stall, loses nothing, counts the queued answers' wait in
# every answer's figures and leaves those answers out of the steady ones.
pport=$(free_port)
peer "$pport" 300 0 100 0; ok $? "the pausing peer is bound"
out=$("$LC" 127.0.0.1 "$pport" "$T/q.txt" 200 1.5 2>&1)
wait $PEER
echo "# $out"
is "$(kv "$out" answers)" 300 "a pausing server: all 300 answered"
gap=$(kv "$out" gap_ms) max=$(kv "$out" max_us)
[ -n "$gap" ] && [ "$(echo "$gap >= 350" | bc -l)" = 1 ]
ok $? "a pause of 0.4 s: gap_ms $gap >= 350"
[ -n "$max" ] && [ "$(echo "$max >= 300000" | bc -l)" = 1 ]
ok $? "the queued answers waited: max_us $max >= 300000"
is "$(kv "$out" stalls)" 1 "a pause of 0.4 s: one stall"
sn=$(kv "$out" steady_answers) sp=$(kv "$out" steady_p99_us)
[ -n "$sn" ] && [ "$sn" -ge 150 ] && [ "$sn" -le 225 ]
ok $? "the ~80 queries sent in the pause left out: $sn steady answers of 300"
[ -n "$sp" ] && [ "$(echo "$sp < 100000" | bc -l)" = 1 ]
ok $? "the steady p99 leaves the queued answers out ($sp us)"

# A server that drops queries (its receive buffer full after a burst,
# say): each lost query counts as 50 ms in the sent_ figures, so that the
# dropper does not get the shorter tail.  1000 queries at 500 a second,
# every 20th dropped: 50 lost (5%), the sent_ p99 is a lost one's 50 ms
# while the answers' p99 is far below, and the sent_ average is the
# answers' and the lost ones' weighted (to the printed figures' rounding).
dport=$(free_port)
peer "$dport" 950 0 0 20; ok $? "the dropping peer is bound"
out=$("$LC" 127.0.0.1 "$dport" "$T/q.txt" 500 2 2>&1)
wait $PEER
echo "# $out"
is "$(kv "$out" answers)/$(kv "$out" lost)" 950/50 "a dropping server: 950 answered, 50 lost"
is "$(kv "$out" sent_p99_us)" 50000.0 "the sent_ p99 is a lost query's 50 ms"
a=$(kv "$out" avg_us) sa=$(kv "$out" sent_avg_us)
[ -n "$a" ] && [ -n "$sa" ] &&
    [ "$(echo "d = $sa - ($a * 950 + 50000 * 50) / 1000; d < 0.2 && d > -0.2" | bc -l)" = 1 ]
ok $? "sent_avg_us $sa is the answers' ($a us) and 50 lost at 50 ms, weighted"
p=$(kv "$out" p99_us)
[ -n "$p" ] && [ "$(echo "$p < 50000" | bc -l)" = 1 ]
ok $? "the answers' p99 leaves the lost out ($p us)"
if [ "$(kv "$out" stalls)" = 0 ]; then
	is "$(kv "$out" steady_lost)/$(kv "$out" steady_sent_p99_us)" 50/50000.0 \
	    "no stall: every lost query is a steady one"
else
	sl=$(kv "$out" steady_lost)
	[ -n "$sl" ] && [ "$sl" -le 50 ]
	ok $? "a stall in the run: steady_lost $sl of the 50"
fi

# The same against a model, at drop rates from the seed: a peer dropping
# every Dth of 1000 queries (D from 50 to 200: 5 to 20 lost) loses
# L = 1000 / D; the sent_ p99 (nearest rank, the 990th of 1000) is a
# lost query's 50 ms exactly when L >= 11, else an answer's; the sent_
# average is the weighted mix.
RANDOM=$seed
for k in 1 2; do
	d=$((50 + RANDOM % 151)) l=$((1000 / d))
	rport=$(free_port)
	peer "$rport" $((1000 - l)) 0 0 "$d" || { ok 1 "the peer (drop $d) is bound"; continue; }
	out=$("$LC" 127.0.0.1 "$rport" "$T/q.txt" 500 2 2>&1)
	wait $PEER
	is "$(kv "$out" lost)" "$l" "drop every ${d}th: $l lost"
	sp=$(kv "$out" sent_p99_us)
	if [ "$l" -ge 11 ]; then
		is "$sp" 50000.0 "$l lost of 1000: the sent_ p99 is a lost one's"
	else
		[ -n "$sp" ] && [ "$(echo "$sp < 50000" | bc -l)" = 1 ]
		ok $? "$l lost of 1000: the sent_ p99 is an answer's ($sp us)"
	fi
	a=$(kv "$out" avg_us) sa=$(kv "$out" sent_avg_us)
	[ -n "$a" ] && [ -n "$sa" ] && [ "$(echo "d = $sa - ($a * (1000 - $l) + 50000 * $l) / 1000; d < 0.2 && d > -0.2" | bc -l)" = 1 ]
	ok $? "$l lost: sent_avg_us $sa is the weighted mix"
done

# Bad input: a message with the file and line, exit 2, no crash.
printf '2.0.0.127.relays.example A\nfoo.example BOGUS\n' >"$T/bad1.txt"
out=$("$LC" 127.0.0.1 "$PORT" "$T/bad1.txt" 10 0.1 2>&1); rc=$?
is "$rc" 2 "an unknown type: exit 2"
echo "$out" | grep -q "bad1.txt:2: unknown type"; ok $? "names the file and line ($out)"
printf 'a..b A\n' >"$T/bad2.txt"
out=$("$LC" 127.0.0.1 "$PORT" "$T/bad2.txt" 10 0.1 2>&1)
echo "$out" | grep -q "bad2.txt:1: empty label"; ok $? "an empty label ($out)"
printf '%s.x A\n' "$(printf 'a%.0s' $(seq 64))" >"$T/bad3.txt"
out=$("$LC" 127.0.0.1 "$PORT" "$T/bad3.txt" 10 0.1 2>&1)
echo "$out" | grep -q "bad3.txt:1: label longer than 63"; ok $? "a 64-byte label"
lab=$(printf 'a%.0s' $(seq 63))
printf '%s.%s.%s.%s.x A\n' $lab $lab $lab $lab >"$T/bad4.txt"
out=$("$LC" 127.0.0.1 "$PORT" "$T/bad4.txt" 10 0.1 2>&1)
echo "$out" | grep -q "bad4.txt:1: name longer than 255"; ok $? "a 258-byte name"
head -c 65536 /dev/urandom >"$T/bad5.txt"
"$LC" 127.0.0.1 "$PORT" "$T/bad5.txt" 10 0.1 >"$T/bad5.out" 2>&1; rc=$?
is "$rc" 2 "random bytes: exit 2 ($(head -c 120 "$T/bad5.out"))"
for args in "127.0.0.1 $PORT $T/q.txt 0 1" "127.0.0.1 $PORT $T/q.txt 10 0" \
    "127.0.0.1 0 $T/q.txt 10 1" "not-an-address $PORT $T/q.txt 10 1" \
    "127.0.0.1 $PORT $T/q.txt 10 1 17" "127.0.0.1 $PORT $T/missing 10 1"; do
	"$LC" $args >/dev/null 2>&1; rc=$?
	is "$rc" 2 "bad arguments ($args): exit 2"
done

stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
