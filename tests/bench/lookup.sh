#!/usr/bin/env bash
# tests/bench/lookup.sh -- what a lookup in dnsbld's in-memory copy of the
# served tables (lib/memidx.h) costs at the bucket widths it picks by
# size, against the 16-bit buckets it had before (lookup_cost.c), inside
# one thread on core 0: the part of a query's user time that grows with
# the number of entries, without the kernel's UDP path.
#
# Sets, as dnsbld.sh's: 1m (N IPv4 hosts), 10m (N10), mix (NMIX IPv4 and
# NMIX IPv6 hosts, half the queries IPv6); each generated, imported into
# a store, then timed with the set's query file.  Figures only.
#
#   bash tests/bench/lookup.sh            N=1000000 N10=10000000 NMIX=1000000
#   BENCH_QUICK=1 bash tests/bench/lookup.sh   small sizes
#   SETS="1m mix" PASSES=10 bash tests/bench/lookup.sh
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	N=${N:-20000} N10=${N10:-100000} NMIX=${NMIX:-20000} Q=${Q:-20000}
else
	N=${N:-1000000} N10=${N10:-10000000} NMIX=${NMIX:-1000000} Q=${Q:-200000}
fi
SETS=${SETS:-1m 10m mix}
PASSES=${PASSES:-10}
. tests/bench/lib.sh

bench_cpu
echo "sizes: N=$N N10=$N10 NMIX=$NMIX Q=$Q PASSES=$PASSES sets: $SETS"
T=$(mktemp -d /tmp/dnsbl-lookup.XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! make -s "$BUILD/loader" >/dev/null ||
    ! bench_cost lookup_cost "$T/lookup_cost"; then
	echo "bench lookup: lookup_cost not built; skipped"
	exit 0
fi

run() {	# LABEL GENDIR
	local d=$T/$1
	mkdir -p "$d"
	bench_yaml "$d/dnsbl.yaml" "$d/db" 127.0.0.1@53
	bench_import "$d/dnsbl.yaml" "$2/ips.txt" || return 1
	taskset -c 0 "$T/lookup_cost" "$d/dnsbl.yaml" "$2/queries.txt" "$PASSES" |
	    grep -v '^lookup_ns='
	rm -rf "$d" "$2"
}

for set in $SETS; do
	case $set in
	1m|10m)
		n=$N; [ $set = 10m ] && n=$N10
		echo "== $set: $n random IPv4 hosts, $Q queries"
		$PY "$SHARED/gen.py" "$n" "$Q" "$T/g$set" >/dev/null ||
		    { echo "gen.py failed"; continue; }
		rm -f "$T/g$set/zone.txt" "$T/g$set/rbldnsd.txt"
		run $set "$T/g$set";;
	mix)
		echo "== mix: $NMIX random IPv4 and $NMIX random IPv6 hosts, $Q queries (half IPv6)"
		$PY tests/bench/genmix.py "$NMIX" "$NMIX" "$Q" "$T/gmix" ||
		    { echo "genmix.py failed"; continue; }
		run mix "$T/gmix";;
	*)
		echo "unknown set '$set' (1m, 10m, mix)";;
	esac
done
