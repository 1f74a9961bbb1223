#!/usr/bin/env bash
# tests/run.sh -- run every unit test binary and every system test script,
# each of which prints TAP ("ok N - ..." / "not ok N - ..."), and close with
# the totals as "N passed, N failed".  Exits non-zero if any test failed or
# any test program exited non-zero.
#
#   BUILD=build bash tests/run.sh [PATTERN]	(an extended regex of names)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
export BUILD
pattern=${1:-}
pass=0 fail=0 broken=()
logdir=$BUILD/test-logs
mkdir -p "$logdir"

run_one() {
	local name=$1; shift
	local log="$logdir/$(basename "$name").log" rc p f
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -cE '^ok [0-9]+' "$log")
	f=$(grep -cE '^not ok [0-9]+' "$log")
	pass=$((pass + p)); fail=$((fail + f))
	if [ "$rc" -ne 0 ] || [ "$f" -ne 0 ]; then
		broken+=("$name")
		echo "FAIL $name (exit $rc, $p passed, $f failed)"
		grep -E '^not ok|^#' "$log" | head -n 40 | sed 's/^/    /'
		[ "$f" -eq 0 ] && { tail -n 20 "$log" | sed 's/^/    /'; fail=$((fail + 1)); }
	else
		echo "ok   $name ($p)"
	fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	[ -n "$pattern" ] && ! [[ "$t" =~ $pattern ]] && continue
	run_one "$t" "$t"
done
for t in tests/system/t_*.sh; do
	[ -f "$t" ] || continue
	[ -n "$pattern" ] && ! [[ "$t" =~ $pattern ]] && continue
	# A script may ask for more than 10 minutes: "# run.sh timeout: SECS".
	limit=$(sed -n 's/^# run.sh timeout: \([0-9]*\)$/\1/p' "$t" | head -n 1)
	run_one "$t" timeout "${limit:-600}" bash "$t"
done

echo
[ ${#broken[@]} -gt 0 ] && echo "failed: ${broken[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
