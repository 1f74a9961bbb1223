#!/usr/bin/env bash
# tests/bench/instr.sh -- user-space instructions per answered query, for
# dnsbld and for Debian's rbldnsd on the same data, counted by valgrind's
# cachegrind.  An instruction count does not depend on the CPU's speed, on
# its cache or on what else the machine runs: the same binary, data and
# queries give the same count within a fraction of a percent, on any
# machine.  It is the figure to compare two versions of the query path
# with; the timings (dnsbld.sh) say what the instructions cost on one CPU,
# where a cache miss can cost more than a hundred of them.
#
# For each set (1m: N IPv4 hosts, the standard mix; mix: NMIX IPv4 and
# NMIX IPv6 hosts, half the queries IPv6; see dnsbld.sh), each server runs
# twice under cachegrind: once answering only the readiness probe (its
# start, the load of its data, its exit), once answering the whole query
# file once (dnsperf -n 1, 20 queries outstanding, so that nothing is
# lost to a server slowed down by valgrind).  Instructions per query =
# (second total - first total) / queries answered; dnsbld's top functions
# are printed the same way (cg_diff of the two runs).  Figures only.
#
#   bash tests/bench/instr.sh      N=1000000 NMIX=1000000 Q=200000
#   BENCH_QUICK=1 bash tests/bench/instr.sh      N=NMIX=20000 Q=20000
#   SETS=1m bash tests/bench/instr.sh            one set
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	N=${N:-20000} NMIX=${NMIX:-20000} Q=${Q:-20000}
else
	N=${N:-1000000} NMIX=${NMIX:-1000000} Q=${Q:-200000}
fi
SETS=${SETS:-1m mix}
BENCH=$ROOT/tests/bench
. "$BENCH/lib.sh"
RBLDNSD=/usr/sbin/rbldnsd

bench_cpu
echo "sizes: N=$N NMIX=$NMIX Q=$Q sets: $SETS (instruction counts: the CPU does not matter)"
missing=
for b in valgrind cg_annotate cg_diff dnsperf dig; do
	command -v $b >/dev/null 2>&1 || missing="$missing $b"
done
[ -x "$RBLDNSD" ] || missing="$missing rbldnsd"
[ -x "$BUILD/dnsbld" ] && [ -x "$BUILD/loader" ] || missing="$missing $BUILD/dnsbld"
if [ -n "$missing" ]; then
	echo "bench instr: missing:$missing; skipped"
	exit 0
fi

T=$(mktemp -d /tmp/dnsbl-instr.XXXXXX)
chmod 755 "$T"
SPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	[ -n "${INSTR_KEEP:-}" ] && { echo "kept: $T"; return; }
	rm -rf "$T"
}
trap cleanup EXIT
PORT=$(bench_ports 1)

up() {	# wait until 127.0.0.2 is answered (a slow start under valgrind)
	local i
	for i in $(seq 1 1200); do
		dig +time=1 +tries=1 -p $PORT @127.0.0.1 2.0.0.127.relays.example A +short 2>/dev/null |
		    grep -q 127 && return 0
		kill -0 "$SPID" 2>/dev/null || return 1
		sleep 0.5
	done
	return 1
}

# settle: wait until the server has gone idle (its CPU time still for a
# second), up to 2 minutes: its start, the load of its data and, for
# dnsbld, the in-memory copy are then done, in both runs alike.
settle() {
	local i a b
	b=$(awk '{ print $14 + $15 }' /proc/$SPID/stat 2>/dev/null)
	for i in $(seq 1 120); do
		sleep 1
		a=$b
		b=$(awk '{ print $14 + $15 }' /proc/$SPID/stat 2>/dev/null)
		[ -n "$b" ] && [ "$((b - a))" -le 1 ] && return 0
	done
}

# count OUT VGOUT QUERYFILE CMD...: CMD under cachegrind, which writes
# its count to VGOUT at the exit (the path as the server sees it then:
# rbldnsd has chrooted) and OUT is; with a query file, dnsperf sends it
# once.  Prints the queries answered (0 without).
count() {
	local out=$1 vgout=$2 qf=$3 n=0; shift 3
	valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file="$vgout" \
	    "$@" >"$out.log" 2>&1 &
	SPID=$!
	if ! up; then
		echo "server did not come up: $(tail -n 3 "$out.log")" >&2
		kill "$SPID" 2>/dev/null; wait "$SPID" 2>/dev/null; SPID=
		echo 0; return 1
	fi
	settle
	if [ -n "$qf" ]; then
		n=$(dnsperf -s 127.0.0.1 -p $PORT -d "$qf" -n 1 -c 4 -q 20 -t 30 2>&1 |
		    awk '/Queries completed/ { print $3 }')
	fi
	settle
	kill "$SPID"; wait "$SPID" 2>/dev/null; SPID=
	echo "${n:-0}"
}
total() { cg_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'; }

declare -A RES
measure() {	# LABEL GENDIR RBLDNSD-ZONESPEC...
	local label=$1 gd=$2 d=$T/$1 who n0 n1 t0 t1
	shift 2
	# The counts go to rbl/cg: rbldnsd chroots to rbl (-r) and writes
	# its count there as the rbldns user.
	mkdir -p "$d/rbl/cg"
	chmod 1777 "$d/rbl/cg"
	bench_yaml "$d/dnsbl.yaml" "$d/db" "127.0.0.1@$PORT"
	bench_import "$d/dnsbl.yaml" "$gd/ips.txt" &&
	    bench_export "$d/dnsbl.yaml" "$d/rbl" || return 1
	chmod -R a+rX "$d"
	for who in dnsbld rbldnsd; do
		local -a cmd
		local cg=$d/rbl/cg vg
		if [ $who = dnsbld ]; then
			cmd=("$BUILD/dnsbld" -c "$d/dnsbl.yaml")
			vg=$cg
		else
			cmd=("$RBLDNSD" -n -a -q -r "$d/rbl" -w / -b 127.0.0.1/$PORT "$@")
			vg=/cg
		fi
		n0=$(count "$cg/$who.0" "$vg/$who.0" "" "${cmd[@]}") || continue
		n1=$(count "$cg/$who.1" "$vg/$who.1" "$gd/queries.txt" "${cmd[@]}") || continue
		t0=$(total "$cg/$who.0") t1=$(total "$cg/$who.1")

		if [ -z "$t0" ] || [ -z "$t1" ] || [ "${n1:-0}" -eq 0 ]; then
			echo "$label $who: no count"
			continue
		fi
		RES[$label.$who]=$(( (t1 - t0) / n1 ))
		echo "$label $who: $n1 queries answered; $t0 instructions to start and stop," \
		    "$t1 with the queries: ${RES[$label.$who]} per query"
	done
	echo "$label dnsbld, the query path's top functions (instructions per query):"
	cg_diff "$d/rbl/cg/dnsbld.0" "$d/rbl/cg/dnsbld.1" >"$d/dnsbld.diff" 2>/dev/null
	cg_annotate --show=Ir "$d/dnsbld.diff" 2>/dev/null |
	    sed -n '/file:function/,/^$/p' | sed 1,2d | head -n 14 |
	    awk -v n="${n1:-1}" '{ gsub(",", "", $1); printf "  %8.0f  %s\n", $1 / n, $NF }'
}

for set in $SETS; do
	case $set in
	1m)	$PY "$SHARED/gen.py" "$N" "$Q" "$T/g1m" >/dev/null || continue
		measure 1m "$T/g1m" relays.example:ip4set:v4.txt ;;
	mix)	$PY "$BENCH/genmix.py" "$NMIX" "$NMIX" "$Q" "$T/gmix" >/dev/null || continue
		measure mix "$T/gmix" relays.example:ip4set:v4.txt relays.example:ip6trie:v6.txt ;;
	*)	echo "no set $set" ;;
	esac
done
echo
echo "| set | dnsbld instructions/query | rbldnsd | ratio |"
echo "| --- | ---: | ---: | ---: |"
for set in $SETS; do
	d=${RES[$set.dnsbld]:-} r=${RES[$set.rbldnsd]:-}
	if [ -n "$d" ] && [ -n "$r" ] && [ "$r" -gt 0 ]; then
		echo "| $set | $d | $r | $(printf '%.2f' "$(echo "$d / $r" | bc -l)") |"
	else
		echo "| $set | ${d:-?} | ${r:-?} | - |"
	fi
done
