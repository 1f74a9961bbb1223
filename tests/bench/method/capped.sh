#!/bin/bash
# capped.sh PERCENT PORT PID QUERYFILE [SECONDS]
# A server's capacity per core: every thread of PID is put in a cgroup
# whose CPU quota is PERCENT of one core (cgroup v1 or v2) and pinned to
# CPU 0; dnsperf (8 clients, up to 2000 queries outstanding) runs on CPU 1
# for SECONDS (10); the rate answered, scaled to a whole core, is printed
# with what was lost and the average latency.  Under the cap the server,
# not dnsperf, is the limit.  The benches use ../shared/bench/capped.sh
# when it is there; this is the same measurement, for machines without it.
pct=$1 port=$2 pid=$3 qf=$4 secs=${5:-10}
cg= home= v1=0
if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
	v1=1 home=/sys/fs/cgroup/cpu cg=$home/dnsbl-capped.$$
	mkdir -p "$cg" || exit 1
	echo 100000 >"$cg/cpu.cfs_period_us"
	echo $((pct * 1000)) >"$cg/cpu.cfs_quota_us"
	for t in /proc/$pid/task/*; do echo "${t##*/}" >"$cg/tasks"; done
elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	home=/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/$pid/cgroup)
	home=${home%/}
	cg=/sys/fs/cgroup/dnsbl-capped.$$
	echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
	mkdir -p "$cg" || exit 1
	echo "$((pct * 1000)) 100000" >"$cg/cpu.max"
	echo "$pid" >"$cg/cgroup.procs"
else
	echo "capped.sh: no cgroup CPU controller" >&2
	exit 1
fi
for t in /proc/$pid/task/*; do taskset -pc 0 "${t##*/}" >/dev/null; done
out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$qf" -l "$secs" \
    -c 8 -q 2000 -t 2 2>&1)
if [ $v1 = 1 ]; then
	for t in /proc/$pid/task/*; do echo "${t##*/}" >"$home/tasks"; done
else
	echo "$pid" >"$home/cgroup.procs" 2>/dev/null ||
	    echo "$pid" >/sys/fs/cgroup/cgroup.procs
fi
rmdir "$cg"
echo "$out" | awk -v p="$pct" '
/Queries per second/ { q = $4 } /Queries lost/ { l = $3 }
/Average Latency/ { lat = $4 }
END { printf "capacity_per_core_qps=%d (answered %d qps at %d%% of a core, lost %s, avg latency %.0f us)\n", q * 100 / p, q, p, l, lat * 1e6 }'
