#!/bin/bash
# dnsperf-pair.sh PORT PID QUERYFILE [SECONDS] [CLIENTS]
# A server's CPU time per query: every thread of PID pinned to CPU 0,
# dnsperf (CLIENTS, default 8, up to 1000 queries outstanding) on CPU 1
# for SECONDS (10); prints the rate, the queries lost, the average latency
# and the server's user and system microseconds per answered query, from
# its threads' times in /proc.  The benches use ../shared/bench/ when it
# is there; this is the same measurement, for machines without it.
port=$1 pid=$2 qf=$3 secs=${4:-10} clients=${5:-8}
for t in /proc/$pid/task/*; do taskset -pc 0 "${t##*/}" >/dev/null; done
ticks() {	# user and system clock ticks of every thread of $pid
	cat /proc/$pid/task/*/stat 2>/dev/null |
	    sed 's/.*) //' | awk '{ u += $12; s += $13 } END { print u + 0, s + 0 }'
}
read -r u0 s0 < <(ticks)
out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$qf" -l "$secs" \
    -c "$clients" -q 1000 2>&1)
read -r u1 s1 < <(ticks)
echo "$out" | awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" '
/Queries per second/ { q = $4 } /Queries lost/ { l = $3 }
/Queries completed/ { n = $3 } /Average Latency/ { lat = $4 }
END { if (n == 0) n = 1
	printf "qps=%d lost=%d avg_latency_us=%d server_us_per_query: user=%.2f sys=%.2f total=%.2f\n", q, l, lat * 1e6, u / hz * 1e6 / n, s / hz * 1e6 / n, (u + s) / hz * 1e6 / n }'
