# tests/system/lib.sh -- shared by the system tests (sourced, not run).
#
# Each test gets a private temporary directory ($T) removed on exit, a
# config ($T/dnsbl.yaml) on a free loopback port ($PORT), and TAP helpers.
# Only loopback addresses are ever used.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
BIN=$ROOT/$BUILD
LOADER=$BIN/loader
DNSBLD=$BIN/dnsbld
PY=/usr/bin/python3
T=$(mktemp -d /tmp/dnsbl-test.XXXXXX)
TAP_N=0
TAP_FAILED=0
DNSBLD_PID=
WEB_PID=

cleanup() {
	[ -n "$DNSBLD_PID" ] && kill "$DNSBLD_PID" 2>/dev/null && wait "$DNSBLD_PID" 2>/dev/null
	[ -n "$WEB_PID" ] && kill "$WEB_PID" 2>/dev/null && wait "$WEB_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

ok() {	# ok STATUS NAME...: STATUS 0 passes
	local st=$1; shift
	TAP_N=$((TAP_N + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $TAP_N - $*"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $*"
	fi
}

check() {	# check NAME -- COMMAND...: passes when COMMAND exits 0
	local name=$1; shift; [ "$1" = "--" ] && shift
	"$@" >"$T/check.out" 2>&1
	local st=$?
	ok $st "$name"
	[ $st -ne 0 ] && sed 's/^/#   /' "$T/check.out" | head -n 30
	return $st
}

is() {	# is GOT WANT NAME...
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then ok 0 "$*"; else
		ok 1 "$*"; printf '#   got:  %s\n#   want: %s\n' "$got" "$want"; fi
}

done_testing() {
	echo "1..$TAP_N"
	echo "# $((TAP_N - TAP_FAILED)) passed, $TAP_FAILED failed"
	[ "$TAP_FAILED" -eq 0 ]
}

free_port() {	# a port free for UDP and TCP on every address, IPv4 and IPv6
	# Below the kernel's ephemeral range, where no outbound connection
	# takes it; checked on the wildcard addresses, which conflict with a
	# socket bound to any one address (the CI machine's own included).
	$PY - <<'PY'
import socket, random
try:
    lo = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    lo = 32768
hi = min(lo, 60000) - 1 if lo > 21000 else 60000
for _ in range(400):
    p = random.randint(20000, hi)
    try:
        for fam, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            for typ in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(fam, typ)
                try:
                    if fam == socket.AF_INET6:
                        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                    s.bind((host, p))
                finally:
                    s.close()
        print(p); break
    except OSError:
        continue
PY
}

PORT=$(free_port)

# write_config [EXTRA_ZONE_YAML]: the standard test config, one zone.
write_config() {
	cat >"$T/dnsbl.yaml" <<YAML
database: $T/db
$(case "${1:-}" in *"
user:"*|"user:"*) ;; *) printf '%s\n%s' "# The tests run as root in a private directory: stay root." "user: root" ;; esac)
listen:
  - 127.0.0.1@$PORT
  - "::1@$PORT"
zones:
  - name: relays.example
    ttl: 2100
    soa: {mname: ns1.relays.example, rname: hostmaster.relays.example, refresh: 3600, retry: 600, expire: 604800, minimum: 300}
    ns: [ns1.relays.example, ns2.relays.example]
    a: 127.0.0.2
    txt: "Open relay \$ - see https://relays.example/lookup?ip=\$"
    transfer:
      allow: [127.0.0.0/8]
${1:-}
YAML
}

loader() { "$LOADER" -c "$T/dnsbl.yaml" "$@"; }

# db_digest: a digest of every key and value in the store, to prove that a
# refused command wrote nothing.
db_digest() {
	if [ ! -d "$T/db/meta" ]; then echo none; return; fi
	{ mdb_dump -a -p "$T/db/serve"; mdb_dump -a -p "$T/db/meta"; } \
	    2>/dev/null | sha256sum | cut -d' ' -f1
}

start_dnsbld() {	# start_dnsbld [ARGS]: foreground, wait until it answers
	"$DNSBLD" -c "$T/dnsbl.yaml" "$@" 2>"$T/dnsbld.log" &
	DNSBLD_PID=$!
	local i
	for i in $(seq 1 100); do
		if dig +time=1 +tries=1 -p "$PORT" @127.0.0.1 relays.example SOA >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$DNSBLD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# dnsbld did not start:"; sed 's/^/#   /' "$T/dnsbld.log"
	return 1
}

stop_dnsbld() {
	[ -n "$DNSBLD_PID" ] || return 0
	kill -TERM "$DNSBLD_PID" 2>/dev/null
	wait "$DNSBLD_PID" 2>/dev/null
	local rc=$?
	DNSBLD_PID=
	return $rc
}

# The web front end (dnsbl-loader web) on 127.0.0.1@$WPORT: write_config
# with web_yaml's section, then start_web.  $WEB is its base URL.
WPORT=$(free_port)
WEB=http://127.0.0.1:$WPORT
web_yaml() {	# web_yaml [EXTRA KEYS, indented two spaces]
	printf 'web:\n  listen: [127.0.0.1@%s]\n  public_url: %s\n%s\n' \
	    "$WPORT" "$WEB" "${1:-}"
}

start_web() {	# start_web [ARGS]: foreground, wait until it answers
	"$LOADER" -c "$T/dnsbl.yaml" web "$@" 2>>"$T/web.log" &
	WEB_PID=$!
	local i
	for i in $(seq 1 100); do
		curl -s -o /dev/null --max-time 2 "$WEB/" && return 0
		kill -0 "$WEB_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# dnsbl-loader web did not start:"; sed 's/^/#   /' "$T/web.log"
	return 1
}

stop_web() {
	[ -n "$WEB_PID" ] || return 0
	kill -TERM "$WEB_PID" 2>/dev/null
	wait "$WEB_PID" 2>/dev/null
	local rc=$?
	WEB_PID=
	return $rc
}
