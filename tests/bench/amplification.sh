#!/usr/bin/env bash
# tests/bench/amplification.sh -- the worst UDP amplification of dnsbld with
# the example configuration (zones/dnsbl.example.yaml, its database and
# port moved to a temporary directory and a free port) and the listings of
# `make demo` (192.0.2.1, 198.51.100.0/24, 2001:db8::/48), measured by
# amplification.py.  Then the same with one listing given its own TXT of
# 255 bytes (the most `loader list --txt` takes), to show what a long text costs.  Figures only.
#   bash tests/bench/amplification.sh
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/dnsbl-bench.XXXXXX)
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "s|^database: .*|database: $T/db|" -e "s|@5353|@$PORT|g" \
    zones/dnsbl.example.yaml >"$T/dnsbl.yaml"
# As root (the benches' usual case), stay root: the example's user dnsbl
# need not exist on this machine.
[ "$(id -u)" = 0 ] && echo "user: root" >>"$T/dnsbl.yaml"
L() { "$BUILD/loader" -c "$T/dnsbl.yaml" "$@"; }
L list 192.0.2.1 198.51.100.0/24 2001:db8::/48 --reason "quick-start example" >/dev/null ||
    { echo "loader list failed"; exit 1; }
"$BUILD/dnsbld" -c "$T/dnsbl.yaml" 2>"$T/dnsbld.log" &
DPID=$!
for i in $(seq 1 100); do
	dig +time=1 +tries=1 -p $PORT @127.0.0.1 relays.example SOA >/dev/null 2>&1 && break
	sleep 0.1
done
if ! kill -0 $DPID 2>/dev/null; then
	echo "bench amplification: dnsbld did not start: $(tail -n 1 "$T/dnsbld.log"); skipped"
	exit 0
fi
V6=$($PY -c "import ipaddress; print(ipaddress.ip_address('2001:db8::1').reverse_pointer.replace('.ip6.arpa', ''))")
echo "-- the example configuration"
$PY tests/bench/amplification.py $PORT relays.example \
    1.2.0.192.relays.example 7.100.51.198.relays.example 100.51.198.relays.example \
    $V6.relays.example
long=$(printf 'L%.0s' $(seq 1 255))
L list 192.0.2.9 --txt "$long" >/dev/null
echo "-- and one listing (192.0.2.9) with its own 255-byte TXT"
$PY tests/bench/amplification.py $PORT relays.example 9.2.0.192.relays.example | sed -n '1,4p;$p'
