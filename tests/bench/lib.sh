# tests/bench/lib.sh -- what the benches share.  Sourced by them after
# they cd to the project's root and set ROOT and BUILD; never run.
#
#   SHARED          the method's scripts (gen.py, capped.sh, dnsperf-pair.sh,
#                   floor.c): the team's copy beside the project, else the
#                   project's own, tests/bench/method/ (CI)
#   PY              Debian's python3, the one that sees python3-dnspython
#   bench_cpu       one line: the CPU model (cpu_model), the cores, the
#                   date, the kernel and the commit measured
#   cpu_model       the CPU's model name and its family and model numbers
#                   ("AMD EPYC (family 26 model 2)")
#   steal_mark      a mark of the host's steal time: each CPU's steal
#                   ticks (/proc/stat) and the clock, on one line
#   steal_since MARK
#                   "steal: core 0 X%, core 1 Y%": the share of each CPU's
#                   time since MARK that the hypervisor gave to other
#                   guests (0 on bare metal; "steal: ?" where /proc/stat
#                   has no steal column).  A round whose figures moved
#                   with its steal measured the host, not the server.
#   steal_over LINE MAX
#                   true when the steal_since LINE gives core 0 or core 1
#                   (the bench's two) more than MAX % steal; false for
#                   "steal: ?"
#   steal_wait LABEL
#                   waits until STEAL_WINDOW seconds (default 5) pass with
#                   the host's steal at most STEAL_MAX % on core 0 and 1,
#                   for at most STEAL_WAIT seconds (default 90) and, over
#                   the whole script, STEAL_WAIT_TOTAL (default 900; the
#                   time waited so far in BENCH_WAITED); prints one line,
#                   "LABEL waited S s ...", saying whether the host was
#                   quiet or the limit came first
#   bench_round LABEL CMD...
#                   one round's measurement: runs CMD, its output (stdout
#                   and stderr) left in BENCH_OUT and its steal_since line
#                   in BENCH_STEAL.  Where the host took more than
#                   STEAL_MAX % (default 1) of core 0 or core 1 during it,
#                   prints "LABEL (not counted, the host's steal over
#                   STEAL_MAX%: measured again) OUTPUT STEAL" and runs
#                   CMD again, up to STEAL_TRIES runs in all (default 3;
#                   STEAL_TRIES=1 measures each round once); the last run
#                   stands whatever its steal.  Before each run again it
#                   waits (steal_wait) for the host to quiet down: a busy
#                   spell of the host lasts minutes (seen 2026-12-04, 01:36
#                   to 01:44 UTC, 20 to 38% steal), longer than three runs
#                   back to back.  Once STEAL_WAIT_TOTAL is spent, no round
#                   is measured again, so a host busy throughout adds at
#                   most that much waiting to a run.  Counts the runs
#                   measured again in BENCH_REPEATS, and by server (the
#                   label's last word) in BENCH_REPEATS_BY.  The choice is
#                   made on the host's figure alone, never on the result, and
#                   the same for every server, so it drops no server's
#                   slow round that the host did not make.
#   bench_repeats_by
#                   " (dnsbld 3, rbldnsd 1)": the runs not counted, by
#                   server, or nothing when there were none.  A server whose
#                   own work made the steal shows here (run M, 2026-12-04:
#                   all 9 were dnsbld's, and the cause was in dnsbld)
#   bench_round_lat LABEL CMD...
#                   bench_round for a latency round at a fixed offered
#                   load: the same rule with STEAL_MAX_LAT % (default 0.2)
#                   in place of STEAL_MAX, for the round and its waits.
#                   At half load a stall of the vCPU holds up the queries
#                   that arrive during it and those behind them while the
#                   server catches up, about twice the stolen share of
#                   the queries; from 0.5% steal that is the 1% a p99 is
#                   made of.  Run L (docs/performance.md, 2026-12-04):
#                   every latency round at 0.4 to 0.6% steal on core 0
#                   had a p99 of 177 us or more, every one at 0.2% or
#                   less 76 us or less, whichever server ran.
#   bench_ports N   N distinct ports free on 127.0.0.1 for UDP and TCP,
#                   below the kernel's ephemeral range
#   bench_ips N FILE
#                   N distinct random IPv4 addresses, one a line, in no
#                   order (as a feed comes), the same N for the same N
#   bench_yaml FILE DB LISTEN
#                   the config every bench starts from: the store DB, one
#                   endpoint, one worker, rate limiting off (rbldnsd has
#                   none; rrl.sh measures its cost), root kept (the benches
#                   run as root in a private directory), the system's
#                   UDP receive buffer (the floor's), relays.example
#                   with rbldnsd's default answer and TXT template and
#                   transfers allowed to 127.0.0.1
#   bench_import CONF LINES
#                   `loader import` of the address list LINES; 1 if it fails
#   bench_export CONF RBLDIR
#                   `loader export --format rbldnsd` of both families, to
#                   RBLDIR/v4.txt (an ip4set) and RBLDIR/v6.txt (an ip6trie)
#   bench_cost NAME OUT
#                   builds tests/bench/NAME.c (a one-thread timing against
#                   the project's libraries) as OUT; 1 if it cannot
SHARED=${SHARED:-$ROOT/../shared/bench}
# The kernel's CPU statistics; t_bench_steal gives a file of its own.
PROC_STAT=${PROC_STAT:-/proc/stat}
STEAL_MAX=${STEAL_MAX:-1} STEAL_TRIES=${STEAL_TRIES:-3} BENCH_REPEATS=0
STEAL_WINDOW=${STEAL_WINDOW:-5} STEAL_WAIT=${STEAL_WAIT:-90}
STEAL_WAIT_TOTAL=${STEAL_WAIT_TOTAL:-900} BENCH_WAITED=0
STEAL_MAX_LAT=${STEAL_MAX_LAT:-0.2}
declare -A BENCH_REPEATS_BY=()
[ -d "$SHARED" ] || SHARED=$ROOT/tests/bench/method
PY=/usr/bin/python3

bench_cpu() {
	echo "cpu: $(cpu_model)," \
	    "$(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'); kernel $(uname -r);" \
	    "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
}

# The CPU's model name, and its family and model numbers where the name
# alone does not tell one generation from the next (a VM's "AMD EPYC").
cpu_model() {
	awk -F': *' '
	    /^model name/ && n == "" { n = $2 }
	    /^cpu family/ && f == "" { f = $2 }
	    /^model[ \t]*:/ && m == "" { m = $2 }
	    END {
		if (n == "") n = "?"
		if (f != "" && m != "") n = n " (family " f " model " m ")"
		print n
	    }' "${CPUINFO:-/proc/cpuinfo}"
}

steal_mark() {
	echo "$(awk '/^cpu[0-9]+ / && NF >= 9 { printf "%s ", $9 }' "$PROC_STAT")$(date +%s.%N)"
}

steal_since() {
	local now
	now=$(steal_mark)
	awk -v a="$1" -v b="$now" -v hz="$(getconf CLK_TCK)" 'BEGIN {
		n = split(a, x, " "); m = split(b, y, " ")
		if (n != m || n < 2) { print "steal: ?"; exit }
		t = y[m] - x[n]
		if (t <= 0) { print "steal: ?"; exit }
		s = "steal:"
		for (i = 1; i < n; i++)
			s = s sprintf("%s core %d %.1f%%", i > 1 ? "," : "", i - 1,
			    (y[i] - x[i]) / hz / t * 100)
		print s
	}'
}

steal_over() {
	echo "$1" | awk -v max="$2" '{
		over = 0
		for (i = 1; i < NF; i++)
			if ($i == "core" && ($(i + 1) == "0" || $(i + 1) == "1")) {
				v = $(i + 2); sub(/[%,]+$/, "", v)
				if (v + 0 > max + 0) over = 1
			}
		exit !over
	}'
}

steal_wait() {
	local label=$1 start sm waited quiet=0 n=0
	start=$(date +%s.%N)
	while awk -v a="$start" -v b="$(date +%s.%N)" -v w="$STEAL_WAIT" \
	    -v d="$BENCH_WAITED" -v t="$STEAL_WAIT_TOTAL" \
	    'BEGIN { exit !(b - a < w && d + b - a < t) }'; do
		sm=$(steal_mark)
		sleep "$STEAL_WINDOW"
		n=$((n + 1))
		steal_over "$(steal_since "$sm")" "$STEAL_MAX" || { quiet=1; break; }
	done
	waited=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	BENCH_WAITED=$(awk -v d="$BENCH_WAITED" -v w="$waited" 'BEGIN { print d + w }')
	if [ $quiet = 1 ]; then
		printf '%s waited %s s for %s s of the host'"'"'s steal at most %s%%\n' \
		    "$label" "$waited" "$STEAL_WINDOW" "$STEAL_MAX"
	else
		printf '%s waited %s s (%d windows of %s s), the host never quiet: the wait'"'"'s limit\n' \
		    "$label" "$waited" "$n" "$STEAL_WINDOW"
	fi
}

bench_round() {
	local label=$1 t sm who
	shift
	for ((t = 1; ; t++)); do
		sm=$(steal_mark)
		BENCH_OUT=$("$@" 2>&1)
		BENCH_STEAL=$(steal_since "$sm")
		if [ "$t" -lt "$STEAL_TRIES" ] && steal_over "$BENCH_STEAL" "$STEAL_MAX" &&
		    awk -v d="$BENCH_WAITED" -v t="$STEAL_WAIT_TOTAL" 'BEGIN { exit !(d < t) }'; then
			printf '%s (not counted, the host'"'"'s steal over %s%%: measured again) %s %s\n' \
			    "$label" "$STEAL_MAX" "$BENCH_OUT" "$BENCH_STEAL"
			BENCH_REPEATS=$((BENCH_REPEATS + 1))
			who=$(echo "$label" | awk '{ w = $NF; sub(/:$/, "", w); print w }')
			BENCH_REPEATS_BY[$who]=$((${BENCH_REPEATS_BY[$who]:-0} + 1))
			steal_wait "$label"
			continue
		fi
		return 0
	done
}

bench_repeats_by() {
	local who
	[ ${#BENCH_REPEATS_BY[@]} -gt 0 ] || return 0
	echo " ($(for who in "${!BENCH_REPEATS_BY[@]}"; do
		echo "$who ${BENCH_REPEATS_BY[$who]}"
	done | sort | paste -sd, - | sed 's/,/, /g'))"
}

bench_round_lat() {
	local STEAL_MAX=$STEAL_MAX_LAT
	bench_round "$@"
}

# Below the kernel's ephemeral range, as tests/system/lib.sh's free_port:
# a client binds its source port in that range, and with SO_REUSEPORT
# (dig does) the kernel may give it a server's port, dnsbld's among them
# (its UDP sockets share their port, see dnsbld(8)); dig's query then comes
# back to dig itself, "query response not set" (seen once in a bench run
# of 2026-12-03, and made again with dig -b 127.0.0.1#PORT).
bench_ports() {
	$PY - "$1" <<'PY'
import random, socket, sys
want, out = int(sys.argv[1]), []
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    lo = 32768
hi = min(lo, 60000) - 1 if lo > 21000 else 60000
for _ in range(10000):
    if len(out) == want:
        break
    p = random.randint(20000, hi)
    try:
        for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, typ)
            s.bind(("127.0.0.1", p))
            s.close()
        if p not in out:
            out.append(p)
    except OSError:
        pass
print(*out)
PY
}

bench_ips() {
	$PY - "$1" "$2" <<'PY'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(42)
ips = set()
while len(ips) < n:
    a = rnd.randrange(1, 224)
    if a in (10, 127):
        continue
    ips.add((a << 24) | rnd.getrandbits(24))
with open(out, "w") as f:
    for v in ips:
        f.write("%d.%d.%d.%d\n" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255))
PY
}

# udp_receive_buffer 0: the system's receive buffer, as the floor has.
# With dnsbld's default (1M) the capped runs measure the buffers, not
# the cost of a query: dnsperf keeps a window of queries outstanding, a
# buffer that holds all of them loses none, while the floor loses some
# 8,800 a round and dnsperf's window waits on them (docs/performance.md,
# run F).
bench_yaml() {
	cat >"$1" <<YAML
database: $2
user: root
listen: [$3]
workers: 1
udp_receive_buffer: 0
rrl: {enabled: false}
zones:
  - name: relays.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    a: 127.0.0.2
    txt: "Open relay \$ see http://www.relays.example/lookup?ip=\$"
    transfer:
      allow: [127.0.0.1]
YAML
}

bench_import() {
	"$BUILD/loader" -c "$1" import --format lines "$2" >/dev/null ||
	    { echo "loader import of $2 failed"; return 1; }
}

bench_export() {
	"$BUILD/loader" -c "$1" export --format rbldnsd -o "$2/v4.txt" &&
	"$BUILD/loader" -c "$1" export --format rbldnsd --family 6 -o "$2/v6.txt" ||
	    { echo "loader export to $2 failed"; return 1; }
}

bench_cost() {
	make -s "$BUILD/libdnsbld.a" "$BUILD/libdnsbl.a" >/dev/null &&
	cc -O2 -g -D_GNU_SOURCE -Ilib -Idnsbld \
	    $(pkg-config --cflags ldns lmdb yaml-0.1 libcrypto) \
	    -o "$2" "tests/bench/$1.c" "$BUILD/libdnsbld.a" "$BUILD/libdnsbl.a" \
	    $(pkg-config --libs ldns lmdb yaml-0.1 libcrypto libmicrohttpd) -lpthread
}
