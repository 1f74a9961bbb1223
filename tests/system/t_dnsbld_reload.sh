#!/usr/bin/env bash
# t_dnsbld_reload.sh -- dnsbld under steady load (dnsperf over UDP and over
# TCP, 8 seconds, rate-limited, loopback only) while the loader commits and
# SIGHUP reloads the config 15 times: nothing crashes, the TCP connections
# lose no query, UDP loses (almost) none, and each commit is answered.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example
command -v dnsperf >/dev/null || { ok 0 "# SKIP dnsperf not installed"; done_testing; exit 0; }

# The load comes from 127.0.0.1, asking a few names again and again: it is
# exempt from response rate limiting (t_dnsbld_rrl.sh tests that).
write_config
echo "rrl: {exempt: [127.0.0.1]}" >>"$T/dnsbl.yaml"
loader list 192.0.2.1 >/dev/null
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
printf '%s\n' "1.2.0.192.$Z A" "2.2.0.192.$Z TXT" "$Z SOA" "2.0.0.127.$Z ANY" "2.0.192.$Z A" >"$T/q.txt"
dnsperf -s 127.0.0.1 -p $PORT -d "$T/q.txt" -l 8 -c 4 -q 100 -Q 5000 >"$T/udp.out" 2>&1 &
up=$!
dnsperf -s 127.0.0.1 -p $PORT -d "$T/q.txt" -l 8 -c 2 -q 20 -Q 2000 -m tcp >"$T/tcp.out" 2>&1 &
tp=$!
sleep 0.5
bad=0
for i in $(seq 1 15); do
	kill -HUP "$DNSBLD_PID"
	loader list 198.51.100.$i >/dev/null || bad=$((bad + 1))
	dc q $PORT $i.100.51.198.$Z A --rcode NOERROR --a 127.0.0.2 >/dev/null || bad=$((bad + 1))
	sleep 0.3
done
is "$bad" 0 "15 commits, each answered at once during reloads"
wait $up; ok $? "dnsperf UDP ran"
wait $tp; ok $? "dnsperf TCP ran"
lost() { awk '/Queries lost/{print $3}' "$1"; }
sent() { awk '/Queries sent/{print $3}' "$1"; }
u=$(lost "$T/udp.out") us=$(sent "$T/udp.out") t=$(lost "$T/tcp.out") ts=$(sent "$T/tcp.out")
echo "# UDP: $us sent, $u lost; TCP: $ts sent, $t lost"
[ -n "$us" ] && [ "$us" -gt 1000 ] && [ "$u" -le $((us / 100)) ]; ok $? "UDP: under 1% lost ($u of $us)"
[ -n "$ts" ] && [ "$ts" -gt 100 ] && [ "$t" -eq 0 ]; ok $? "TCP: none lost over 15 reloads ($t of $ts)"
n=$(grep -c "reloaded" "$T/dnsbld.log")
[ "$n" -ge 1 ]; ok $? "reloads logged ($n)"
kill -0 "$DNSBLD_PID"; ok $? "still running"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
