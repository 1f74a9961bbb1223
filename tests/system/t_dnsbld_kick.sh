#!/usr/bin/env bash
# t_dnsbld_kick.sh -- whatever its workers are doing, dnsbld reloads and
# stops promptly.  A worker with one socket waits in recvmmsg(2) with no
# timeout and is kicked out of the wait (dnsbld/server.c, kick_worker());
# one with several sockets waits in poll(2).  Seeded random cases (seed
# printed; T_SEED=N repeats a run): 1 to 3 workers, one endpoint or two,
# 1 to 4 SIGHUPs each after a random pause of 0 to 300 ms, idle or during
# a burst of queries; each reload must be logged within 5 s and be
# answered after, and SIGTERM must end dnsbld within 5 s with status 0.
# Waits are bounded: a worker never kicked fails a case, never hangs it.
source "$(dirname "$0")/lib.sh"

seed=${T_SEED:-$(( $(date +%s%N) % 1000000 ))}
echo "# seed $seed (T_SEED=$seed repeats it)"
RANDOM=$seed
write_config
loader list 192.0.2.1 >/dev/null	# the address every case asks for
cases=6 bad_reload=0 bad_answer=0 bad_stop=0
for ((c = 1; c <= cases; c++)); do
	workers=$((RANDOM % 3 + 1)) eps=$((RANDOM % 2 + 1)) hups=$((RANDOM % 4 + 1))
	write_config
	[ $eps = 1 ] && sed -i '/"::1@/d' "$T/dnsbl.yaml"
	echo "workers: $workers" >>"$T/dnsbl.yaml"
	desc="case $c: $workers workers, $eps endpoints, $hups reloads"
	if ! start_dnsbld; then
		bad_reload=$((bad_reload + 1)); echo "# $desc: no start"; continue
	fi
	for ((h = 1; h <= hups; h++)); do
		sleep "0.$(printf '%03d' $((RANDOM % 300)))"
		burst=
		if [ $((RANDOM % 2)) = 1 ]; then	# a burst during the reload
			( for i in $(seq 1 20); do
				dig +time=1 +tries=1 -p "$PORT" @127.0.0.1 1.2.0.192.relays.example A >/dev/null 2>&1
			done ) &
			burst=$!
		fi
		n0=$(grep -c "reloaded" "$T/dnsbld.log")
		kill -HUP "$DNSBLD_PID"
		for i in $(seq 1 50); do
			[ "$(grep -c "reloaded" "$T/dnsbld.log")" -gt "$n0" ] && break
			sleep 0.1
		done
		[ -n "$burst" ] && wait "$burst"
		if [ "$(grep -c "reloaded" "$T/dnsbld.log")" -le "$n0" ]; then
			bad_reload=$((bad_reload + 1)); echo "# $desc: reload $h not done in 5 s"
			break
		fi
		a=$(dig +short +time=2 +tries=2 -p "$PORT" @127.0.0.1 1.2.0.192.relays.example A)
		[ "$a" = 127.0.0.2 ] || { bad_answer=$((bad_answer + 1)); echo "# $desc: after reload $h: '$a'"; }
	done
	sleep "0.$(printf '%03d' $((RANDOM % 300)))"
	kill -TERM "$DNSBLD_PID"
	for i in $(seq 1 50); do kill -0 "$DNSBLD_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DNSBLD_PID" 2>/dev/null; then
		kill -KILL "$DNSBLD_PID"; wait "$DNSBLD_PID" 2>/dev/null
		bad_stop=$((bad_stop + 1)); echo "# $desc: SIGTERM did not end it in 5 s"
	elif ! wait "$DNSBLD_PID"; then
		bad_stop=$((bad_stop + 1)); echo "# $desc: exit status not 0"
	fi
	DNSBLD_PID=
done
is "$bad_reload" 0 "$cases seeded cases: every reload logged within 5 s"
is "$bad_answer" 0 "and answered after"
is "$bad_stop" 0 "SIGTERM ends dnsbld within 5 s, status 0"
done_testing
