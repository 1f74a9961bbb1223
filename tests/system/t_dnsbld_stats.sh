#!/usr/bin/env bash
# t_dnsbld_stats.sh -- dnsbld's counters (stats.h), read through the control
# socket: a fixed mix of queries (UDP and TCP; listed, NXDOMAIN, NODATA,
# ANY, BADVERS, REFUSED for a foreign zone, FORMERR, an AXFR), each checked
# for its rcode, must leave exactly the counts it implies, per zone, with
# the foreign and malformed ones under the pseudo-zone "-".  The counts
# survive reloads by zone name: a config that reorders the zones and adds
# one, and going back to one that drops it (its counts stay).  A UDP flood
# from four threads while the counters are read and SIGHUP swaps configs:
# every reading grows, and the end count is the number sent.  NOTIFYs to
# a listener (which leaves the first unanswered) are counted as sent, one
# for each the listener saw, and none failed.  Run under
# `make TSAN=1` too: the readers sum the per-thread blocks while the
# workers write them.
source "$(dirname "$0")/lib.sh"
sc() { $PY "$ROOT/tests/system/statscheck.py" "$@"; }
Z=relays.example
SOCK=$T/control.sock

cfg() {	# cfg FILE ZONES...
	local f=$1 z
	shift
	{
		echo "database: $T/db"
		echo "user: root"
		echo "listen: [127.0.0.1@$PORT]"
		echo "control: $SOCK"
		echo "rrl: {enabled: false}"
		echo "zones:"
		for z in "$@"; do
			echo "  - name: $z"
			echo "    soa: {mname: ns1.$z, rname: hostmaster.$z}"
			echo "    ns: [ns1.$z]"
			echo "    a: 127.0.0.2"
			echo "    transfer: {allow: [127.0.0.0/8]}"
			[ -n "${NOTIFY:-}" ] && [ "$z" = "$Z" ] &&
			    echo "    notify: [127.0.0.1@$NOTIFY]"
		done
	} >"$f"
}
cfg "$T/a.yaml" $Z b.example
cfg "$T/b.yaml" b.example c.example $Z
for z in $Z b.example c.example; do
	"$LOADER" -c "$T/b.yaml" list --zone $z 192.0.2.1 >/dev/null
done
ok $? "listings in three zones"
cp "$T/a.yaml" "$T/dnsbl.yaml"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

stats() { loader server stats --json >"$T/stats.json"; }
reloads() { loader server status --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["reloads"])'; }
hup_wait() {	# hup_wait N: SIGHUP, then wait until N reloads are recorded
	kill -HUP "$DNSBLD_PID"
	local i
	for i in $(seq 1 100); do
		[ "$(reloads)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# start_dnsbld's own SOA queries are counted: what follows is measured
# from here.
loader server stats --json >"$T/base.json"
$PY -c 'import json,sys; z={e["name"]:e for e in json.load(open(sys.argv[1]))["zones"]}
sys.exit(0 if z["relays.example"]["answers"]["apex"] >= 1 and z["-"]["queries"]["udp"] == 0 else 1)' "$T/base.json"
ok $? "the start-up SOA probe counted as an apex answer, nothing under -"

check "the mix, twice over, in $Z" -- sc send $PORT $Z 192.0.2.1 "$T/want.json" --times 2
check "the mix in b.example" -- sc send $PORT b.example 192.0.2.1 "$T/want.json"
stats; check "stats: exactly the counts sent, per zone and outcome" -- sc compare "$T/want.json" "$T/stats.json" "$T/base.json"

hup_wait 1; ok $? "SIGHUP: a reload recorded"
stats; check "the counts survive a reload" -- sc compare "$T/want.json" "$T/stats.json" "$T/base.json"

cp "$T/b.yaml" "$T/dnsbl.yaml"
hup_wait 2; ok $? "reload to a config that reorders the zones and adds c.example"
check "the mix again in $Z" -- sc send $PORT $Z 192.0.2.1 "$T/want.json"
check "the mix in c.example" -- sc send $PORT c.example 192.0.2.1 "$T/want.json"
stats; check "counts follow the zone names across the reorder" -- sc compare "$T/want.json" "$T/stats.json" "$T/base.json"

cp "$T/a.yaml" "$T/dnsbl.yaml"
hup_wait 3; ok $? "reload to a config without c.example"
stats; check "a dropped zone keeps its counts" -- sc compare "$T/want.json" "$T/stats.json" "$T/base.json"
check "c.example is now REFUSED, counted under -" -- $PY - $PORT <<'PY'
import socket, sys, dns.message, dns.rcode
q = dns.message.make_query("1.2.0.192.c.example", "A")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(q.to_wire(), ("127.0.0.1", int(sys.argv[1])))
sys.exit(0 if dns.message.from_wire(s.recv(4096)).rcode() == dns.rcode.REFUSED else 1)
PY
$PY - "$T/want.json" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
for k in ("-|queries.udp", "-|qtypes.A", "-|answers.refused"):
    w[k] = w.get(k, 0) + 1
json.dump(w, open(sys.argv[1], "w"))
PY
stats; check "... and counted there" -- sc compare "$T/want.json" "$T/stats.json" "$T/base.json"

# The flood, read while it runs, with reloads flipping the config.
udp_of() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"]["queries"]["udp"])' "$1"; }
stats; before=$(udp_of "$T/stats.json")
sc flood $PORT $Z 192.0.2.1 20000 4 >"$T/flood.out" &
fp=$!
prev=$before grew=0 shrank=0 n=3
for i in $(seq 1 20); do
	if [ $((i % 5)) -eq 0 ]; then
		if [ $((i % 10)) -eq 0 ]; then cp "$T/a.yaml" "$T/dnsbl.yaml"; else cp "$T/b.yaml" "$T/dnsbl.yaml"; fi
		n=$((n + 1)); hup_wait $n || echo "# reload $n not seen"
	fi
	stats; cur=$(udp_of "$T/stats.json")
	[ "$cur" -lt "$prev" ] && shrank=$((shrank + 1))
	[ "$cur" -gt "$prev" ] && grew=$((grew + 1))
	prev=$cur
	sleep 0.1
done
wait $fp
answered=$(cat "$T/flood.out")
is "$answered" 20000 "the flood: every query answered"
is "$shrank" 0 "read during the flood and reloads: the count never went down"
[ "$grew" -gt 0 ]; ok $? "... and it grew while read ($grew of 20 readings)"
stats; after=$(udp_of "$T/stats.json")
is "$((after - before))" 20000 "the flood: exactly 20000 UDP queries counted"
check "the per-zone counts before the flood still hold" -- $PY - "$T/want.json" "$T/stats.json" "$T/base.json" <<'PY'
import json, sys
w, s, b = (json.load(open(a)) for a in sys.argv[1:4])
z = {e["name"]: e for e in s["zones"]}
bz = {e["name"]: e for e in b["zones"]}
def val(d, zone, key):
    v = d.get(zone, {})
    for p in key.split("."):
        v = v.get(p, 0) if isinstance(v, dict) else 0
    return v
# The flood only adds listed A queries of relays.example over UDP.
for k, v in w.items():
    zone, key = k.split("|", 1)
    got = val(z, zone, key) - val(bz, zone, key)
    if zone == "relays.example" and key in ("queries.udp", "qtypes.A", "answers.listed"):
        v += 20000
    if got != v:
        print(zone, key, got, v); sys.exit(1)
PY
# NOTIFY: a listener in place of a secondary, for relays.example.
L=$(free_port)
while [ "$L" = "$PORT" ]; do L=$(free_port); done
$PY "$ROOT/tests/system/xfrcheck.py" listen $L 12 --ignore 1 >"$T/l.out" 2>&1 &
lp=$!
for i in $(seq 1 100); do grep -q ready "$T/l.out" 2>/dev/null && break; sleep 0.1; done
stats; cp "$T/stats.json" "$T/before-notify.json"
NOTIFY=$L cfg "$T/n.yaml" $Z b.example
cp "$T/n.yaml" "$T/dnsbl.yaml"
n=$((n + 1)); hup_wait $n; ok $? "reload to a config that notifies 127.0.0.1@$L"
sleep 3
"$LOADER" -c "$T/n.yaml" list --zone $Z 192.0.2.77 >/dev/null
wait $lp
seen=$(grep -c "opcode=4" "$T/l.out")
sed 's/^/# listener: /' "$T/l.out"
[ "$seen" -ge 2 ]; ok $? "the listener saw the NOTIFYs ($seen: the first ignored, so sent again)"
stats
check "NOTIFY: as many counted sent as the listener saw, none failed" -- $PY - "$T/stats.json" "$T/before-notify.json" "$seen" <<'PY'
import json, sys
now, before = (json.load(open(a)) for a in sys.argv[1:3])
def n(s, k):
    return sum(z["notify"][k] for z in s["zones"] if z["name"] == "relays.example")
sent, failed = n(now, "sent") - n(before, "sent"), n(now, "failed") - n(before, "failed")
print("sent", sent, "failed", failed)
sys.exit(0 if sent == int(sys.argv[3]) and failed == 0 else 1)
PY
kill -0 "$DNSBLD_PID"; ok $? "still running"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
