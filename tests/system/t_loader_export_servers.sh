#!/usr/bin/env bash
# t_loader_export_servers.sh -- the exports loaded into real servers:
# --format zone into NSD, --format rbldnsd into rbldnsd (ip4set, and
# --family 6 as ip6trie), each on a free loopback port; for a set of
# addresses (listed host, inside a CIDR, a /32 of another code inside a
# /24, unlisted, IPv6, the RFC 5782 test entries with 127.0.0.0/8 listed)
# the server's rcode, A and TXT must agree with `loader show --json`.
source "$(dirname "$0")/lib.sh"

SERVER_PIDS=()
stop_servers() {
	local p
	for p in "${SERVER_PIDS[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	SERVER_PIDS=()
}
trap 'stop_servers; cleanup' EXIT

write_config
CMP=$ROOT/tests/system/data/loader_dnscompare.py

loader list 192.0.2.1 198.51.100.0/24 203.0.112.0/23 10.20.30.0/24 \
	2001:db8::1 2001:db8:1::/48 >/dev/null &&
loader list 10.20.30.40 --code 127.0.0.3 >/dev/null &&
loader list 2001:db8:1::5 --code 127.0.0.5 --txt 'v6 $ own' >/dev/null &&
loader list 127.0.0.0/8 --force --code 127.0.0.9 >/dev/null
ok $? "listings made"

V4="192.0.2.1 192.0.2.2 198.51.100.0 198.51.100.77 198.51.100.255 198.51.101.1
10.20.30.0 10.20.30.39 10.20.30.40 10.20.30.41 10.20.30.255 203.0.111.255
203.0.112.0 203.0.113.200 203.0.114.0 127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.255
127.1.2.3 127.255.255.255 8.8.8.8"
V6="2001:db8::1 2001:db8::2 2001:db8:1::5 2001:db8:1::4 2001:db8:1:2::3
2001:db8:1:ffff:ffff:ffff:ffff:ffff 2001:db8:2:: ::ffff:127.0.0.1 ::ffff:127.0.0.2"

# compare NAME MODE ADDR...: one TAP line per check the script makes.
compare() {
	local name=$1 mode=$2 line n=0; shift 2
	$PY "$CMP" "$mode" "$PORT" "$LOADER" "$T/dnsbl.yaml" relays.example "$@" >"$T/cmp.out" 2>&1
	ok $? "$name: the comparison script completed"
	while IFS= read -r line; do
		case $line in
		PASS\ *) ok 0 "$name: ${line#PASS }"; n=$((n + 1)) ;;
		FAIL\ *) ok 1 "$name: ${line#FAIL }"; n=$((n + 1)) ;;
		*) echo "# $line" ;;
		esac
	done <"$T/cmp.out"
	[ $n -gt 0 ]; ok $? "$name: the comparison ran"
}

# wait_dns PID: until the server answers the zone's SOA (at most 10 s).
wait_dns() {
	local i
	for i in $(seq 1 100); do
		dig +time=1 +tries=1 +norec -p "$PORT" @127.0.0.1 relays.example SOA 2>/dev/null |
			grep -q 'status: NOERROR' && return 0
		kill -0 "$1" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# ---- NSD ----
mkdir -p "$T/nsd"
loader export --format zone -o "$T/nsd/relays.example.zone"
ok $? "export --format zone"
cat >"$T/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$PORT
  port: $PORT
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
  name: relays.example
  zonefile: relays.example.zone
CONF
nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/log" 2>&1 &
SERVER_PIDS+=($!)
if wait_dns $!; then
	ok 0 "NSD serves the exported zone"
	serial=$(loader stats --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["zones"][0]["serial"])')
	is "$(dig +short -p "$PORT" @127.0.0.1 relays.example SOA | awk '{print $3}')" "$serial" "NSD's SOA serial is the store's"
	# Pinned blocks for the wildcard TXT: a /24 names itself, each half of
	# the /23 its own /24, addresses split around the /32 name themselves.
	compare NSD zone $V4 $V6 198.51.100.77=198.51.100.0/24 203.0.113.200=203.0.113.0/24 \
		203.0.112.0=203.0.112.0/24 10.20.30.41=. 10.20.30.39=. 10.20.30.255=. \
		127.1.2.3=127.1.0.0/16 127.255.255.255=127.255.0.0/16 2001:db8:1::4=. 2001:db8:1::5=. \
		2001:db8:1:2::3=2001:db8:1:2::/64 2001:db8:1:ffff:ffff:ffff:ffff:ffff=2001:db8:1:f000::/52
else
	ok 1 "NSD serves the exported zone"; sed 's/^/#   /' "$T/nsd/log"
fi
stop_servers

# ---- rbldnsd ----
loader export --format rbldnsd -o "$T/rbl4" &&
loader export --format rbldnsd --family 6 -o "$T/rbl6"
ok $? "export --format rbldnsd, --family 4 and 6"
# rbldnsd will not run as root: it reads the files as nobody.
chmod 755 "$T"; chmod 644 "$T/rbl4" "$T/rbl6"
ruser=(); [ "$(id -u)" -eq 0 ] && ruser=(-u nobody)
rbldnsd -n "${ruser[@]}" -b "127.0.0.1/$PORT" -w "$T" \
	relays.example:ip4set:rbl4 relays.example:ip6trie:rbl6 >"$T/rbldnsd.log" 2>&1 &
SERVER_PIDS+=($!)
if wait_dns $!; then
	ok 0 "rbldnsd serves the exports"
	grep -qiE 'invalid|error|warning: .*(line|file)' "$T/rbldnsd.log"; [ $? -ne 0 ]
	st=$?; ok $st "rbldnsd read every line of the exports"
	[ $st -eq 0 ] || sed 's/^/#   /' "$T/rbldnsd.log"
	compare rbldnsd exact $V4 $V6
else
	ok 1 "rbldnsd serves the exports"; sed 's/^/#   /' "$T/rbldnsd.log"
fi
stop_servers

done_testing
