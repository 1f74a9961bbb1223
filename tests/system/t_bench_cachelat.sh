#!/usr/bin/env bash
# t_bench_cachelat.sh -- the memory latency line at the top of a bench run
# (tests/bench/cachelat.c) prints one figure for each size it says, and
# refuses bad arguments with its usage and status 2.  Built here with ASan
# and UBSan.  Its figures are not compared with anything: a timing is no
# test; that they are numbers above zero is checked.
source "$(dirname "$0")/lib.sh"
CL=$T/cachelat
cc -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-o "$CL" "$ROOT/tests/bench/cachelat.c"
ok $? "cachelat builds"

# Up to 4 MB, 1000 reads a size: 1, 2 and 4 MB, each a positive figure.
out=$("$CL" 4 1000 2>"$T/err"); rc=$?
echo "# $out"
is "$rc" 0 "runs"
is "$(wc -l <"$T/err")" 0 "nothing on stderr"
sizes=$(echo "$out" | grep -o '[0-9]* MB' | tr '\n' ' ')
is "$sizes" "1 MB 2 MB 4 MB " "one figure for each size, doubling to the maximum"
figs=$(echo "$out" | sed 's/.*: //' | tr ',' '\n' | awk '{print $3}')
is "$(echo "$figs" | awk '$1 > 0 && $1 < 1e6' | wc -l)" 3 \
	"each figure a time above zero (ns)"
echo "$out" | grep -q '^memory latency (one dependent read, ns): 1 MB '
ok $? "the line names what it measures"

# A maximum that is no power of two stops at the power below it.
out=$("$CL" 3 1000 2>&1)
is "$(echo "$out" | grep -o '[0-9]* MB' | tr '\n' ' ')" "1 MB 2 MB " \
	"MAX_MB 3: 1 and 2 MB"

# Bad arguments: usage on stderr, status 2, nothing measured.
for args in "0" "4097" "abc" "4 999" "4 1000000001" "1 1000 3" "-1" "4x" \
    "" "4 " "99999999999999999999"; do
	# shellcheck disable=SC2086 # the words are the arguments
	if [ -z "$args" ]; then set -- ""; else set -- $args; fi
	[ "$args" = "4 " ] && set -- 4 ""
	"$CL" "$@" >"$T/out" 2>"$T/err"; rc=$?
	is "$rc" 2 "'$args': status 2"
	grep -q '^usage: cachelat' "$T/err"
	ok $? "'$args': the usage on stderr"
	is "$(wc -c <"$T/out")" 0 "'$args': nothing measured"
done

done_testing
