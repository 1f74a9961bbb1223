#!/usr/bin/env bash
# tests/bench/latency.sh -- a server's latency at a fixed offered load.
#   latency.sh PORT PID QUERYFILE SECONDS QPS
# Pins the server (PID, all its threads) to CPU 0 and dnsperf to CPU 1,
# sends QPS queries a second (dnsperf -Q) for SECONDS, and reads the
# latency of every answer from dnsperf's verbose lines ("> RCODE name
# type seconds").  Prints the rate answered, the queries lost, and the
# average, median, 99th percentile and largest latency of the answers in
# microseconds.  Figures only.
set -u
port=$1 pid=$2 qf=$3 secs=$4 qps=$5
out=$(mktemp /tmp/dnsbl-lat.XXXXXX)
trap 'rm -f "$out" "$out.s"' EXIT
for t in /proc/$pid/task/*; do taskset -pc 0 "${t##*/}" >/dev/null; done
taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$qf" -l "$secs" -c 8 \
    -q 1000 -Q "$qps" -v >"$out" 2>&1
awk '/^> / && $NF ~ /^[0-9.]+$/ { print $NF * 1e6 }' "$out" |
    sort -n >"$out.s"
n=$(wc -l <"$out.s")
got=$(awk '/Queries per second/{printf "%d", $4}' "$out")
lost=$(awk '/Queries lost/{print $3}' "$out")
if [ "$n" -eq 0 ]; then
	echo "qps=${got:-0} lost=${lost:-?} answers=0"
	exit 0
fi
awk -v n="$n" -v got="${got:-0}" -v lost="${lost:-?}" -v want="$qps" '
{ v[NR] = $1; s += $1 }
END {
	i50 = int(n * 0.50); if (i50 < 1) i50 = 1
	i99 = int(n * 0.99 + 0.999999); if (i99 > n) i99 = n
	printf "offered=%d qps=%d lost=%s answers=%d avg_us=%.1f p50_us=%.1f p99_us=%.1f max_us=%.1f\n",
	    want, got, lost, n, s / n, v[i50], v[i99], v[n]
}' "$out.s"
