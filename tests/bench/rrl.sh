#!/usr/bin/env bash
# tests/bench/rrl.sh -- what response rate limiting costs dnsbld: its CPU
# time per answer with rrl on and with rrl off, on the query mix of
# ../shared/bench/gen.py (45% listed A, 45% unlisted A, 10% listed TXT,
# nearly every name distinct) sent from 4 source addresses in 4 /24s
# (127.0.1.1 .. 127.0.4.1), so that the table sees many keys and nothing
# is limited: NXDOMAIN shares one bucket per zone and network, so
# nxdomains_per_second is raised to its maximum here; the other limits are
# the defaults.  dnsbld (workers: 1) runs on core 0, the 4 dnsperf on
# core 1, as fast as they can (or RATE queries a second together) for
# SECS; dnsbld's CPU
# time (all threads, /proc/PID/task/*/schedstat, in ns) over the answers
# is its cost per answer, whose inverse is its capacity per core.  The
# CPU time is measured rather than the answers of a capped server because
# it hardly moves with the load of other programs on a shared machine.
# Runs alternate off, on, on, off, ... (ROUNDS pairs, the switch a SIGHUP)
# so that drift cancels; it prints each run, the medians and the cost, and
# dnsbld's counters (nothing may have been dropped or slipped).  Before
# them rrl_cost.c times the user-space work of an answer with and without
# rrl in one thread, which other load hardly disturbs; after them, where
# perf is installed, a profile of dnsbld under the same load with rrl on
# says what share of its CPU time rrl.c takes.  Figures only.
#   N=1000000 Q=200000 SECS=5 ROUNDS=6 RATE=0 [TABLE=16384] bash tests/bench/rrl.sh
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
N=${N:-1000000}
Q=${Q:-200000}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-6}
RATE=${RATE:-0}
. tests/bench/lib.sh
[ -f "$SHARED/gen.py" ] || { echo "bench rrl: no $SHARED/gen.py; skipped"; exit 0; }
for b in dnsperf taskset; do
	command -v $b >/dev/null || { echo "bench rrl: $b not installed; skipped"; exit 0; }
done
T=$(mktemp -d /tmp/dnsbl-bench.XXXXXX)
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
PORT=$(bench_ports 1)

bench_cpu
echo "generating $N entries and $Q queries"
$PY "$SHARED/gen.py" "$N" "$Q" "$T/gen" >/dev/null || { echo "gen.py failed"; exit 1; }
# The bench config with rate limiting on, every NXDOMAIN let through.
bench_yaml "$T/dnsbl.yaml" "$T/db" "127.0.0.1@$PORT"
sed -i "s/^rrl: {enabled: false}\$/rrl:\n  enabled: true\n  nxdomains_per_second: 1000000${TABLE:+\\n  table_size: $TABLE}/" \
    "$T/dnsbl.yaml"
bench_import "$T/dnsbl.yaml" "$T/gen/ips.txt" || exit 1
# The user-space part alone, in one thread (rrl_cost.c): precise where
# the end-to-end runs below are at the mercy of the machine's other load.
if bench_cost rrl_cost "$T/rrl_cost"; then
	taskset -c 0 "$T/rrl_cost" "$T/dnsbl.yaml" "$T/gen/queries.txt" 3
else
	echo "rrl_cost: not built"
fi
"$BUILD/dnsbld" -c "$T/dnsbl.yaml" 2>"$T/dnsbld.log" &
DPID=$!
for i in $(seq 1 300); do
	dig +time=1 +tries=1 -p $PORT @127.0.0.1 2.0.0.127.relays.example A +short 2>/dev/null | grep -q 127 && break
	sleep 0.2
done

pin() { local t; for t in /proc/$DPID/task/*; do taskset -pc 0 "${t##*/}" >/dev/null; done; }
# switch on|off: SIGHUP with rrl enabled or not, and wait for the restart
switch() {
	local n
	sed -i "s/^  enabled: .*/  enabled: $([ "$1" = on ] && echo true || echo false)/" "$T/dnsbl.yaml"
	n=$(grep -c "rrl: per \|rrl: off" "$T/dnsbld.log")
	kill -HUP $DPID
	for i in $(seq 1 100); do
		[ "$(grep -c "rrl: per \|rrl: off" "$T/dnsbld.log")" -gt "$n" ] && break
		sleep 0.1
	done
	pin		# the new threads too
	sleep 0.5
}
# dnsbld's CPU time so far, ns, all threads (schedstat).  "%.0f", not
# "%d": mawk's %d stops at 2^31 - 1, 2.1 s, and every run after the
# first would have measured nothing.
cpu_ns() { cat /proc/$DPID/task/*/schedstat 2>/dev/null | awk '{s += $1} END{printf "%.0f", s}'; }
# measure: 4 dnsperf from 4 networks on core 1, RATE/4 queries a second
# each (RATE 0: as fast as they can) for SECS; prints "answered-qps lost
# cpu-ns-per-answer"
measure() {
	local k c0 c1
	c0=$(cpu_ns)
	for k in 1 2 3 4; do
		taskset -c 1 dnsperf -s 127.0.0.1 -p $PORT -a 127.0.$k.1 -d "$T/gen/queries.txt" \
		    -l $SECS -c 2 -q 250 $([ "$RATE" -gt 0 ] && echo "-Q $((RATE / 4))") -t 2 \
		    >"$T/perf$k.out" 2>&1 &
	done
	wait $(jobs -p | grep -v "^$DPID$") 2>/dev/null
	c1=$(cpu_ns)
	awk -v c=$((c1 - c0)) '/Queries per second/{q += $4} /Queries lost/{l += $3}
	    /Queries completed/{n += $3} END{printf "%d %d %.0f", q, l, c / n}' "$T"/perf[1-4].out
}
ON=() OFF=()
order=()
for r in $(seq 1 "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then order+=(off on); else order+=(on off); fi
done
pin
for mode in "${order[@]}"; do
	switch $mode
	read -r qps lost ns < <(measure)
	printf 'rrl %-3s: %d answers/s (lost %d), dnsbld CPU %d ns per answer\n' $mode "$qps" "$lost" "$ns"
	if [ $mode = on ]; then ON+=("$ns"); else OFF+=("$ns"); fi
done
# Each on run against the off run next to it (off on | on off | ...).
DIFF=()
for i in "${!ON[@]}"; do
	DIFF+=("$(echo "(${ON[$i]} - ${OFF[$i]}) * 1000 / ${OFF[$i]}" | bc)")
done
switch on	# logs the counters of the last run
# Where dnsbld's CPU goes with rrl on, sampled by perf (software clock):
# the share of the samples in rrl.c's functions is what rrl costs, read
# within one run, so the load of other programs cancels out.
if command -v perf >/dev/null; then
	for k in 1 2 3 4; do
		taskset -c 1 dnsperf -s 127.0.0.1 -p $PORT -a 127.0.$k.1 -d "$T/gen/queries.txt" \
		    -l $((SECS + 2)) -c 2 -q 250 -t 2 >"$T/perf$k.out" 2>&1 &
	done
	sleep 1
	perf record -q -e cpu-clock -F 4000 -p $DPID -o "$T/perf.data" -- sleep "$SECS" >/dev/null 2>&1
	wait $(jobs -p | grep -v "^$DPID$") 2>/dev/null
	perf report -i "$T/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
	    awk '/^ +[0-9.]+%/ { p = $1 + 0; all += p; if ($2 == "[.]" && $3 ~ /^(rrl_|siphash$)/) { rrl += p; list = list " " $3 "=" $1 } }
	        END { printf "perf, rrl on: %.2f%% of dnsbld'"'"'s CPU samples in rrl.c (%s ) of %.0f%% sampled\n", rrl, list, all }'
fi
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END{print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
on=$(median "${ON[@]}") off=$(median "${OFF[@]}")
printf 'median CPU per answer: rrl off %.0f ns, rrl on %.0f ns (capacity %.0f and %.0f qps per core)\n' \
    "$off" "$on" "$(echo "1000000000 / $off" | bc -l)" "$(echo "1000000000 / $on" | bc -l)"
printf 'median of the %d paired differences (on - off) / off: %.1f%%\n' "${#DIFF[@]}" \
    "$(echo "$(median "${DIFF[@]}") / 10" | bc -l)"
grep "rrl: since start" "$T/dnsbld.log" | tail -n 1 | sed 's/^dnsbld: /dnsbld counted: /'
