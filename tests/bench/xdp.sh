#!/usr/bin/env bash
# tests/bench/xdp.sh -- dnsbld's AF_XDP path (docs/xdp.md) against the
# kernel's UDP floor and Knot DNS, on a veth pair between two network
# namespaces that the bench creates and removes (198.18.0.0/30, RFC 2544's
# benchmarking range: no traffic leaves them), dnsperf in the client's.
#
# Paths, in each of ROUNDS interleaved rounds: the floor (../shared/bench/
# floor.c, an echo server doing no lookup), dnsbld's kernel path, dnsbld
# XDP native and generic, Knot's kernel UDP and Knot's XDP mode (native).
# Each is capped at CAP% of core 0 by a cgroup quota, dnsperf runs on core
# 1.  veth receives a packet in the softirq of the sending CPU, which
# would charge the server's receive work to dnsperf's core; so both ends
# run threaded NAPI (GRO on, TSO off), the server end's NAPI thread pinned
# to core 0 in the server's cgroup, the client's on core 1, and the bench
# prints how many NET_RX softirqs core 0 took (it should be few).
# Per path: capacity per core (median over the rounds), its ratio to the
# floor and to Knot XDP, and CPU microseconds per query split into the
# server threads' user and system time, the server NAPI thread's time and
# core 0's softirq time (a cgroup quota does not see softirq work); per
# round also the queries lost and the share of core 0 the server used
# (well below CAP: dnsperf on core 1 was the limit; try CAP=25).  A round
# during which the host's steal passed STEAL_MAX % (default 1) of core 0
# or 1 is printed as not counted and measured again, up to STEAL_TRIES
# runs (lib.sh, bench_round).  Do not
# edit this file while it runs: bash reads it as it goes.
# Figures only: no timing passes or fails.  Needs root, dnsbld built with
# `make XDP=1` (BUILD=build-xdp), dnsperf, knotd, ethtool.
# PATHS (a space-separated subset, in the order to run them) picks the paths.
#   BUILD=build-xdp N=200000 Q=200000 SECS=10 ROUNDS=3 CAP=40 bash tests/bench/xdp.sh
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build-xdp}
# `make bench` passes BUILD=build: the AF_XDP paths need the XDP build,
# made here when it is not there yet (on a clean checkout, run I of
# docs/performance.md measured no AF_XDP path for want of it).
if [ "$BUILD" = build ] && [ ! -x build-xdp/dnsbld ]; then
	echo "bench xdp: building dnsbld with its AF_XDP path (make XDP=1, in build-xdp/)"
	mk=$(mktemp)
	make -s XDP=1 >"$mk" 2>&1 ||
	    echo "bench xdp: make XDP=1 failed (the AF_XDP paths will give no result): $(tail -n 3 "$mk")"
	rm -f "$mk"
fi
[ "$BUILD" = build ] && [ -x build-xdp/dnsbld ] && BUILD=build-xdp
N=${N:-200000}
Q=${Q:-200000}
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-3}
CAP=${CAP:-40}
. tests/bench/lib.sh
NS_S=dnsbl-bs-$$ NS_C=dnsbl-bc-$$
IF_S=dbxs IF_C=dbxc
SRV=198.18.0.1 CLI=198.18.0.2

[ "$(id -u)" = 0 ] || { echo "bench xdp: needs root; skipped"; exit 0; }
for f in gen.py floor.c; do
	[ -f "$SHARED/$f" ] || { echo "bench xdp: no $SHARED/$f; skipped"; exit 0; }
done
for b in dnsperf knotd ethtool taskset ip; do
	command -v $b >/dev/null || [ -x /usr/sbin/$b ] ||
	    { echo "bench xdp: $b not installed; skipped"; exit 0; }
done
[ -d /sys/fs/cgroup/cpu ] && [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] ||
    grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null ||
    { echo "bench xdp: no cgroup CPU controller; skipped"; exit 0; }
ip link show $IF_S >/dev/null 2>&1 && { echo "bench xdp: $IF_S exists; skipped"; exit 0; }

T=$(mktemp -d /tmp/dnsbl-benchxdp.XXXXXX)
SPID=
CG=
stop_server() {
	if [ -n "$SPID" ]; then
		kill "$SPID" 2>/dev/null
		for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$SPID" 2>/dev/null
		wait "$SPID" 2>/dev/null
	fi
	SPID=
	# knotd leaves its XDP program attached at exit.
	ip -n "$NS_S" link set dev $IF_S xdp off 2>/dev/null
	ip -n "$NS_S" link set dev $IF_S xdpgeneric off 2>/dev/null
}
cg_del() {
	[ -n "$CG" ] || return 0
	if [ -f "$CG/tasks" ]; then
		for t in $(cat "$CG/tasks"); do echo "$t" >/sys/fs/cgroup/cpu/tasks 2>/dev/null; done
	else
		for t in $(cat "$CG/cgroup.procs" 2>/dev/null); do
			echo "$t" >/sys/fs/cgroup/cgroup.procs 2>/dev/null; done
	fi
	rmdir "$CG" 2>/dev/null
	CG=
}
cleanup() {
	stop_server
	cg_del
	ip netns del "$NS_S" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
S() { ip netns exec "$NS_S" "$@"; }
C() { ip netns exec "$NS_C" "$@"; }

echo "generating $N entries and $Q queries"
$PY "$SHARED/gen.py" "$N" "$Q" "$T/gen" >/dev/null || { echo "gen.py failed"; exit 1; }
sed 's/"127\.0\.0\.1"/"0.0.0.0"/; s/htons(port)/htons((unsigned short)port)/' \
    "$SHARED/floor.c" >"$T/floor.c"
cc -O2 -o "$T/floor" "$T/floor.c" || { echo "floor.c does not build"; exit 1; }

ip netns add "$NS_S" && ip netns add "$NS_C" &&
    ip link add $IF_S type veth peer name $IF_C &&
    ip link set $IF_S netns "$NS_S" && ip link set $IF_C netns "$NS_C" &&
    S ip link set lo up && C ip link set lo up &&
    S ip addr add $SRV/30 dev $IF_S && C ip addr add $CLI/30 dev $IF_C &&
    S ip link set $IF_S up && C ip link set $IF_C up ||
    { echo "bench xdp: cannot set up the namespaces"; exit 1; }
S ethtool -K $IF_S gro on tso off >/dev/null 2>&1
C ethtool -K $IF_C gro on tso off >/dev/null 2>&1
S sh -c "echo 1 > /sys/class/net/$IF_S/threaded" &&
    C sh -c "echo 1 > /sys/class/net/$IF_C/threaded" ||
    echo "bench xdp: threaded NAPI not available: figures are unfair"

bench_yaml "$T/base.yaml" "$T/db" "$SRV@53"
cp "$T/base.yaml" "$T/kernel.yaml"
for m in native generic; do
	cp "$T/base.yaml" "$T/$m.yaml"
	printf 'xdp: {interface: %s, queues: [0], mode: %s, address: %s@53}\n' \
	    $IF_S $m $SRV >>"$T/$m.yaml"
done
"$BUILD/loader" -c "$T/kernel.yaml" import --format lines "$T/gen/ips.txt" >/dev/null ||
    { echo "loader import failed"; exit 1; }
mkdir -p "$T/knot"
cp "$T/gen/zone.txt" "$T/knot/relays.example.zone"
for m in kernel xdp; do
	{
		echo "server:"
		echo "    rundir: $T/knot"
		echo "    listen: $SRV@53"
		echo "    udp-workers: 1"
		echo "    tcp-workers: 1"
		echo "    background-workers: 1"
		if [ $m = xdp ]; then
			echo "xdp:"
			echo "    listen: $IF_S@53"
			echo "    udp: on"
		fi
		echo "database:"
		echo "    storage: $T/knot/db-$m"
		echo "template:"
		echo "  - id: default"
		echo "    storage: $T/knot"
		echo "zone:"
		echo "  - domain: relays.example"
		echo "    file: relays.example.zone"
		echo "log:"
		echo "  - target: stderr"
		echo "    any: warning"
	} >"$T/knot-$m.conf"
done

# Start path $1 in the server namespace; SPID is its pid (ip netns exec
# execs it: no subshell in between).
start_server() {
	local x=(ip netns exec "$NS_S")
	case $1 in
	floor) "${x[@]}" "$T/floor" 53 64 0.0.0.0 & ;;	# the method's floor takes the address
	dnsbld-kernel) "${x[@]}" "$BUILD/dnsbld" -c "$T/kernel.yaml" 2>>"$T/dnsbld.log" & ;;
	dnsbld-xdp-native) "${x[@]}" "$BUILD/dnsbld" -c "$T/native.yaml" 2>>"$T/dnsbld.log" & ;;
	dnsbld-xdp-generic) "${x[@]}" "$BUILD/dnsbld" -c "$T/generic.yaml" 2>>"$T/dnsbld.log" & ;;
	knot-kernel) "${x[@]}" knotd -c "$T/knot-kernel.conf" 2>>"$T/knot.log" & ;;
	knot-xdp) "${x[@]}" knotd -c "$T/knot-xdp.conf" 2>>"$T/knot.log" & ;;
	esac
	SPID=$!
	local want=.
	[ "$1" = floor ] && want=
	for _ in $(seq 1 300); do
		if [ -z "$want" ]; then sleep 0.5; break; fi
		C dig +time=1 +tries=1 +short @$SRV 2.0.0.127.relays.example A 2>/dev/null |
		    grep -q 127.0.0.2 && break
		kill -0 "$SPID" 2>/dev/null || {
			case $1 in dnsbld*) why=$(tail -n 1 "$T/dnsbld.log") ;;
			knot*) why=$(tail -n 1 "$T/knot.log") ;; *) why= ;; esac
			echo "$1 did not start: $why"; return 1; }
		sleep 0.2
	done
}

# The NAPI threads of an interface (threaded NAPI): pids.
napi_pids() { pgrep -x "napi/$1-[0-9]*" 2>/dev/null; }

# One capped run of the server SPID: prints "qps user sys napi softirq netrx".
measure() {
	local t napi cnapi u0 s0 n0 si0 nr0 u1 s1 n1 si1 nr1 out qps n hz
	hz=$(getconf CLK_TCK)
	napi=$(napi_pids $IF_S) cnapi=$(napi_pids $IF_C)
	if [ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
		CG=/sys/fs/cgroup/cpu/dnsbench-xdp.$$
		mkdir -p "$CG"
		echo 100000 >"$CG/cpu.cfs_period_us"
		echo $((CAP * 1000)) >"$CG/cpu.cfs_quota_us"
		for t in /proc/$SPID/task/* $(for p in $napi; do echo /proc/$p; done); do
			echo "${t##*/}" >"$CG/tasks" 2>/dev/null ||
			    echo "# could not put ${t##*/} into the cgroup" >&2
		done
	else
		CG=/sys/fs/cgroup/dnsbench-xdp.$$
		echo +cpu >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
		mkdir -p "$CG" && echo "$((CAP * 1000)) 100000" >"$CG/cpu.max"
		for t in $SPID $napi; do
			echo "$t" >"$CG/cgroup.procs" 2>/dev/null ||
			    echo "# could not put $t into the cgroup" >&2
		done
	fi
	for t in /proc/$SPID/task/* $(for p in $napi; do echo /proc/$p; done); do
		taskset -pc 0 "${t##*/}" >/dev/null 2>&1; done
	for t in $cnapi; do taskset -pc 1 "$t" >/dev/null 2>&1; done
	ticks() { local a=0 b=0 x y f; for f in "$@"; do
		[ -r "$f" ] || continue
		read -r x y < <(sed 's/.*) //' "$f" | awk '{print $12, $13}')
		a=$((a + x)); b=$((b + y)); done; echo $a $b; }
	sstat() { ticks /proc/$SPID/task/*/stat; }
	nstat_() { local f=() p; for p in $napi; do f+=(/proc/$p/stat); done
		ticks "${f[@]}" | awk '{print $1 + $2}'; }
	softirq0() { awk '$1 == "cpu0" {print $8}' /proc/stat; }
	netrx0() { awk '$1 == "NET_RX:" {print $2}' /proc/softirqs; }
	read -r u0 s0 < <(sstat); n0=$(nstat_); si0=$(softirq0); nr0=$(netrx0)
	out=$(C taskset -c 1 dnsperf -s $SRV -p 53 -d "$T/gen/queries.txt" \
	    -l "$SECS" -c 8 -q 2000 -t 2 2>&1)
	read -r u1 s1 < <(sstat); n1=$(nstat_); si1=$(softirq0); nr1=$(netrx0)
	cg_del
	qps=$(echo "$out" | awk '/Queries per second/{printf "%d", $4}')
	n=$(echo "$out" | awk '/Queries completed/{print $3}')
	lost=$(echo "$out" | awk '/Queries lost/{print $3}')
	[ -n "$n" ] && [ "$n" -gt 0 ] || { echo "0 0 0 0 0 0 0 0"; return; }
	awk -v q="$qps" -v n="$n" -v hz="$hz" -v u=$((u1 - u0)) -v s=$((s1 - s0)) \
	    -v k=$((n1 - n0)) -v si=$((si1 - si0)) -v nr=$((nr1 - nr0)) \
	    -v lost="${lost:-0}" -v secs="$SECS" 'BEGIN{
	    f = 1e6 / hz / n
	    printf "%d %.2f %.2f %.2f %.2f %d %d %.0f\n", q, u * f, s * f, k * f,
	        si * f, nr, lost, (u + s + k) * 100 / hz / secs }'
}

ALL_PATHS="floor dnsbld-kernel dnsbld-xdp-native dnsbld-xdp-generic knot-kernel knot-xdp"
read -r -a PATHS <<<"${PATHS:-$ALL_PATHS}"
for p in "${PATHS[@]}"; do
	case " $ALL_PATHS " in *" $p "*) ;; *) echo "bench xdp: no path $p (paths: $ALL_PATHS)"; exit 2 ;; esac
done
echo "-- $ROUNDS interleaved rounds, each path capped at $CAP% of core 0, dnsperf on core 1, ${SECS}s"
for r in $(seq 1 "$ROUNDS"); do
	for p in "${PATHS[@]}"; do
		if ! start_server $p; then stop_server; continue; fi
		bench_round "$(printf 'round %d %-19s' "$r" "$p")" measure
		res=$BENCH_OUT st=$BENCH_STEAL
		stop_server
		echo "$p $res" >>"$T/results"
		set -- $res
		printf 'round %d %-19s answered %7d qps  us/query: user %.2f sys %.2f napi %.2f softirq %.2f  (core 0 NET_RX softirqs: %d; lost %d; server used %d%% of core 0; %s)\n' \
		    "$r" "$p" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$st"
	done
done

echo "-- per path: median over the rounds (capacity per core = answered qps * 100 / $CAP)"
$PY - "$T/results" "$CAP" <<'PY'
import sys, statistics
cap = float(sys.argv[2])
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    rows.setdefault(f[0], []).append([float(x) for x in f[1:]])
med = {p: [statistics.median(c) for c in zip(*v)] for p, v in rows.items()}
per = {p: m[0] * 100 / cap for p, m in med.items()}
floor, kx = per.get("floor"), per.get("knot-xdp")
for p in ["floor", "dnsbld-kernel", "dnsbld-xdp-native", "dnsbld-xdp-generic",
          "knot-kernel", "knot-xdp"]:
    if p not in med:
        print("%-19s no result" % p); continue
    q, u, s, k, si, nr = med[p][:6]
    r1 = "%.2fx floor" % (per[p] / floor) if floor else "-"
    r2 = "%.2fx knot-xdp" % (per[p] / kx) if kx else "-"
    print("%-19s %7d qps/core  %-12s %-15s us/query: user %.2f sys %.2f napi %.2f softirq %.2f total %.2f"
          % (p, per[p], r1, r2, u, s, k, si, u + s + k + si))
PY
echo "($(cpu_model), $(nproc) cores, kernel $(uname -r), $(date -u +%F); $BENCH_REPEATS round runs not counted for the host's steal$(bench_repeats_by))"
