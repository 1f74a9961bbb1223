#!/usr/bin/env bash
# t_dnsbld_rrl.sh -- response rate limiting of UDP answers, with the
# default limits (200 identical answers a second per /24, slip 2).  One
# address (127.0.9.9) floods one name at 5000 queries a second for 8 s
# while another, in another /24 (127.0.0.1), asks the same name 100 times
# a second: the flood's full answers stay within the limit, every second
# limited answer comes back as TC (each parsed by dnspython), the other
# client gets >= 99% of its answers, and TCP from the flooding address is
# answered in full.  An exempt address (127.0.5.5) is never limited, and
# dnsbld's counters (logged at SIGHUP, and the dropped answers in its
# statistics) agree with what the clients saw.
# With rrl disabled the same flood is answered in full.
source "$(dirname "$0")/lib.sh"
rc() { $PY "$ROOT/tests/system/rrlcheck.py" "$@"; }
Z=relays.example
N=2.0.0.127.$Z
write_config
cat >>"$T/dnsbl.yaml" <<YAML
rrl:
  exempt: [127.0.5.5, "::1"]
control: $T/control.sock
YAML
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
grep -q "rrl: per /24 (IPv4), /56 (IPv6): 200 answers/s, 1000 NXDOMAIN/s, 200 errors/s (0: no limit), slip 2, 2 exempt; table 128 KiB" "$T/dnsbld.log"
ok $? "on by default: the limits logged at start"

check "a flood from 127.0.9.9 is limited, 127.0.0.1 is not" -- \
	rc flood $PORT $N --src 127.0.9.9 --good 127.0.0.1 --limit 200 --slip 2
sed 's/^/  /' "$T/check.out"
grep -q "rrl: limiting answers to 127.0.9.0/24: $N. type 1, 200/s" "$T/dnsbld.log"
ok $? "the start of the limiting is logged, with the network and the name"

hup() {	# hup: SIGHUP, and wait until the reload is done
	local n
	n=$(grep -c "reloaded" "$T/dnsbld.log")
	kill -HUP "$DNSBLD_PID"
	for i in $(seq 1 100); do
		[ "$(grep -c "reloaded" "$T/dnsbld.log")" -gt "$n" ] && break
		sleep 0.1
	done
}
counts() {	# counts: "DROPPED SLIPPED", logged at a SIGHUP
	hup
	grep "rrl: since start" "$T/dnsbld.log" | tail -n 1 |
	    sed 's/.*since start \([0-9]*\) UDP answers dropped, \([0-9]*\) slipped.*/\1 \2/'
}
read -r d1 s1 < <(counts)
sent=$(sed -n 's/.*# counts: sent=\([0-9]*\) full=\([0-9]*\) tc=\([0-9]*\).*/\1/p' "$T/check.out")
full=$(sed -n 's/.*# counts: sent=\([0-9]*\) full=\([0-9]*\) tc=\([0-9]*\).*/\2/p' "$T/check.out")
tc=$(sed -n 's/.*# counts: sent=\([0-9]*\) full=\([0-9]*\) tc=\([0-9]*\).*/\3/p' "$T/check.out")
echo "# dnsbld counted $d1 dropped, $s1 slipped; the flood saw $tc TC of $sent sent, $full full"
[ -n "$s1" ] && [ "$s1" -ge "$tc" ] && [ "$s1" -le $((tc + tc / 10 + 10)) ]
ok $? "dnsbld's slipped count matches the TC answers received"
[ -n "$d1" ] && [ $((d1 + s1 + full)) -le "$sent" ] && [ $((d1 + s1 + full)) -ge $((sent * 9 / 10)) ]
ok $? "dropped + slipped + answered account for the queries sent"
# The statistics count each dropped answer as dropped, not as sent.
sd=$(loader --json server stats | $PY -c 'import json, sys; print(json.load(sys.stdin)["total"]["answers"]["dropped"])')
is "$sd" "$d1" "the statistics' dropped answers are the limiter's"

check "an exempt address is never limited" -- \
	rc exempt $PORT $N --src 127.0.5.5 --count 5000 --limit 200
sed 's/^/  /' "$T/check.out"
read -r d2 s2 < <(counts)
is "$d2 $s2" "$d1 $s1" "the exempt flood added nothing to the counters"

# rrl off: the same flood, every answer full.
sed -i 's/^rrl:$/rrl:\n  enabled: false/' "$T/dnsbl.yaml"
hup
grep -q "rrl: off; UDP answers are not rate limited" "$T/dnsbld.log"
ok $? "enabled: false, after SIGHUP: off"
check "with rrl off the flood is answered in full" -- \
	rc exempt $PORT $N --src 127.0.9.9 --count 5000 --limit 200
sed 's/^/  /' "$T/check.out"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
