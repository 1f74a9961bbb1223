#!/usr/bin/env bash
# tests/bench/web.sh -- the lookup page's throughput: lookups per second
# per core of dnsbl-loader web (one thread, pinned to core 0) with N
# entries in the store (default 1M), driven by wrk (Debian's) on core 1
# over loopback: the HTML page and the JSON API, half listed and half
# unlisted addresses.  Prints figures only: a timing never passes or fails.
#   N=1000000 SECS=10 SEED=1 bash tests/bench/web.sh
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
BUILD=${BUILD:-build}
N=${N:-1000000}
SECS=${SECS:-10}
SEED=${SEED:-1}
PY=/usr/bin/python3
for b in wrk taskset curl; do
	command -v $b >/dev/null || { echo "bench web: $b not installed; skipped"; exit 0; }
done
T=$(mktemp -d /tmp/dnsbl-bench.XXXXXX)
WPID=
cleanup() {
	[ -n "$WPID" ] && kill "$WPID" 2>/dev/null && wait "$WPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

echo "bench web: $N entries, seed $SEED"
$PY - "$N" "$SEED" "$T" <<'PY'
import random, sys
n, seed, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = random.Random(seed)
seen = set()
while len(seen) < n:
    seen.add(rng.randrange(0x0b000000, 0xdf000000))
addrs = sorted(seen)
with open(d + "/list.lines", "w") as f:
    for a in addrs:
        f.write("%d.%d.%d.%d open 2026-11-01T10:00:00Z\n" % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255))
sample = rng.sample(addrs, 500)
with open(d + "/paths.lua", "w") as f:
    f.write("local p = {\n")
    for i, a in enumerate(sample):
        if i % 2:
            a = (a + 1) if (a + 1) not in seen else (a + 3)
        f.write('"%d.%d.%d.%d",\n' % (a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255))
    f.write("}\nlocal i = 0\nlocal base = os.getenv('WEB_PATH')\n"
            "request = function()\n  i = i + 1\n"
            "  return wrk.format('GET', base .. p[i % #p + 1])\nend\n")
PY
cat >"$T/dnsbl.yaml" <<YAML
database: $T/db
user: root
map_size: 4G
zones:
  - name: relays.example
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example}
    ns: [ns1.relays.example]
    expire_after: 0
web:
  listen: [127.0.0.1@$PORT]
  threads: 1
  lookups_per_minute: 0
  max_connections: 1024
YAML
start=$(date +%s.%N)
"$ROOT/$BUILD/loader" -c "$T/dnsbl.yaml" import --format lines "$T/list.lines" >/dev/null ||
	{ echo "bench web: import failed"; exit 0; }
echo "import of $N entries: $(echo "$(date +%s.%N) - $start" | bc) s"
taskset -c 0 "$ROOT/$BUILD/loader" -c "$T/dnsbl.yaml" web 2>/dev/null &
WPID=$!
for i in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
for kind in "page /lookup?ip=" "json /api/v1/lookup?ip="; do
	set -- $kind
	out=$(WEB_PATH=$2 taskset -c 1 wrk -t1 -c16 -d"${SECS}s" -s "$T/paths.lua" \
	    "http://127.0.0.1:$PORT/" 2>&1)
	rps=$(echo "$out" | sed -n 's/^Requests\/sec: *//p')
	lat=$(echo "$out" | sed -n 's/^ *Latency *\([^ ]*\).*/\1/p')
	non2xx=$(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p')
	echo "web $1: ${rps:-?} lookups/s on one core (16 connections, mean latency ${lat:-?}${non2xx:+, non-2xx $non2xx})"
done
echo "web RSS: $(awk '/^VmRSS/{print $2, $3}' /proc/$WPID/status)"
