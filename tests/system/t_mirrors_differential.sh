#!/usr/bin/env bash
# t_mirrors_differential.sh -- every mirror answers what dnsbld answers.
#
# A random store (seeded from the clock, the seed printed; replay with
# DNSBL_SEED=N): host and CIDR listings of both families, many with
# single-digit labels (CIDRs in 1.0.0.0-9.255.255.255 of /8 to /30) next to
# IPv6 listings under 2000::/4, nested listings with other codes, long and
# quoted TXTs, exclusions and delistings (tests/system/mirrorcheck.py).
# dnsbld serves it; NSD and Knot pull it by zone transfer, BIND with TSIG;
# rbldnsd loads `loader export --format rbldnsd`.  Then 5000 random
# addresses of both families, half on the edges of listings, are asked for
# A and TXT of every server: rcode and A must be dnsbld's, and TXT too but
# for the documented differences (a wildcard's TXT names its block;
# rbldnsd keeps 255 bytes).  A difference prints the dig command that
# shows it.
source "$(dirname "$0")/lib.sh"
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
M() { $PY "$ROOT/tests/system/mirrorcheck.py" "$@"; }
Z=relays.example
K1=c2VjcmV0LWtleS1vbmUtZm9yLXRoZS10ZXN0cy0xMjM=
SEED=${DNSBL_SEED:-$(date +%s)}
echo "# seed $SEED (replay: DNSBL_SEED=$SEED bash $0)"
for cmd in nsd knotd named rbldnsd; do
	command -v $cmd >/dev/null || [ -x /usr/sbin/$cmd ] ||
	    { echo "1..0 # SKIP $cmd not installed"; exit 0; }
done
ports=" $PORT "
newport() { local p; p=$(free_port); while [[ "$ports" == *" $p "* ]]; do p=$(free_port); done; ports+="$p "; echo $p; }
NSDPORT=$(newport); KNOTPORT=$(newport); BINDPORT=$(newport); RBLPORT=$(newport)
SEC_PIDS=()
stop_servers() {
	local p
	for p in "${SEC_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	SEC_PIDS=()
}
trap 'stop_servers; cleanup' EXIT

LONG=$(printf 'R%.0s' $(seq 1 2990))
cat >"$T/dnsbl.yaml" <<YAML
database: $T/db
# The tests run as root in a private directory: stay root.
user: root
listen: [127.0.0.1@$PORT]
rrl: {exempt: [127.0.0.1]}	# thousands of compared queries, not a flood
keys:
  - {name: k1, algorithm: hmac-sha256, secret: $K1}
zones:
  - name: $Z
    ttl: 2100
    soa: {mname: ns1.$Z, rname: hostmaster.$Z, refresh: 3600, retry: 600, expire: 604800, minimum: 300}
    ns: [ns1.$Z]
    glue:
      - {name: ns1.$Z, address: 127.0.0.1}
    a: 127.0.0.2
    txt: "Listed \$ see https://relays.example/lookup?ip=\$"
    codes:
      relay: {a: 127.0.0.3, txt: "$LONG \$"}
      multi: {a: 127.0.0.5}
      quoted: {a: 127.0.0.6, txt: "quote \\" back \\\\ semi ; hash # colon : paren ( ) \\u00e9 \$ end"}
    transfer:
      allow: [127.0.0.0/8]
    notify: [127.0.0.1@$NSDPORT, 127.0.0.1@$KNOTPORT, 127.0.0.1@$BINDPORT]
YAML
loader check-config >/dev/null; ok $? "the config is valid"
M gen "$SEED" "$T" | tee "$T/gen.out"
( source "$T/cmds.sh" ) 2>"$T/cmds.err"; st=$?
ok $st "the random listings are made"
[ $st -eq 0 ] || sed 's/^/#   /' "$T/cmds.err" | head
loader stats | sed 's/^/# /'
serial() { loader stats --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["serial"])'; }

mkdir -p "$T/nsd" "$T/knot" "$T/bind"
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
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: $Z
  zonefile: "$Z.zone"
  request-xfr: 127.0.0.1@$PORT NOKEY
  allow-notify: 127.0.0.1 NOKEY
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
remote:
  - id: primary
    address: 127.0.0.1@$PORT
    via: 127.0.0.3
acl:
  - id: notify
    address: 127.0.0.1
    action: notify
template:
  - id: default
    storage: $T/knot
    zonefile-sync: -1
    zonefile-load: none
zone:
  - domain: $Z
    master: primary
    acl: notify
CONF
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
  query-source address 127.0.0.4;
};
controls { };
key "k1" { algorithm hmac-sha256; secret "$K1"; };
server 127.0.0.1 { keys { "k1"; }; };
zone "$Z" {
  type secondary;
  file "$Z.db";
  primaries port $PORT { 127.0.0.1 key "k1"; };
  allow-notify { key "k1"; 127.0.0.1; };
};
CONF

start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/log" 2>&1 &
SEC_PIDS+=($!)
knotd -c "$T/knot/knot.conf" >"$T/knot/log" 2>&1 &
SEC_PIDS+=($!)
named -g -c "$T/bind/named.conf" -u "$(id -un)" >"$T/bind/log" 2>&1 &
SEC_PIDS+=($!)

# rbldnsd, from the exports (it will not run as root: files for nobody).
loader export --format rbldnsd --cut-txt -o "$T/rbl4" 2>"$T/export.err" &&
loader export --format rbldnsd --cut-txt --family 6 -o "$T/rbl6" 2>>"$T/export.err"
ok $? "export --format rbldnsd --cut-txt, IPv4 and IPv6"
sed 's/^/# /' "$T/export.err"
chmod 755 "$T"; chmod 644 "$T/rbl4" "$T/rbl6"
ruser=(); [ "$(id -u)" -eq 0 ] && ruser=(-u nobody)
rbldnsd -n "${ruser[@]}" -b "127.0.0.1/$RBLPORT" -w "$T" \
	$Z:ip4set:rbl4 $Z:ip6trie:rbl6 >"$T/rbldnsd.log" 2>&1 &
SEC_PIDS+=($!)

want=$(serial)
ready=0
for p in $NSDPORT $KNOTPORT $BINDPORT; do
	X wait $p $Z "$want" 60 && ready=$((ready + 1))
done
is "$ready" 3 "NSD, Knot and BIND hold serial $want"
grep -q "AXFR $Z serial $want to 127.0.0.4 (TSIG)" "$T/dnsbld.log"; ok $? "BIND's transfer was signed"
for i in $(seq 1 50); do
	dig +time=1 +tries=1 -p $RBLPORT @127.0.0.1 $Z SOA >/dev/null 2>&1 && break
	sleep 0.2
done
grep -qiE 'invalid|error' "$T/rbldnsd.log"; [ $? -ne 0 ]; ok $? "rbldnsd read every line of the exports"
grep -E 'transfer|AXFR' "$T/dnsbld.log" | sed 's/^/# /' | head -n 5

M compare "$SEED" "$T" 5000 $Z dnsbld=$PORT nsd=$NSDPORT knot=$KNOTPORT \
	bind=$BINDPORT rbldnsd=$RBLPORT >"$T/cmp.out" 2>&1
st=$?
grep -E '^(COMPARED|PASS|FAIL)|^#' "$T/cmp.out" | head -n 60
ok $st "5000 random addresses: NSD, Knot, BIND and rbldnsd answer as dnsbld (seed $SEED)"
stop_servers
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
