#!/usr/bin/env bash
# t_dnsbld_tcp_attack.sh -- hostile TCP clients cannot starve transfers,
# TCP service or UDP service, and cannot flood the log.
#
# Transfer starvation: 16 connections from 127.0.1.2, outside
# transfer.allow, each pipeline from 200 to 1200 ANY queries and an AXFR
# and never read.  The allowed secondary (127.0.0.1) still transfers the
# zone; a SIGHUP and a SIGTERM take effect at once while they hold on, and UDP
# answers go on through SIGHUPs (the gap is printed).  50 refused AXFRs
# from one client write one line, and a summary at exit.  A client gets at
# most transfer_per_client transfers at once.
#
# Slowloris: 256 connections from 32 networks send one byte a second,
# reconnecting when closed, while a client sends a TCP query every second
# for 40 s: it is answered.  tcp_per_client caps one network's connections.
# run.sh timeout: 600
source "$(dirname "$0")/lib.sh"
A() { $PY "$ROOT/tests/system/tcpattack.py" "$@"; }
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example
write_config
sed -i "s|      allow: \[127.0.0.0/8\]|      allow: [127.0.0.1/32, 127.0.3.0/24]|" "$T/dnsbl.yaml"
loader list 192.0.2.1 >/dev/null
# 80k listings: an AXFR of about 8 MB, more than the kernel buffers of a
# connection hold, so a transfer nobody reads stays running.
$PY -c '
for i in range(80000): print("10.%d.%d.%d" % (9 + i // 40000, i // 200 % 200, i % 200))' >"$T/ips.txt"
loader import --format lines "$T/ips.txt" >/dev/null; ok $? "listings made"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

# ---- transfer starvation ----
A starve $PORT $Z 127.0.1.2 --conns 16 --queries 200,1200 --secs 60 >"$T/starve.out" 2>&1 &
SP=$!
sleep 2
check "under starvation: the allowed secondary transfers the zone" -- \
	X xfr $PORT $Z --source 127.0.0.1 --rcode NOERROR --kind full
grep -q "AXFR $Z to 127.0.1.2: refused" "$T/dnsbld.log"
ok $? "the starving client's AXFR refused before it was queued, and logged"

# Reloads while they hold on: UDP goes on being answered.
A udpgap $PORT 1.2.0.192.$Z --secs 8 >"$T/gap.out" 2>&1 &
GP=$!
for i in 1 2 3; do sleep 2; kill -HUP "$DNSBLD_PID"; done
wait $GP
read -r _ sent _ answered _ gap <"$T/gap.out"
echo "# UDP through 3 SIGHUPs under starvation: sent $sent answered $answered, longest gap $gap ms"
[ "$answered" -ge $((sent * 99 / 100)) ]; ok $? "UDP answered through the reloads ($answered of $sent)"
for i in $(seq 1 100); do [ "$(grep -c 'reloaded' "$T/dnsbld.log")" -ge 3 ] && break; sleep 0.1; done
grep "reloaded" "$T/dnsbld.log" | sed 's/^/# /'
[ "$(grep -c 'UDP answered throughout' "$T/dnsbld.log")" -ge 3 ] && ! grep -q "answering paused" "$T/dnsbld.log"
ok $? "each reload swapped the config under the running UDP workers (the old code stopped them; before that, 80 s)"
check "after the reloads: the secondary still transfers" -- \
	X xfr $PORT $Z --source 127.0.0.1 --rcode NOERROR --kind full

# Log flooding: 50 refused AXFRs from one client, one line.
before=$(grep -c "to 127.0.2.5: refused" "$T/dnsbld.log")
for i in $(seq 1 50); do
	dig +tcp +tries=1 +time=3 -p $PORT @127.0.0.1 -b 127.0.2.5 $Z AXFR >/dev/null 2>&1
done
n=$(( $(grep -c "to 127.0.2.5: refused" "$T/dnsbld.log") - before ))
# One line a minute: two when the 50 straddle the turn of a minute.
[ "$n" -ge 1 ] && [ "$n" -le 2 ]
ok $? "50 refused AXFRs from one client: a line a minute ($n)"

# The per-client cap on transfers: 127.0.3.9 is allowed; it may have 2.
$PY - $PORT $Z <<'PY' >"$T/cap.out" 2>&1
import socket, struct, sys, time
import dns.message, dns.rcode
port, zone = int(sys.argv[1]), sys.argv[2]
socks = []
for i in range(4):
    s = socket.socket(); s.settimeout(10); s.bind(("127.0.3.9", 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    w = dns.message.make_query(zone, "AXFR").to_wire()
    s.sendall(struct.pack("!H", len(w)) + w)
    socks.append(s)
    time.sleep(0.3)
# The first two stream (and stall: nobody reads); the others are refused.
refused = 0
for s in socks[2:]:
    h = s.recv(2, socket.MSG_WAITALL)
    m = dns.message.from_wire(s.recv(struct.unpack("!H", h)[0], socket.MSG_WAITALL))
    refused += m.rcode() == dns.rcode.REFUSED
print("refused", refused)
PY
is "$(cat "$T/cap.out")" "refused 2" "a third and fourth transfer from one client at once: REFUSED"

# SIGTERM while starving connections hold on: a prompt exit.
t0=$(date +%s)
kill -TERM "$DNSBLD_PID"
for i in $(seq 1 300); do kill -0 "$DNSBLD_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$DNSBLD_PID" 2>/dev/null; ok $? "SIGTERM under starvation: dnsbld exits within 30 s ($(( $(date +%s) - t0 )) s; the old code: 90 s)"
wait "$DNSBLD_PID"; ok $? "and exits 0"
DNSBLD_PID=
grep -Eq "transfer refused from 127.0.2.0/24: [0-9]+ more in the last [0-9]+ s" "$T/dnsbld.log"
ok $? "the repeated refusals are summarized"
kill $SP 2>/dev/null; wait $SP 2>/dev/null

# ---- slowloris ----
start_dnsbld || { ok 1 "dnsbld starts again"; done_testing; exit 1; }
srcs=$(seq -s, -f "127.0.%g.1" 10 41)
A slowloris $PORT --srcs "$srcs" --per 8 --secs 45 >"$T/slow.out" 2>&1 &
LP=$!
sleep 3
A legit $PORT 1.2.0.192.$Z --count 40 --interval 1 --tries 3 >"$T/legit.out" 2>&1
wait $LP
sed 's/^/# slowloris: /' "$T/slow.out"
read -r _ first _ answered _ count <"$T/legit.out"
echo "# legitimate TCP client under slowloris: $first of $count answered at the first try, $answered in 3"
is "$answered" 40 "under slowloris, every legitimate TCP query is answered"
[ "$first" -ge 36 ]; ok $? "and at least 36 of 40 at the first try ($first)"
grep -q "closed_by_server [1-9]" "$T/slow.out"; ok $? "slow connections are closed by the server"
grep -Eq "sent [0-9]+ bytes of a query in 5 s \(tcp_query_timeout\)" "$T/dnsbld.log"
ok $? "and that is logged"
c=$(grep -c "tcp_query_timeout" "$T/dnsbld.log")
[ "$c" -le 64 ]; ok $? "a line per network and minute, not per connection ($c lines for 32 networks)"

# tcp_per_client: 20 connections from one network, 16 kept.
is "$(A limit $PORT --src 127.0.60.1 --conns 20)" "kept 16 of 20" "tcp_per_client caps one network at 16"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
