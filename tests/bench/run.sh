#!/usr/bin/env bash
# tests/bench/run.sh -- every benchmark, one after the other, dnsbld.sh (the
# table of the goals) last.  Benchmarks print figures; they never pass or
# fail on a timing.
#   BUILD=build bash tests/bench/run.sh [NAME...]
# BENCH_QUICK=1: small sizes and short runs throughout, to see that every
# bench runs through (its figures then mean little).
set -u
cd "$(dirname "$0")/../.."
export BUILD=${BUILD:-build}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	export BENCH_QUICK N=${N:-20000} Q=${Q:-20000} SECS=${SECS:-2}
	export ROUNDS=${ROUNDS:-1} RUNS=${RUNS:-1}
fi
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(import axfr amplification rrl stats web lookup instr xdp dnsbld)
for n in "${names[@]}"; do
	f=tests/bench/$n.sh
	[ -f "$f" ] || { echo "bench: no $f"; continue; }
	echo "== bench $n"
	bash "$f" || echo "bench $n: exited $?"
done
