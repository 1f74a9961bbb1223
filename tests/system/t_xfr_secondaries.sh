#!/usr/bin/env bash
# t_xfr_secondaries.sh -- real secondaries on loopback: NSD, Knot and BIND,
# each a secondary of dnsbld for two zones, relays.example without TSIG and
# signed.example with an hmac-sha256 key (transfers, SOA checks and NOTIFY
# signed).  They pull the zones by AXFR at start.  Then the loader lists
# and delists addresses: dnsbld's NOTIFY reaches them, they pull by IXFR
# (dnsbld's log says so per secondary: NSD transfers from 127.0.0.2, Knot
# from 127.0.0.3, BIND from 127.0.0.4), and for the same names (listed
# host, CIDR member, delisted, unlisted, IPv6, the RFC 5782 test entries,
# a 3000-byte TXT over TCP) all three answer as dnsbld does.  signed.example
# refreshes every 3 s: a few refresh cycles later no secondary has logged a
# TSIG or transfer error.  Last, a change of the config (the zone's txt, a
# code's txt, the SOA refresh) and `loader apply-config`: within 15 s every
# secondary answers with the new config, with no other step.
source "$(dirname "$0")/lib.sh"
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example S=signed.example
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
NSDPORT=$(free_port)
KNOTPORT=$(free_port)
while [ "$KNOTPORT" = "$NSDPORT" ] || [ "$KNOTPORT" = "$PORT" ]; do KNOTPORT=$(free_port); done
BINDPORT=$(free_port)
while [ "$BINDPORT" = "$NSDPORT" ] || [ "$BINDPORT" = "$KNOTPORT" ] || [ "$BINDPORT" = "$PORT" ]; do BINDPORT=$(free_port); done
SECPORTS="$NSDPORT $KNOTPORT $BINDPORT"
SEC_PIDS=()
stop_secondaries() {
	local p
	for p in "${SEC_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	SEC_PIDS=()
}
trap 'stop_secondaries; cleanup' EXIT

for cmd in nsd knotd named; do
	command -v $cmd >/dev/null || [ -x /usr/sbin/$cmd ] ||
	    { echo "1..0 # SKIP $cmd not installed"; exit 0; }
done

LONG=$(printf 'L%.0s' $(seq 1 2990))
write_config "    notify: [127.0.0.1@$NSDPORT, 127.0.0.1@$KNOTPORT, 127.0.0.1@$BINDPORT]
    codes:
      long: {a: 127.0.0.7, txt: \"$LONG \$\"}"
cat >>"$T/dnsbl.yaml" <<YAML
  - name: $S
    ttl: 900
    soa: {mname: ns1.$S, rname: hostmaster.$S, refresh: 3, retry: 2, expire: 604800, minimum: 300}
    ns: [ns1.$S]
    glue:
      - {name: ns1.$S, address: 192.0.2.53}
    a: 127.0.0.4
    txt: "Signed \$"
    transfer:
      allow: [127.0.0.0/8]
      keys: [k1]
    notify: [127.0.0.1@$NSDPORT, 127.0.0.1@$KNOTPORT, 127.0.0.1@$BINDPORT]
keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}
YAML
for z in $Z $S; do
	loader list --zone $z 192.0.2.1 192.0.2.2 198.51.100.0/24 2001:db8::1 \
	    2001:db8:1::/48 >/dev/null || break
	loader list --zone $z 10.20.30.40 --code 127.0.0.3 --txt 'own $' >/dev/null || break
done &&
loader list 10.20.30.41 --code long >/dev/null
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
  min-refresh-time: 1
  min-retry-time: 1
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
    refresh-min-interval: 2
    retry-min-interval: 2
zone:
  - domain: $Z
    master: plain
    acl: notify_plain
  - domain: $S
    master: signed
    acl: notify_signed
CONF

mkdir -p "$T/bind"
cat >"$T/bind/named.conf" <<CONF
options {
  directory "$T/bind";
  pid-file "$T/bind/named.pid";
  session-keyfile "$T/bind/session.key";
  listen-on port $BINDPORT { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  notify no;
  dnssec-validation no;
  transfer-source 127.0.0.4;
  notify-source 127.0.0.4;
  query-source address 127.0.0.4;
  min-refresh-time 1;
  min-retry-time 1;
};
controls { };
logging {
  channel all { stderr; severity info; print-time yes; print-category yes; };
  category default { all; };
  category xfer-in { all; };
  category notify { all; };
};
key "k1" { algorithm hmac-sha256; secret "$K1"; };
zone "$Z" {
  type secondary;
  file "$Z.db";
  primaries port $PORT { 127.0.0.1; };
  allow-notify { 127.0.0.1; };
};
zone "$S" {
  type secondary;
  file "$S.db";
  primaries port $PORT { 127.0.0.1 key "k1"; };
  allow-notify { key "k1"; };
};
CONF

start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/log" 2>&1 &
SEC_PIDS+=($!)
knotd -c "$T/knot/knot.conf" >"$T/knot/log" 2>&1 &
SEC_PIDS+=($!)
named -g -c "$T/bind/named.conf" -u "$(id -un)" >"$T/bind/log" 2>&1 &
SEC_PIDS+=($!)
sleep 1
for p in "${SEC_PIDS[@]}"; do
	kill -0 $p 2>/dev/null || {
		ok 1 "NSD, Knot and BIND start"; sed 's/^/# /' "$T/nsd/log" "$T/knot/log" "$T/bind/log" | tail -n 30
		done_testing; exit 1; }
done

# wait_all: every secondary at dnsbld's serial of both zones (<= 20 s each).
wait_all() {
	local z p rc=0
	for z in $Z $S; do
		for p in $SECPORTS; do
			X wait $p $z "$(serial $z)" 20 || rc=1
		done
	done
	return $rc
}
check "NSD, Knot and BIND pull both zones" -- wait_all
for z in $Z $S; do
	grep -q "AXFR $z serial $(serial $z) to 127.0.0.2" "$T/dnsbld.log"; ok $? "NSD pulled $z by AXFR"
	grep -q "AXFR $z serial $(serial $z) to 127.0.0.3" "$T/dnsbld.log"; ok $? "Knot pulled $z by AXFR"
	grep -q "AXFR $z serial $(serial $z) to 127.0.0.4" "$T/dnsbld.log"; ok $? "BIND pulled $z by AXFR"
done
grep -q "AXFR $S serial [0-9]* to 127.0.0.2 (TSIG)" "$T/dnsbld.log"; ok $? "NSD's transfer of $S was signed"
grep -q "AXFR $S serial [0-9]* to 127.0.0.3 (TSIG)" "$T/dnsbld.log"; ok $? "Knot's transfer of $S was signed"
grep -q "AXFR $S serial [0-9]* to 127.0.0.4 (TSIG)" "$T/dnsbld.log"; ok $? "BIND's transfer of $S was signed"
grep -q "Transfer status: success" "$T/bind/log"; ok $? "BIND's log: transfer succeeded"

rev6() { $PY -c 'import ipaddress,sys; print(".".join(reversed(ipaddress.ip_address(sys.argv[1]).exploded.replace(":", ""))))' "$1"; }
NAMES="1.2.0.192 2.2.0.192 3.2.0.192 40.30.20.10 41.30.20.10 77.100.51.198 0.100.51.198
255.100.51.198 1.101.51.198 2.0.0.127 1.0.0.127 9.9.9.9 9.113.0.203 200.113.0.203 3.2.1.10
$(rev6 2001:db8::1) $(rev6 2001:db8::2) $(rev6 2001:db8:1::5) $(rev6 2001:db8:1:ffff::1)
$(rev6 2001:db8:5::1) $(rev6 ::ffff:127.0.0.2)"
compare() {	# compare TITLE: every name of both zones, A and TXT
	local z line n=0
	for z in $Z $S; do
		X compare $z $PORT,$NSDPORT,$KNOTPORT,$BINDPORT $NAMES >"$T/cmp.out" 2>&1
		ok $? "$1: $z: NSD, Knot and BIND answer as dnsbld"
		grep -q '^PASS' "$T/cmp.out"; ok $? "$1: $z: the comparison ran"
		grep '^FAIL' "$T/cmp.out" | sed 's/^/# /' | head -n 10
	done
}
compare "after AXFR"
for p in $PORT $SECPORTS; do
	X txtlen $p 41.30.20.10.$Z 3002 --tcp --a 127.0.0.7 >"$T/txt.out" 2>&1
	ok $? "a 3000-byte TXT arrives whole over TCP from port $p"
	sed 's/^/# /' "$T/txt.out"
done

# Changes: a listing, a CIDR, a delisting, a code change, an IPv6 /48.
for z in $Z $S; do
	loader list --zone $z 10.1.2.3 203.0.113.0/25 2001:db8:5::/48 >/dev/null &&
	loader delist --zone $z 192.0.2.1 198.51.100.0/24 >/dev/null &&
	loader list --zone $z 192.0.2.2 --code 127.0.0.5 --txt 'changed $' >/dev/null || break
done
ok $? "lists and delists made"
check "NOTIFY reaches NSD and Knot; they catch up" -- wait_all
# logged PATTERN: in dnsbld's log within 10 s.  The NOTIFY of the last
# serial goes out at dnsbld's next look, up to a second after the commit,
# and a secondary may hold that serial before (by an earlier NOTIFY or its
# own refresh): wait_all returning does not mean it is logged yet.
logged() {
	local i
	for i in $(seq 1 100); do grep -q "$1" "$T/dnsbld.log" && return 0; sleep 0.1; done
	return 1
}
for z in $Z $S; do
	sz=$(serial $z)
	logged "NOTIFY $z serial $sz to 127.0.0.1@$NSDPORT: answered"; ok $? "NSD answered the NOTIFY of $z serial $sz"
	logged "NOTIFY $z serial $sz to 127.0.0.1@$KNOTPORT: answered"; ok $? "Knot answered the NOTIFY of $z serial $sz"
	logged "NOTIFY $z serial $sz to 127.0.0.1@$BINDPORT: answered"; ok $? "BIND answered the NOTIFY of $z serial $sz"
	logged "IXFR incremental $z serial $sz to 127.0.0.2"; ok $? "NSD pulled $z by IXFR"
	logged "IXFR incremental $z serial $sz to 127.0.0.3"; ok $? "Knot pulled $z by IXFR"
	logged "IXFR incremental $z serial $sz to 127.0.0.4"; ok $? "BIND pulled $z by IXFR"
done
# BIND logs an accepted NOTIFY as "serial N", "zone is up to date" (its own
# refresh came first) or "refresh in progress"; a TSIG failure or a refusal
# is logged otherwise and never as one of these.
grep -Eq "zone $S/IN: notify from 127.0.0.1#[0-9]+: (serial [0-9]+|zone is up to date)" "$T/bind/log"; ok $? "BIND's log: the signed NOTIFY accepted"
! grep -Eq "zone $S/IN: (refused notify|.*invalid signature|.*tsig.*fail)" "$T/bind/log"; ok $? "BIND's log: no NOTIFY refused, no TSIG failure"
grep -q "\[$Z.\] IXFR, incoming, remote 127.0.0.1@$PORT, finished" "$T/knot/log"; ok $? "Knot's log: IXFR of $Z finished"
grep -q "\[$S.\] IXFR, incoming, remote 127.0.0.1@$PORT.*finished" "$T/knot/log"; ok $? "Knot's log: IXFR of $S finished"
! grep -qi "fallback to AXFR\|IXFR.*failed" "$T/knot/log" "$T/nsd/log"; ok $? "no IXFR failed or fell back"
compare "after IXFR"

# Coalescing: five commits in a row give at most a few NOTIFYs.
before=$(grep -c "NOTIFY $Z serial" "$T/dnsbld.log")
c0=$(date +%s.%N)
for i in 1 2 3 4 5; do loader list 10.9.9.$i >/dev/null; done
c1=$(date +%s.%N)
check "five more commits: the secondaries catch up" -- wait_all
after=$(grep -c "NOTIFY $Z serial" "$T/dnsbld.log")
# dnsbld looks once a second: per secondary at most one NOTIFY per look
# while the commits went on and one after (2 when the loader is quick, as
# in t_xfr_notify.sh; a loaded machine spreads the commits over more looks).
most=$($PY -c 'import sys; print(3 * min(5, int(float(sys.argv[2]) - float(sys.argv[1])) + 2))' "$c0" "$c1")
[ $((after - before)) -le "$most" ]; ok $? "five commits, $((after - before)) NOTIFY answers (coalesced: at most $most, one per second per secondary)"
compare "after five commits"

# Refresh cycles: signed.example refreshes every 3 s, by signed SOA checks.
sleep 8
# NSD on a loaded machine may log "soa serial N update failed, restarting
# transfer" when its own reload of one transfer is still running as the
# next one arrives; it transfers again, and the comparisons above and
# below show it converges.  That one line is NSD's, not a transfer error.
bad=$(grep -iE "fail|error|refused|no usable master|expected a TSIG|bad ?key|badsig|badtime|not signed|unsigned|SERVFAIL|timed out|retry" \
    "$T/bind/log" "$T/knot/log" "$T/nsd/log" | grep -v "built with" |
    grep -vE "xfrd: zone [a-z.]+: soa serial [0-9]+ update failed, restarting transfer \(notified zone\)$")
[ -z "$bad" ]; ok $? "refresh cycles: no TSIG or transfer error in the secondaries' logs"
[ -z "$bad" ] || echo "$bad" | head -n 10 | sed 's/^/#   /'
grep -qE "$S.*(serial [0-9]+.*up to date|zone is up-to-date|zone up-to-date)" "$T/bind/log" "$T/knot/log" 2>/dev/null ||
    grep -q "IXFR up to date $S" "$T/dnsbld.log"
ok $? "the secondaries refreshed $S (up to date) by signed SOA checks"

# A change of the config, and the one documented step.
cp "$T/dnsbl.yaml" "$T/dnsbl.yaml.old"
sed -i -e 's|txt: "Open relay \$ - see https://relays.example/lookup?ip=\$"|txt: "Changed relay \$"|' \
    -e "s|refresh: 3600, retry: 600|refresh: 3599, retry: 600|" \
    -e 's|long: {a: 127.0.0.7, txt: "|long: {a: 127.0.0.8, txt: "New |' "$T/dnsbl.yaml"
! cmp -s "$T/dnsbl.yaml" "$T/dnsbl.yaml.old"; ok $? "the config changed: zone txt, a code's a and txt, SOA refresh"
loader apply-config >"$T/apply.out" 2>&1; ok $? "loader apply-config"
sed 's/^/# /' "$T/apply.out"
grep -q "$Z: config applied: serial" "$T/apply.out"; ok $? "apply-config raised the serial of $Z"
grep -q "$S: config unchanged" "$T/apply.out"; ok $? "and left $S alone"
t0=$(date +%s)
converged() {
	local p
	for p in $SECPORTS; do X wait $p $Z "$(serial $Z)" 15 || return 1; done
}
check "every secondary reaches the new serial within 15 s" -- converged
for p in $PORT $SECPORTS; do
	got=$(dig +short +norec -p $p @127.0.0.1 $Z SOA | awk '{print $4}')
	is "$got" 3599 "port $p: SOA refresh 3599"
	got=$(dig +short +norec -p $p @127.0.0.1 3.2.1.10.$Z TXT)
	is "$got" '"Changed relay 10.1.2.3"' "port $p: the zone's new txt"
	X txtlen $p 41.30.20.10.$Z 3006 --tcp --prefix "New " --a 127.0.0.8 >"$T/txt.out" 2>&1
	ok $? "port $p: the code's new a and txt (whole, over TCP)"
	sed 's/^/# /' "$T/txt.out"
done
t1=$(date +%s)
[ $((t1 - t0)) -le 15 ]; ok $? "converged in $((t1 - t0)) s"
grep -q "AXFR $Z serial $(serial $Z) to 127.0.0.2\|IXFR as AXFR (journal too short) $Z serial $(serial $Z) to 127.0.0.2" "$T/dnsbld.log"
ok $? "NSD got the whole zone after the change"
compare "after apply-config"

stop_secondaries
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
