#!/usr/bin/env bash
# t_xfr_secondaries.sh -- real secondaries on loopback: NSD and Knot, each
# a slave of dnsbld for two zones, relays.example without TSIG and
# signed.example with an hmac-sha256 key (transfers and NOTIFY signed).
# They pull the zones by AXFR at start.  Then the loader lists and delists
# addresses: dnsbld's NOTIFY reaches them, they pull by IXFR (dnsbld's log
# says so per secondary: NSD transfers from 127.0.0.2, Knot from 127.0.0.3),
# and for the same names (listed host, CIDR member, delisted, unlisted,
# IPv6, the RFC 5782 test entries) both answer as dnsbld does.
source "$(dirname "$0")/lib.sh"
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example S=signed.example
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
NSDPORT=$(free_port)
KNOTPORT=$(free_port)
while [ "$KNOTPORT" = "$NSDPORT" ] || [ "$KNOTPORT" = "$PORT" ]; do KNOTPORT=$(free_port); done
SEC_PIDS=()
stop_secondaries() {
	local p
	for p in "${SEC_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	SEC_PIDS=()
}
trap 'stop_secondaries; cleanup' EXIT

for cmd in nsd knotd; do
	command -v $cmd >/dev/null || [ -x /usr/sbin/$cmd ] ||
	    { echo "1..0 # SKIP $cmd not installed"; exit 0; }
done

write_config "    notify: [127.0.0.1@$NSDPORT, 127.0.0.1@$KNOTPORT]"
cat >>"$T/dnsbl.yaml" <<YAML
  - name: $S
    ttl: 900
    soa: {mname: ns1.$S, rname: hostmaster.$S, refresh: 3600, retry: 600, expire: 604800, minimum: 300}
    ns: [ns1.$S]
    glue:
      - {name: ns1.$S, address: 192.0.2.53}
    a: 127.0.0.4
    txt: "Signed \$"
    transfer:
      allow: [127.0.0.0/8]
      keys: [k1]
    notify: [127.0.0.1@$NSDPORT, 127.0.0.1@$KNOTPORT]
keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}
YAML
for z in $Z $S; do
	loader list --zone $z 192.0.2.1 192.0.2.2 198.51.100.0/24 2001:db8::1 \
	    2001:db8:1::/48 >/dev/null || break
	loader list --zone $z 10.20.30.40 --code 127.0.0.3 --txt 'own $' >/dev/null || break
done
ok $? "listings made"
serial() { loader stats --json | $PY -c 'import json,sys
for z in json.load(sys.stdin)["zones"]:
    if z["zone"] == sys.argv[1]: print(z["serial"])' "$1"; }

mkdir -p "$T/nsd" "$T/knot"
cat >"$T/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSDPORT
  port: $NSDPORT
  username: ""
  chroot: ""
  pidfile: "$T/nsd/nsd.pid"
  zonesdir: "$T/nsd"
  xfrdfile: "$T/nsd/xfrd.state"
  zonelistfile: "$T/nsd/zone.list"
  database: ""
  verbosity: 2
remote-control:
  control-enable: no
key:
  name: k1
  algorithm: hmac-sha256
  secret: "$K1"
zone:
  name: $Z
  zonefile: "$Z.zone"
  request-xfr: 127.0.0.1@$PORT NOKEY
  allow-notify: 127.0.0.1 NOKEY
  outgoing-interface: 127.0.0.2
zone:
  name: $S
  zonefile: "$S.zone"
  request-xfr: 127.0.0.1@$PORT k1
  allow-notify: 127.0.0.1 k1
  outgoing-interface: 127.0.0.2
CONF
cat >"$T/knot/knot.conf" <<CONF
server:
  listen: 127.0.0.1@$KNOTPORT
  rundir: $T/knot
log:
  - target: stderr
    any: info
database:
  storage: $T/knot
key:
  - id: k1
    algorithm: hmac-sha256
    secret: $K1
remote:
  - id: plain
    address: 127.0.0.1@$PORT
    via: 127.0.0.3
  - id: signed
    address: 127.0.0.1@$PORT
    via: 127.0.0.3
    key: k1
acl:
  - id: notify_plain
    address: 127.0.0.1
    action: notify
  - id: notify_signed
    address: 127.0.0.1
    key: k1
    action: notify
template:
  - id: default
    storage: $T/knot
    zonefile-sync: -1
    zonefile-load: none
    journal-content: changes
zone:
  - domain: $Z
    master: plain
    acl: notify_plain
  - domain: $S
    master: signed
    acl: notify_signed
CONF

start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/log" 2>&1 &
SEC_PIDS+=($!)
knotd -c "$T/knot/knot.conf" >"$T/knot/log" 2>&1 &
SEC_PIDS+=($!)
sleep 1
for p in "${SEC_PIDS[@]}"; do
	kill -0 $p 2>/dev/null || {
		ok 1 "NSD and Knot start"; sed 's/^/# /' "$T/nsd/log" "$T/knot/log" | head -n 20
		done_testing; exit 1; }
done

# wait_all: both secondaries at dnsbld's serial of both zones (<= 20 s each).
wait_all() {
	local z p rc=0
	for z in $Z $S; do
		for p in $NSDPORT $KNOTPORT; do
			X wait $p $z "$(serial $z)" 20 || rc=1
		done
	done
	return $rc
}
check "NSD and Knot pull both zones" -- wait_all
for z in $Z $S; do
	grep -q "AXFR $z serial $(serial $z) to 127.0.0.2" "$T/dnsbld.log"; ok $? "NSD pulled $z by AXFR"
	grep -q "AXFR $z serial $(serial $z) to 127.0.0.3" "$T/dnsbld.log"; ok $? "Knot pulled $z by AXFR"
done
grep -q "AXFR $S serial [0-9]* to 127.0.0.2 (TSIG)" "$T/dnsbld.log"; ok $? "NSD's transfer of $S was signed"
grep -q "AXFR $S serial [0-9]* to 127.0.0.3 (TSIG)" "$T/dnsbld.log"; ok $? "Knot's transfer of $S was signed"

rev6() { $PY -c 'import ipaddress,sys; print(".".join(reversed(ipaddress.ip_address(sys.argv[1]).exploded.replace(":", ""))))' "$1"; }
NAMES="1.2.0.192 2.2.0.192 3.2.0.192 40.30.20.10 41.30.20.10 77.100.51.198 0.100.51.198
255.100.51.198 1.101.51.198 2.0.0.127 1.0.0.127 9.9.9.9 9.113.0.203 200.113.0.203 3.2.1.10
$(rev6 2001:db8::1) $(rev6 2001:db8::2) $(rev6 2001:db8:1::5) $(rev6 2001:db8:1:ffff::1)
$(rev6 2001:db8:5::1) $(rev6 ::ffff:127.0.0.2)"
compare() {	# compare TITLE: every name of both zones, A and TXT
	local z line n=0
	for z in $Z $S; do
		X compare $z $PORT,$NSDPORT,$KNOTPORT $NAMES >"$T/cmp.out" 2>&1
		ok $? "$1: $z: NSD and Knot answer as dnsbld"
		grep -q '^PASS' "$T/cmp.out"; ok $? "$1: $z: the comparison ran"
		grep '^FAIL' "$T/cmp.out" | sed 's/^/# /' | head -n 10
	done
}
compare "after AXFR"

# Changes: a listing, a CIDR, a delisting, a code change, an IPv6 /48.
for z in $Z $S; do
	loader list --zone $z 10.1.2.3 203.0.113.0/25 2001:db8:5::/48 >/dev/null &&
	loader delist --zone $z 192.0.2.1 198.51.100.0/24 >/dev/null &&
	loader list --zone $z 192.0.2.2 --code 127.0.0.5 --txt 'changed $' >/dev/null || break
done
ok $? "lists and delists made"
check "NOTIFY reaches NSD and Knot; they catch up" -- wait_all
for z in $Z $S; do
	sz=$(serial $z)
	grep -q "NOTIFY $z serial $sz to 127.0.0.1@$NSDPORT: answered" "$T/dnsbld.log"; ok $? "NSD answered the NOTIFY of $z serial $sz"
	grep -q "NOTIFY $z serial $sz to 127.0.0.1@$KNOTPORT: answered" "$T/dnsbld.log"; ok $? "Knot answered the NOTIFY of $z serial $sz"
	grep -q "IXFR incremental $z serial $sz to 127.0.0.2" "$T/dnsbld.log"; ok $? "NSD pulled $z by IXFR"
	grep -q "IXFR incremental $z serial $sz to 127.0.0.3" "$T/dnsbld.log"; ok $? "Knot pulled $z by IXFR"
done
grep -q "\[$Z.\] IXFR, incoming, remote 127.0.0.1@$PORT, finished" "$T/knot/log"; ok $? "Knot's log: IXFR of $Z finished"
grep -q "\[$S.\] IXFR, incoming, remote 127.0.0.1@$PORT.*finished" "$T/knot/log"; ok $? "Knot's log: IXFR of $S finished"
! grep -qi "fallback to AXFR\|IXFR.*failed" "$T/knot/log" "$T/nsd/log"; ok $? "no IXFR failed or fell back"
compare "after IXFR"

# Coalescing: five commits in a row give at most a few NOTIFYs.
before=$(grep -c "NOTIFY $Z serial" "$T/dnsbld.log")
for i in 1 2 3 4 5; do loader list 10.9.9.$i >/dev/null; done
check "five more commits: the secondaries catch up" -- wait_all
after=$(grep -c "NOTIFY $Z serial" "$T/dnsbld.log")
[ $((after - before)) -le 6 ]; ok $? "five commits, $((after - before)) NOTIFY answers (at most one per second per secondary)"
compare "after five commits"

stop_secondaries
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
