#!/usr/bin/env bash
# t_dnsbld_metrics.sh -- dnsbld's Prometheus endpoint (metrics: ADDR@PORT)
# scraped by a real Prometheus: a known mix of queries (statscheck.py send:
# UDP and TCP, listed A and TXT, NXDOMAIN, NODATA, ANY, BADVERS, REFUSED for
# a foreign zone, FORMERR, an AXFR), then Prometheus scrapes every second
# and its HTTP API must give, for each counter, exactly the number sent;
# the serial gauge must be dig's.  The page passes promtool's lint; other
# paths are 404 and other methods 405.  Then hostile HTTP (junk, a huge
# header, a flood of connections, idle ones): dnsbld answers DNS and
# /metrics throughout, and Prometheus goes on scraping.
source "$(dirname "$0")/lib.sh"
sc() { $PY "$ROOT/tests/system/statscheck.py" "$@"; }
Z=relays.example
command -v prometheus >/dev/null || { ok 0 "# SKIP prometheus not installed"; done_testing; exit 0; }
MP=$(free_port)
PP=$(free_port)
while [ "$PP" = "$MP" ] || [ "$PP" = "$PORT" ] || [ "$MP" = "$PORT" ]; do PP=$(free_port); MP=$(free_port); done
URL=http://127.0.0.1:$MP/metrics

write_config "control: $T/control.sock
metrics: 127.0.0.1@$MP"
loader list 192.0.2.1 >/dev/null
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
loader server stats --json >"$T/base.json"
check "the mix of queries, each with its rcode" -- sc send $PORT $Z 192.0.2.1 "$T/want.json" --times 2
t_end=$(date +%s.%N)

curl -s -D "$T/h" -o "$T/page" "$URL"; ok $? "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/h"; ok $? "... as the text exposition format 0.0.4"
check "promtool lints the page" -- sh -c "promtool check metrics <'$T/page'"
grep -q '^# TYPE dnsbl_queries_total counter$' "$T/page" && grep -q '^# HELP dnsbl_zone_serial ' "$T/page"
ok $? "HELP and TYPE lines"
is "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$MP/)" 404 "GET /: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$MP/metrics/x)" 404 "GET /metrics/x: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x=1 $URL)" 405 "POST: 405"
is "$(curl -s -o /dev/null -w '%{http_code}' -I $URL)" 200 "HEAD: 200"

cat >"$T/prom.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: dnsbl
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['127.0.0.1:$MP']
YAML
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address=127.0.0.1:$PP >"$T/prom.log" 2>&1 &
PROM=$!
trap 'kill $PROM 2>/dev/null; wait $PROM 2>/dev/null; cleanup' EXIT
PURL=http://127.0.0.1:$PP
# A scrape after the traffic: the sample's own time is past t_end.
scraped() {
	$PY - "$PURL" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
try:
    u = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": "timestamp(dnsbl_uptime_seconds)"})
    r = json.load(urllib.request.urlopen(u, timeout=5))["data"]["result"]
    sys.exit(0 if r and float(r[0]["value"][1]) > float(sys.argv[2]) else 1)
except Exception:
    sys.exit(1)
PY
}
for i in $(seq 1 240); do scraped "$t_end" && break; sleep 0.5; done
scraped "$t_end"; ok $? "Prometheus scraped dnsbld after the traffic (${i} waits)"
check "Prometheus has exactly the counts sent" -- sc prom "$PURL" "$T/want.json" "$T/base.json"
check "up{job=dnsbl} is 1, the serial gauge is dig's, the memory index current" -- $PY - "$PURL" "$(dig +short -p $PORT @127.0.0.1 $Z SOA | awk '{print $3}')" <<'PY'
import json, sys, urllib.parse, urllib.request
def q(expr):
    u = sys.argv[1] + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    r = json.load(urllib.request.urlopen(u, timeout=5))["data"]["result"]
    assert len(r) == 1, (expr, r)
    return float(r[0]["value"][1])
assert q('up{job="dnsbl"}') == 1
assert q('dnsbl_zone_serial{zone="relays.example"}') == float(sys.argv[2]), "serial"
assert q("dnsbl_uptime_seconds") >= 0 and q("dnsbl_store_bytes") > 0
assert q("dnsbl_workers") >= 1 and q("dnsbl_last_reload_timestamp_seconds") == 0
assert q("dnsbl_memory_index_current") == 1, "memory index current"
assert q("dnsbl_memory_index_builds_total") >= 1 and q("dnsbl_memory_index_bytes") >= 262144
PY

# Hostile HTTP.
check "junk, a huge header, 60 connections, idle ones: /metrics still served" -- $PY - 127.0.0.1 $MP <<'PY'
import os, socket, sys, threading, urllib.request
host, port = sys.argv[1], int(sys.argv[2])
def raw(data, read=True):
    s = socket.create_connection((host, port), timeout=15)
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while read:
            c = s.recv(65536)
            if not c:
                break
            out += c
        return out
    except OSError:		# the server may close first: that is fine
        return b""
    finally:
        s.close()
raw(os.urandom(4096))
raw(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n")
raw(b"\x00" * 1000 + b"\r\n\r\n")
raw(b"GET " + b"/" * 100000 + b" HTTP/1.1\r\n\r\n")
out = raw(b"BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
idle = []
for _ in range(20):
    try:
        idle.append(socket.create_connection((host, port), timeout=5))
    except OSError:
        pass
def get():
    try:
        raw(b"GET /metrics HTTP/1.0\r\n\r\n")
    except OSError:
        pass
ts = [threading.Thread(target=get) for _ in range(60)]
for t in ts: t.start()
for t in ts: t.join()
for s in idle:
    s.close()
# Once the attack's connections are gone (the server may take a moment to
# reap them; its per-client limit counts them till then), /metrics is
# served again: try for up to 30 s.
import time
body, last = b"", None
for _ in range(30):
    try:
        body = urllib.request.urlopen("http://%s:%d/metrics" % (host, port), timeout=10).read()
        break
    except OSError as e:
        last = e
        time.sleep(1)
assert b"dnsbl_queries_total" in body, last
PY
is "$(dig +short -p $PORT @127.0.0.1 1.2.0.192.$Z A)" "127.0.0.2" "DNS still answered"
t2=$(date +%s.%N)
for i in $(seq 1 120); do scraped "$t2" && break; sleep 0.5; done
scraped "$t2"; ok $? "Prometheus still scrapes dnsbld"
kill -0 "$DNSBLD_PID"; ok $? "still running"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
