#!/usr/bin/env bash
# tests/bench/import.sh -- the loader's bulk paths at 1M addresses:
# importing a lines file into an empty database, importing it again (every
# address reconfirmed), and exporting in each format.  Prints wall time,
# and what the store holds per address.  The import of 10M lines, a goal,
# is timed by dnsbld.sh (its 10m set); here with N=10000000.
#   N=1000000 bash tests/bench/import.sh
#   BENCH_QUICK=1 bash tests/bench/import.sh   (N=20000)
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
if [ "${BENCH_QUICK:-0}" = 1 ]; then N=${N:-20000}; else N=${N:-1000000}; fi
T=$(mktemp -d /tmp/dnsbl-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
ROOT=$PWD
. tests/bench/lib.sh

bench_ips "$N" "$T/ips.txt"	# in no order, as a real feed
cat >"$T/dnsbl.yaml" <<YAML
database: $T/db
# The tests run as root in a private directory: stay root.
user: root
listen: [127.0.0.1@53]
zones:
  - name: relays.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    txt: "Open relay \$ - see https://relays.example/lookup?ip=\$"
YAML
L() { "$BUILD/loader" -c "$T/dnsbl.yaml" "$@"; }
secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null || echo "failed: $*"; e=$(date +%s.%N); echo "$e - $s" | bc; }

t=$(secs L import --format lines "$T/ips.txt")
printf 'import %d addresses, empty database: %.2f s (%.0f addresses/s)\n' "$N" "$t" "$(echo "$N / $t" | bc -l)"
if command -v mdb_stat >/dev/null; then
	# Pages in use per environment (data.mdb keeps its high-water size).
	for e in meta serve; do
		p=$(mdb_stat -e "$T/db/$e" | awk '/Number of pages used/{print $5}')
		printf '  %s: %d pages in use, %.0f bytes per address\n' "$e" "$p" "$(echo "$p * 4096 / $N" | bc -l)"
	done
fi
# A bare address is tested "now", and a result no newer than the stored
# one is stale: start the second import in a later second, or a quick run
# would time the stale path instead of reconfirmation.
sleep 1.1
t=$(secs L import --format lines "$T/ips.txt")
printf 'import them again (all reconfirmed):   %.2f s\n' "$t"
L stats | sed 's/^/  /'
for f in zone rbldnsd lines; do
	t=$(secs L export --format $f -o "$T/out.$f")
	printf 'export --format %-8s %.2f s, %s bytes\n' "$f" "$t" "$(stat -c %s "$T/out.$f")"
done

# Feeds that share a long key prefix must sort in O(n log n): 160k shuffled
# addresses of one IPv6 /64, and 40k results for one address in shuffled
# time order.  (Before the full-key sort, 160k of one /64 took 77 s.)
/usr/bin/python3 - "$T" <<'PY'
import datetime, random, sys
d = sys.argv[1]
r = random.Random(7)
ips = ["2001:db8:1:2:%x:%x:%x:%x" % tuple(r.getrandbits(16) for _ in range(4))
       for _ in range(160000)]
with open(d + "/one64.txt", "w") as f:
    f.write("\n".join(ips) + "\n")
now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
ts = [now - 86400 + i for i in range(40000)]
r.shuffle(ts)
with open(d + "/oneaddr.txt", "w") as f:
    for t in ts:
        f.write("192.0.2.99 %s %s\n" % (r.choice(["open", "closed"]),
                datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
                .strftime("%Y-%m-%dT%H:%M:%SZ")))
PY
t=$(secs L import --format lines "$T/one64.txt")
printf 'import 160000 shuffled addresses of one IPv6 /64: %.2f s\n' "$t"
t=$(secs L import --format lines "$T/oneaddr.txt")
printf 'import 40000 results of one address, time shuffled: %.2f s\n' "$t"
