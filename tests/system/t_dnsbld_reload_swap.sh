#!/usr/bin/env bash
# t_dnsbld_reload_swap.sh -- SIGHUP swaps the config under running UDP
# workers.  Two configs name the same zones in another order, with other
# texts and codes, and the second adds a zone: while a client asks all of
# them over UDP without pause (loopback), the config flips 20 times.  Every
# answer, parsed by dnspython, must be one that config A or config B gives
# for that very name (a swap that mixed one config's zone numbers with the
# other's zones would answer one zone's text for another), none may be
# SERVFAIL, and the log must show every reload done without stopping the
# workers.  Then: a zone the read-only database does not hold yet makes the
# reload reopen the store (logged, with its pause); a config that names
# another database swaps to it; a bad config keeps the running one.
source "$(dirname "$0")/lib.sh"
Z=relays.example

cfg() {	# cfg FILE DB ZONES...: each zone NAME:A:TEXT
	local f=$1 db=$2 z name a txt
	shift 2
	{
		echo "database: $db"
		echo "user: root"
		echo "listen: [127.0.0.1@$PORT]"
		echo "rrl: {exempt: [127.0.0.0/8]}"
		echo "zones:"
		for z in "$@"; do
			IFS=: read -r name a txt <<<"$z"
			echo "  - name: $name"
			echo "    soa: {mname: ns1.$name, rname: hostmaster.$name}"
			echo "    ns: [ns1.$name]"
			echo "    a: $a"
			echo "    txt: \"$txt \$\""
		done
	} >"$f"
}
cfg "$T/a.yaml" "$T/db" "$Z:127.0.0.2:A-relays" "b.example:127.0.0.3:A-b"
cfg "$T/b.yaml" "$T/db" "b.example:127.0.0.4:B-b" "c.example:127.0.0.5:B-c" \
    "$Z:127.0.0.6:B-relays"
# The database holds every zone of B (the loader opens it read-write).
for z in $Z b.example c.example; do
	"$LOADER" -c "$T/b.yaml" list --zone $z 192.0.2.1 >/dev/null
done
ok $? "listings in three zones"
cp "$T/a.yaml" "$T/dnsbl.yaml"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

# The client: 3 names x (TXT, A), round robin, for as long as the flips go.
$PY - $PORT "$T/stop" >"$T/ask.out" 2>&1 <<'PY' &
import os, socket, sys, time
import dns.message, dns.rcode, dns.rdatatype
port, stopfile = int(sys.argv[1]), sys.argv[2]
zones = ["relays.example", "b.example", "c.example"]
ok = {	# what A or B answers, per (zone, type); None: REFUSED (not a zone)
    ("relays.example", "TXT"): {"A-relays 192.0.2.1", "B-relays 192.0.2.1"},
    ("relays.example", "A"): {"127.0.0.2", "127.0.0.6"},
    ("b.example", "TXT"): {"A-b 192.0.2.1", "B-b 192.0.2.1"},
    ("b.example", "A"): {"127.0.0.3", "127.0.0.4"},
    ("c.example", "TXT"): {"B-c 192.0.2.1", None},
    ("c.example", "A"): {"127.0.0.5", None},
}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
sent = answered = bad = 0
seen = set()
deadline = time.time() + 60		# a bound; the flips end it sooner
while time.time() < deadline and not os.path.exists(stopfile):
    for z in zones:
        for t in ("TXT", "A"):
            q = dns.message.make_query("1.2.0.192." + z, t)
            s.sendto(q.to_wire(), ("127.0.0.1", port))
            sent += 1
            try:
                r = dns.message.from_wire(s.recv(4096))
            except socket.timeout:
                continue
            answered += 1
            if r.rcode() == dns.rcode.REFUSED:
                got = None
            elif r.rcode() != dns.rcode.NOERROR or len(r.answer) != 1:
                got = "rcode %s, %d RRsets" % (dns.rcode.to_text(r.rcode()), len(r.answer))
            elif t == "TXT":
                got = b"".join(r.answer[0][0].strings).decode()
            else:
                got = r.answer[0][0].address
            seen.add((z, t, got))
            if got not in ok[(z, t)]:
                bad += 1
                if bad <= 10:
                    print("BAD %s %s: %r" % (z, t, got))
print("sent %d answered %d bad %d" % (sent, answered, bad))
for x in sorted(seen, key=repr):
    print("seen %s %s %r" % x)
PY
AP=$!
for i in $(seq 1 20); do
	if [ $((i % 2)) -eq 1 ]; then cp "$T/b.yaml" "$T/dnsbl.yaml"; else cp "$T/a.yaml" "$T/dnsbl.yaml"; fi
	n=$(grep -c "reloaded" "$T/dnsbld.log")
	kill -HUP "$DNSBLD_PID"
	for j in $(seq 1 100); do [ "$(grep -c "reloaded" "$T/dnsbld.log")" -gt "$n" ] && break; sleep 0.05; done
	sleep 0.2
done
touch "$T/stop"
wait $AP
sed -n 's/^/# /p' "$T/ask.out" | head -n 20
read -r _ sent _ answered _ bad < <(grep '^sent' "$T/ask.out")
[ -n "$bad" ] && [ "$bad" -eq 0 ]; ok $? "every answer through 20 flips is config A's or B's for its own name ($answered of $sent)"
[ -n "$answered" ] && [ "$answered" -ge $((sent * 99 / 100)) ]; ok $? "UDP answered through the flips ($answered of $sent)"
grep -q "seen b.example TXT 'A-b 192.0.2.1'" "$T/ask.out" && grep -q "seen b.example TXT 'B-b 192.0.2.1'" "$T/ask.out"
ok $? "both configs' answers were seen"
n=$(grep -c "UDP answered throughout" "$T/dnsbld.log")
# (One more when dnsbld notices that the store's applied zone configs are
# not the ones it runs, and reloads by itself: see notify.c.)
[ "$n" -ge 20 ] && ! grep -q "answering paused" "$T/dnsbld.log"
ok $? "20 reloads, each swapped under the running workers ($n logged)"

# A zone the database does not hold yet: the store is reopened.
cfg "$T/dnsbl.yaml" "$T/db" "$Z:127.0.0.2:A-relays" "new.example:127.0.0.7:N"
n=$(grep -c "reloaded" "$T/dnsbld.log")
kill -HUP "$DNSBLD_PID"
for j in $(seq 1 100); do [ "$(grep -c "reloaded" "$T/dnsbld.log")" -gt "$n" ] && break; sleep 0.05; done
grep -q "zone new.example is not in the database yet; reopening the store" "$T/dnsbld.log" &&
    grep -q "answering paused for [0-9.]* ms while the store reopened" "$T/dnsbld.log"
ok $? "a zone not in the database yet: the store reopened, the pause logged"
a=$(dig +short +tries=3 +time=2 -p $PORT @127.0.0.1 1.2.0.192.new.example A)
r=$(dig +tries=3 +time=2 -p $PORT @127.0.0.1 1.2.0.192.new.example A | grep -o "status: [A-Z]*")
[ -z "$a" ] && [ "$r" = "status: NXDOMAIN" ]; ok $? "the new zone answers, empty ($r)"
a=$(dig +short +tries=3 +time=2 -p $PORT @127.0.0.1 1.2.0.192.$Z TXT)
is "$a" '"A-relays 192.0.2.1"' "the other zone answers as before"

# Another database: swapped to, under the running workers.
cfg "$T/c.yaml" "$T/db2" "$Z:127.0.0.2:C-relays"
"$LOADER" -c "$T/c.yaml" list 192.0.2.7 >/dev/null
cp "$T/c.yaml" "$T/dnsbl.yaml"
n=$(grep -c "UDP answered throughout" "$T/dnsbld.log")
kill -HUP "$DNSBLD_PID"
for j in $(seq 1 100); do [ "$(grep -c "UDP answered throughout" "$T/dnsbld.log")" -gt "$n" ] && break; sleep 0.05; done
[ "$(grep -c "UDP answered throughout" "$T/dnsbld.log")" -gt "$n" ]; ok $? "another database: swapped"
a=$(dig +short +tries=3 +time=2 -p $PORT @127.0.0.1 7.2.0.192.$Z TXT)
b=$(dig +tries=3 +time=2 -p $PORT @127.0.0.1 1.2.0.192.$Z TXT | grep -o "status: [A-Z]*")
[ "$a" = '"C-relays 192.0.2.7"' ] && [ "$b" = "status: NXDOMAIN" ]
ok $? "answers come from the other database ($a; 192.0.2.1 $b)"
# ...and the loader's next commit there is answered at once.
"$LOADER" -c "$T/c.yaml" list 192.0.2.8 >/dev/null
a=$(dig +short +tries=3 +time=2 -p $PORT @127.0.0.1 8.2.0.192.$Z A)
is "$a" 127.0.0.2 "a commit to the new database is answered at once"

# A broken config: the running one stays.
echo "zones: [" >"$T/dnsbl.yaml"
kill -HUP "$DNSBLD_PID"
for j in $(seq 1 100); do grep -q "keeping the running config" "$T/dnsbld.log" && break; sleep 0.05; done
grep -q "keeping the running config" "$T/dnsbld.log"; ok $? "a broken config is refused, logged"
a=$(dig +short +tries=3 +time=2 -p $PORT @127.0.0.1 7.2.0.192.$Z TXT)
is "$a" '"C-relays 192.0.2.7"' "and the running config goes on answering"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
