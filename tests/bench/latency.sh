#!/usr/bin/env bash
# tests/bench/latency.sh -- a server's latency at a fixed offered load.
#   latency.sh PORT PID QUERYFILE SECONDS QPS LATCLIENT
# Pins the server (PID, all its threads) to CPU 0 and the client to CPU 1,
# and runs LATCLIENT (tests/bench/latclient.c, built by the caller): QPS
# queries a second, open loop, for SECONDS; each answer's latency from
# the send to the kernel's receive timestamp of the answer, so that the
# client's own work does not enter it.  Also reads the server's CPU time
# (user + system, from /proc/PID/stat) over the run.  Prints one line:
# the rate answered, the queries lost, the average, median, 99th
# percentile and largest latency in microseconds, the sends that went out
# late (the client fell behind), the machine's stalls and the average and
# 99th percentile of the answers outside them (latclient.c says how), and
# the server's share of CPU 0.
# Figures only.
set -u
port=$1 pid=$2 qf=$3 secs=$4 qps=$5 client=$6
for t in /proc/$pid/task/*; do taskset -pc 0 "${t##*/}" >/dev/null; done
ticks() { awk '{ print $14 + $15 }' /proc/$pid/stat; }
hz=$(getconf CLK_TCK)
a=$(ticks) s=$(date +%s.%N)
out=$(taskset -c 1 "$client" 127.0.0.1 "$port" "$qf" "$qps" "$secs" 2>&1)
b=$(ticks) e=$(date +%s.%N)
busy=$(echo "($b - $a) / $hz / ($e - $s) * 100" | bc -l)
printf '%s server_cpu=%.0f%%\n' "$out" "$busy"
