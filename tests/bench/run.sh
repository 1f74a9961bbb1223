#!/usr/bin/env bash
# tests/bench/run.sh -- every benchmark, one after the other.  Benchmarks
# print figures; they never pass or fail on a timing.
#   BUILD=build bash tests/bench/run.sh [NAME...]
set -u
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build}
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(import dnsbld axfr amplification rrl stats web xdp)
for n in "${names[@]}"; do
	f=tests/bench/$n.sh
	[ -f "$f" ] || { echo "bench: no $f"; continue; }
	echo "== bench $n"
	bash "$f" || echo "bench $n: exited $?"
done
