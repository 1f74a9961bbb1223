#!/usr/bin/env bash
# tests/bench/stats.sh -- what dnsbld's counters (dnsbld/stats.h) cost: the
# same dnsbld built twice, as usual and with -DDNSBL_NO_STATS (counting
# compiled out), answering the same list and the same dnsperf query mix
# (../shared/bench/gen.py: 45% listed A, 45% unlisted A, 10% listed TXT)
# on two ports.  First stats_cost.c times, in one thread, the user-space
# work of a query with and without stats_answer() (what the rest of the
# machine does falls on both alike).  Then each server is measured ROUNDS
# times, in turns, for its capacity per core (capped.sh: a cgroup cap at
# 40% of core 0, dnsperf on core 1) and its CPU microseconds per query
# (dnsperf-pair.sh); the best of its rounds counts.  The last lines are
# the ratios, and the counters' nanoseconds as a share of the CPU time of
# a query: the goal is a cost under 2% of capacity.  The end-to-end runs
# are at the mercy of other load on the machine; the one-thread figure is
# not.  It prints figures only: a timing never passes or fails.
#   N=200000 Q=100000 SECS=8 ROUNDS=3 bash tests/bench/stats.sh
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
N=${N:-200000}
Q=${Q:-100000}
SECS=${SECS:-8}
ROUNDS=${ROUNDS:-3}
. tests/bench/lib.sh
NOSTATS=$BUILD-nostats
for f in gen.py capped.sh dnsperf-pair.sh; do
	[ -f "$SHARED/$f" ] || { echo "bench stats: no $SHARED/$f; skipped"; exit 0; }
done
for b in dnsperf taskset; do
	command -v $b >/dev/null || { echo "bench stats: $b not installed; skipped"; exit 0; }
done
echo "building dnsbld with -DDNSBL_NO_STATS in $NOSTATS/"
make -s BUILD="$NOSTATS" CFLAGS="-O2 -g -DDNSBL_NO_STATS" "$NOSTATS/dnsbld" >/dev/null ||
    { echo "bench stats: the build without counters failed"; exit 1; }
T=$(mktemp -d /tmp/dnsbl-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

ports=($(bench_ports 2))
echo "generating $N entries and $Q queries"
$PY "$SHARED/gen.py" "$N" "$Q" "$T/gen" >/dev/null || { echo "gen.py failed"; exit 1; }
conf() { bench_yaml "$1" "$T/db" "127.0.0.1@$2"; }	# conf FILE PORT
conf "$T/on.yaml" "${ports[0]}"
conf "$T/off.yaml" "${ports[1]}"
bench_import "$T/on.yaml" "$T/gen/ips.txt" || exit 1
cost_ns=
if bench_cost stats_cost "$T/stats_cost"; then
	co=$(taskset -c 0 "$T/stats_cost" "$T/on.yaml" "$T/gen/queries.txt" 3)
	echo "$co" | grep -v '^stats_cost_ns='
	cost_ns=$(echo "$co" | sed -n 's/^stats_cost_ns=//p')
else
	echo "stats_cost: not built"
fi
"$BUILD/dnsbld" -c "$T/on.yaml" 2>"$T/on.log" &
ON=$!; PIDS+=($ON)
"$NOSTATS/dnsbld" -c "$T/off.yaml" 2>"$T/off.log" &
OFF=$!; PIDS+=($OFF)
for p in "${ports[@]}"; do
	for i in $(seq 1 100); do
		dig +time=1 +tries=1 -p $p @127.0.0.1 2.0.0.127.relays.example A +short 2>/dev/null | grep -q 127 && break
		sleep 0.1
	done
done

cap() { echo "$1" | sed -n 's/.*capacity_per_core_qps=\([0-9]*\).*/\1/p'; }
us() { echo "$1" | sed -n 's/.*total=\([0-9.]*\).*/\1/p'; }
best_on=0 best_off=0 us_on= us_off=
echo "-- capacity per core (cgroup cap 40% of core 0, dnsperf on core 1, ${SECS}s), in turns"
for r in $(seq 1 "$ROUNDS"); do
	o=$(bash "$SHARED/capped.sh" 40 "${ports[0]}" $ON "$T/gen/queries.txt" $SECS 2>&1)
	echo "round $r counters on:  $o"
	c=$(cap "$o"); [ -n "$c" ] && [ "$c" -gt "$best_on" ] && best_on=$c
	o=$(bash "$SHARED/capped.sh" 40 "${ports[1]}" $OFF "$T/gen/queries.txt" $SECS 2>&1)
	echo "round $r counters off: $o"
	c=$(cap "$o"); [ -n "$c" ] && [ "$c" -gt "$best_off" ] && best_off=$c
done
echo "-- CPU per query (server on core 0, dnsperf on core 1, ${SECS}s)"
for r in $(seq 1 "$ROUNDS"); do
	o=$(bash "$SHARED/dnsperf-pair.sh" "${ports[0]}" $ON "$T/gen/queries.txt" $SECS 2>&1)
	echo "round $r counters on:  $o"
	u=$(us "$o"); [ -n "$u" ] && { [ -z "$us_on" ] || [ "$(echo "$u < $us_on" | bc)" = 1 ]; } && us_on=$u
	o=$(bash "$SHARED/dnsperf-pair.sh" "${ports[1]}" $OFF "$T/gen/queries.txt" $SECS 2>&1)
	echo "round $r counters off: $o"
	u=$(us "$o"); [ -n "$u" ] && { [ -z "$us_off" ] || [ "$(echo "$u < $us_off" | bc)" = 1 ]; } && us_off=$u
done
if [ "$best_on" -gt 0 ] && [ "$best_off" -gt 0 ]; then
	printf 'ratio: capacity with counters / without = %.3f (%s vs %s qps): counting costs %.1f%% of capacity\n' \
	    "$(echo "$best_on / $best_off" | bc -l)" "$best_on" "$best_off" \
	    "$(echo "(1 - $best_on / $best_off) * 100" | bc -l)"
fi
if [ -n "$us_on" ] && [ -n "$us_off" ]; then
	printf 'ratio: CPU per query with counters / without = %.3f (%s vs %s us)\n' \
	    "$(echo "$us_on / $us_off" | bc -l)" "$us_on" "$us_off"
fi
if [ -n "$cost_ns" ] && [ -n "$us_off" ]; then
	printf 'counting: %s ns a query = %.2f%% of the CPU time of a query without counters (%s us)\n' \
	    "$cost_ns" "$(echo "$cost_ns / ($us_off * 1000) * 100" | bc -l)" "$us_off"
fi
