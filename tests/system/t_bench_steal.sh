#!/usr/bin/env bash
# t_bench_steal.sh -- the benches' rule for a round the host took from
# them (tests/bench/lib.sh: steal_over, bench_round).  A round during
# which the hypervisor's steal on core 0 or core 1 passed STEAL_MAX % is
# printed as not counted and measured again, up to STEAL_TRIES runs, the
# last one standing, each time after waiting (steal_wait) for a quiet
# window of STEAL_WINDOW seconds, no longer than STEAL_WAIT; once the
# script's STEAL_WAIT_TOTAL is spent nothing is measured again.  Steal on
# any other core, or a kernel without a steal column, repeats nothing.  Checked against a model on seeded random
# cases (seed printed; T_SEED=N repeats one), with the kernel's CPU
# statistics replaced by a file (PROC_STAT) whose steal ticks the measured
# command itself advances.
source "$(dirname "$0")/lib.sh"
source "$ROOT/tests/bench/lib.sh"

hz=$(getconf CLK_TCK)

# The threshold, read off steal_since's own line.
over() { if steal_over "$1" "$2"; then echo over; else echo under; fi; }
is "$(over 'steal: core 0 5.0%, core 1 0.0%' 5)" under "5.0% on core 0 is not over 5"
is "$(over 'steal: core 0 5.1%, core 1 0.0%' 5)" over "5.1% on core 0 is over 5"
is "$(over 'steal: core 0 0.0%, core 1 12.5%' 5)" over "core 1 counts"
is "$(over 'steal: core 0 0.0%, core 1 0.0%, core 2 80.0%' 5)" under "core 2 does not (the bench runs on 0 and 1)"
is "$(over 'steal: core 0 100.0%, core 1 0.0%, core 10 0.0%' 99.9)" over "core 10 is not core 1"
is "$(over 'steal: core 0 0.0%, core 1 0.0%, core 10 50.0%' 5)" under "nor counted as core 1"
is "$(over 'steal: ?' 0)" under "no steal column: never over"
is "$(over 'steal: core 0 0.3%, core 1 0.0%' 0.2)" over "0.3% is over a fractional 0.2"
is "$(over 'steal: core 0 0.0%, core 1 0.2%' 0.2)" under "0.2% is not"

# A fake /proc/stat of three cores; run N of a case adds the ticks given
# for it to the cores' steal column, and prints "run N".
export PROC_STAT=$T/stat
write_stat() {	# write_stat S0 S1 S2 [NOSTEAL]: whole, as the kernel's is read
	local tmp=$PROC_STAT.$BASHPID
	if [ "${4:-}" = nosteal ]; then
		printf 'cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\ncpu2 1 2 3 4\n' >"$tmp"
	else
		printf 'cpu  1 2 3 4 5 6 7 %d 0 0\n' $(($1 + $2 + $3)) >"$tmp"
		printf 'cpu%d 1 2 3 4 5 6 7 %d 0 0\n' 0 "$1" 1 "$2" 2 "$3" >>"$tmp"
	fi
	mv "$tmp" "$PROC_STAT"
}
fake_run() {	# the command measured: its steal from $T/plan, line N
	local n s0 s1 s2 c0 c1 c2
	n=$(( $(cat "$T/count") + 1 ))
	echo $n >"$T/count"
	read -r s0 s1 s2 < <(sed -n "${n}p" "$T/plan")
	read -r c0 c1 c2 < <(awk '/^cpu[0-9]/ { printf "%s ", $9 }' "$PROC_STAT")
	sleep 0.02
	[ -n "${c0:-}" ] && write_stat $((c0 + s0)) $((c1 + s1)) $((c2 + s2))
	echo "run $n"
}

# Short windows: the fake steal stands still between the runs, so the
# first window after a run is quiet.
STEAL_WINDOW=0.05 STEAL_WAIT=30 STEAL_WAIT_TOTAL=100000

seed=${T_SEED:-$(( $(date +%s%N) % 1000000 ))}
echo "# seed $seed (T_SEED=$seed repeats it)"
RANDOM=$seed
cases=40 bad_runs=0 bad_out=0 bad_rep=0 bad_lines=0 bad_waits=0
# Ticks of steal that are over any STEAL_MAX of 1..20 however slow the run
# (100 s of it during a run of at most a few seconds), and none at all.
big=$((100 * hz))
for ((c = 1; c <= cases; c++)); do
	STEAL_TRIES=$((RANDOM % 4 + 1)) STEAL_MAX=$((RANDOM % 20 + 1))
	: >"$T/plan"
	want=$STEAL_TRIES
	for ((i = 1; i <= STEAL_TRIES; i++)); do
		case $((RANDOM % 4)) in
		0) echo "0 0 0";;
		1) echo "$big 0 0";;
		2) echo "0 $big 0";;
		3) echo "0 0 $big";;	# another core's steal: counts for nothing
		esac >>"$T/plan"
	done
	# The model: the first run without steal on core 0 or 1 stands.
	want=$(awk -v t=$STEAL_TRIES '$1 == 0 && $2 == 0 { print NR; f = 1; exit }
	    END { if (!f) print t }' "$T/plan")
	echo 0 >"$T/count"
	write_stat 0 0 0
	BENCH_REPEATS=0
	bench_round "case $c:" fake_run >"$T/printed"
	got=$(cat "$T/count")
	if [ "$got" != "$want" ]; then
		bad_runs=$((bad_runs + 1))
		echo "# case $c: tries $STEAL_TRIES, plan $(tr '\n' '/' <"$T/plan"): $got runs, model $want"
	fi
	[ "$BENCH_OUT" = "run $want" ] || { bad_out=$((bad_out + 1)); echo "# case $c: output '$BENCH_OUT'"; }
	[ "$BENCH_REPEATS" = $((want - 1)) ] || bad_rep=$((bad_rep + 1))
	[ "$(grep -c "^case $c: (not counted, the host's steal over $STEAL_MAX%: measured again) run [0-9]* steal: core 0" "$T/printed")" = $((want - 1)) ] ||
	    { bad_lines=$((bad_lines + 1)); sed 's/^/# printed: /' "$T/printed"; }
	[ "$(grep -c "^case $c: waited [0-9.]* s for 0.05 s of the host's steal at most $STEAL_MAX%$" "$T/printed")" = $((want - 1)) ] &&
	    [ "$(wc -l <"$T/printed")" = $((2 * (want - 1))) ] ||
	    { bad_waits=$((bad_waits + 1)); sed 's/^/# printed: /' "$T/printed"; }
done
is "$bad_runs" 0 "$cases seeded cases: bench_round runs the command as often as the model says"
is "$bad_out" 0 "the last run's output stands"
is "$bad_rep" 0 "BENCH_REPEATS counts the runs not counted"
is "$bad_lines" 0 "and each of them is printed, with its steal, as not counted"
is "$bad_waits" 0 "each followed by one wait, ended by a quiet window"

# A host busy throughout the wait: it ends at STEAL_WAIT, and says so.
# After the first run, a second process keeps adding steal to core 1
# every 20 ms until the second run begins (busy_run).
bumper() {
	local i c0 c1 c2
	for ((i = 0; i < 500; i++)); do	# bounded: 10 s at most
		read -r c0 c1 c2 < <(awk '/^cpu[0-9]/ { printf "%s ", $9 }' "$PROC_STAT")
		write_stat "$c0" $((c1 + big)) "$c2"
		sleep 0.02
	done
}
busy_run() {
	if [ "$(cat "$T/count")" = 0 ]; then
		fake_run
		bumper </dev/null >/dev/null 2>&1 &
		echo $! >"$T/bumper.pid"
	else
		kill "$(cat "$T/bumper.pid")" 2>/dev/null
		sleep 0.05
		fake_run
	fi
}
printf '%s 0 0\n0 0 0\n' $big >"$T/plan"; echo 0 >"$T/count"; write_stat 0 0 0
STEAL_TRIES=2 STEAL_MAX=5 STEAL_WINDOW=0.1 STEAL_WAIT=0.6 BENCH_REPEATS=0 BENCH_WAITED=0
bench_round "busy:" busy_run >"$T/printed"
kill "$(cat "$T/bumper.pid")" 2>/dev/null
w=$(sed -n "s/^busy: waited \([0-9.]*\) s ([0-9]* windows of 0.1 s), the host never quiet: the wait's limit$/\1/p" "$T/printed")
is "$(cat "$T/count") $BENCH_REPEATS ${w:+limit}" "2 1 limit" "a busy host: the wait ends at its limit, and the round is measured again"
awk -v w="${w:-0}" -v d="$BENCH_WAITED" 'BEGIN { exit !(w >= 0.6 && w < 10 && d == w) }'
ok $? "waited ${w:-?} s: no less than STEAL_WAIT 0.6, counted in BENCH_WAITED ($BENCH_WAITED)"

# The script's waiting spent: a round the host took stands as it is.
printf '%s 0 0\n%s 0 0\n0 0 0\n' $big $big >"$T/plan"; echo 0 >"$T/count"; write_stat 0 0 0
STEAL_TRIES=3 STEAL_MAX=5 STEAL_WINDOW=0.05 STEAL_WAIT=30 STEAL_WAIT_TOTAL=60 BENCH_WAITED=60 BENCH_REPEATS=0
bench_round "spent:" fake_run >"$T/printed"
is "$(cat "$T/count") $BENCH_REPEATS $(wc -l <"$T/printed")" "1 0 0" "STEAL_WAIT_TOTAL spent: the round runs once"
STEAL_WAIT_TOTAL=100000 BENCH_WAITED=0

# A run under STEAL_MAX stands at once, whatever STEAL_TRIES allows.
printf '0 0 0\n%s 0 0\n' $big >"$T/plan"; echo 0 >"$T/count"; write_stat 0 0 0
STEAL_TRIES=3 STEAL_MAX=5 BENCH_REPEATS=0
bench_round "quiet:" fake_run >"$T/printed"
is "$(cat "$T/count") $BENCH_REPEATS $(wc -l <"$T/printed")" "1 0 0" "a quiet round runs once and prints nothing"
case $BENCH_STEAL in "steal: core 0 0.0%, core 1 0.0%, core 2 0.0%") r=0;; *) r=1;; esac
ok $r "its steal line: $BENCH_STEAL"

# A kernel without the steal column: the steal unknown, nothing repeated.
printf '%s %s 0\n' $big $big >"$T/plan"; echo 0 >"$T/count"; write_stat 0 0 0 nosteal
STEAL_TRIES=3 STEAL_MAX=0 BENCH_REPEATS=0
bench_round "bare:" fake_run >"$T/printed"
is "$(cat "$T/count") $BENCH_REPEATS $BENCH_STEAL" "1 0 steal: ?" "no steal column: one run, the steal '?'"

# STEAL_TRIES=1: every round once, however much the host took.
printf '%s %s 0\n' $big $big >"$T/plan"; echo 0 >"$T/count"; write_stat 0 0 0
STEAL_TRIES=1 STEAL_MAX=5 BENCH_REPEATS=0
bench_round "once:" fake_run >"$T/printed"
is "$(cat "$T/count") $BENCH_REPEATS" "1 0" "STEAL_TRIES=1 measures once"
steal_over "$BENCH_STEAL" 5
ok $? "and the steal it printed is the host's: $BENCH_STEAL"
# A latency round (bench_round_lat): the same rule at STEAL_MAX_LAT, for
# the round and its wait, and STEAL_MAX as it was after it.  One tick of
# steal on core 0 during a run of half a second or more is 2% at most, and
# 0.2% or more if the run takes under 5 s: over 0.1, not over 5.
slow_run() { sleep 0.5; fake_run; }
printf '1 0 0\n0 0 0\n' >"$T/plan"; echo 0 >"$T/count"; write_stat 0 0 0
STEAL_TRIES=3 STEAL_MAX=5 STEAL_MAX_LAT=0.1 BENCH_REPEATS=0
bench_round_lat "lat:" slow_run >"$T/printed"
is "$(cat "$T/count") $BENCH_REPEATS $STEAL_MAX" "2 1 5" "a latency round over STEAL_MAX_LAT is measured again; STEAL_MAX unchanged after it"
grep -q "^lat: (not counted, the host's steal over 0.1%: measured again) run 1 steal: core 0 [0-9.]*%" "$T/printed" &&
    grep -q "^lat: waited [0-9.]* s for 0.05 s of the host's steal at most 0.1%$" "$T/printed"
ok $? "printed with STEAL_MAX_LAT, the run and the wait: $(head -c 120 "$T/printed" | tr '\n' ' ')"
printf '1 0 0\n0 0 0\n' >"$T/plan"; echo 0 >"$T/count"; write_stat 0 0 0
BENCH_REPEATS=0
bench_round "notlat:" slow_run >"$T/printed"
is "$(cat "$T/count") $BENCH_REPEATS $(wc -l <"$T/printed")" "1 0 0" "the same steal under STEAL_MAX: another round runs once ($BENCH_STEAL)"
# The runs not counted, by server: the label's last word, its colon off.
BENCH_REPEATS_BY=()
for lab in "round 1 dnsbld: " "round 1 rbldnsd:" "round 2 dnsbld:" "round 1 knot-xdp   "; do
	case $lab in *rbldnsd*) printf '0 0 0\n' ;; *) printf '%s 0 0\n0 0 0\n' $big ;; esac >"$T/plan"
	echo 0 >"$T/count"; write_stat 0 0 0
	STEAL_TRIES=3 STEAL_MAX=5 bench_round "$lab" fake_run >/dev/null
done
is "$(bench_repeats_by)" " (dnsbld 2, knot-xdp 1)" "runs not counted by server: $(bench_repeats_by)"
BENCH_REPEATS_BY=()
is "$(bench_repeats_by)" "" "none: nothing printed"
done_testing
