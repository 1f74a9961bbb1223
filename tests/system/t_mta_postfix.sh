#!/usr/bin/env bash
# t_mta_postfix.sh -- a real Postfix rejects a client that dnsbld lists,
# through a real Unbound resolver, and accepts one it does not: first with
# smtpd's reject_rbl_client, then with postscreen's DNSBL test; last, a
# delisting reaches Postfix once the resolver's cache and smtpd's own have
# let go of the listing.  The snippets in docs/operations.md ("Mail
# servers") are the ones used here.
#
#   dnsbld      127.0.0.1@$PORT, zone relays.example: 127.0.0.30 listed
#   unbound     $RESOLVER:53 (mta.sh), stub zone relays.example -> dnsbld
#   postfix     private instance in $T/pf (postfix -c), smtpd chrooted in
#               its queue directory, which has etc/resolv.conf naming
#               $RESOLVER; it listens on 127.0.0.1:$SMTP only
#   swaks       connects from 127.0.0.30 (listed) and 127.0.0.31 (not);
#               with smtpd, also from inside and outside a listed CIDR with
#               its own code and text, and from ::1 (listed) to [::1]:$SMTP
#
# Needs postfix, unbound and swaks (tests/packages.txt): fails without
# them.  The package's own Postfix instance and /etc are never touched;
# nothing leaves loopback.
# run.sh timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mta.sh"

need postconf postfix
need unbound unbound
need swaks swaks
if [ "$(id -u)" -ne 0 ] || ! getent passwd postfix >/dev/null; then
	echo "# needs root and the postfix user (the postfix package makes it)"
	ok 1 "root, with the postfix user"
	done_testing
	exit 1
fi

PF=$T/pf
PF_UP=
stop_postfix() {
	[ -n "$PF_UP" ] || return 0
	postfix -c "$PF/conf" stop >/dev/null 2>&1
	# The master waits for its children; give it a bounded while.
	local i pid
	pid=$(cat "$PF/queue/pid/master.pid" 2>/dev/null | tr -d ' ')
	for i in $(seq 1 100); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	PF_UP=
}
trap 'stop_postfix; stop_unbound; cleanup' EXIT
chmod 755 "$T"	# the postfix user works in the queue directory below

SMTP=$(free_port)
LISTED=127.0.0.30
CLEAN=127.0.0.31
# A short record TTL, so the delisting at the end reaches the resolver in
# seconds (the default template's 2100 s would do the same, slowly).
write_config
sed -i 's/^    ttl: 2100$/    ttl: 3/' "$T/dnsbl.yaml"
grep -q '^    ttl: 3$' "$T/dnsbl.yaml"; ok $? "the test zone's TTL is 3 s"
check "dnsbld starts" -- start_dnsbld
check "loader list $LISTED" -- loader list $LISTED --reason "mta test"
# A CIDR with its own code and a text with characters a reply must keep.
CIDR_TXT='Listed: "bad" relays; see <https://relays.example/x?a=1&b=2> (100% sure)'
check "loader list 127.0.0.40/30 with a code and text" -- \
    loader list 127.0.0.40/30 --code 127.0.0.4 --txt "$CIDR_TXT" --reason "mta test"
check "loader list ::1" -- loader list ::1 --reason "mta test"
is "$(dig +short -p "$PORT" @127.0.0.1 30.0.0.127.relays.example TXT)" \
    "\"Open relay $LISTED - see https://relays.example/lookup?ip=$LISTED\"" \
    "dnsbld: the listed client's TXT"

# --- the resolver -----------------------------------------------------------
check "unbound starts" -- start_unbound "	log-queries: yes"
echo "# resolver $RESOLVER:53, dnsbld 127.0.0.1@$PORT, smtpd 127.0.0.1:$SMTP"
is "$(rdig 30.0.0.127.relays.example A)" 127.0.0.2 "unbound: $LISTED is listed (A)"
is "$(rdig 30.0.0.127.relays.example TXT)" \
    "\"Open relay $LISTED - see https://relays.example/lookup?ip=$LISTED\"" \
    "unbound: $LISTED's TXT"
is "$(rstatus 31.0.0.127.relays.example A)" NXDOMAIN "unbound: $CLEAN is not listed"
is "$(rstatus www.example.com A)" NXDOMAIN \
    "unbound: any other name is answered locally (no root hints, no network)"

# --- Postfix ------------------------------------------------------------------
# pf_write MODE: main.cf and master.cf for MODE smtpd (reject_rbl_client)
# or postscreen.
pf_write() {
	local mode=$1
	mkdir -p "$PF/conf" "$PF/queue/etc" "$PF/data"
	chown postfix "$PF/data"
	# smtpd runs chrooted in the queue directory: its resolver reads
	# $PF/queue/etc/resolv.conf, which names Unbound only.
	printf 'nameserver %s\noptions attempts:3 timeout:5\n' "$RESOLVER" >"$PF/queue/etc/resolv.conf"
	printf 'hosts: files dns\n' >"$PF/queue/etc/nsswitch.conf"
	printf '127.0.0.1 localhost\n' >"$PF/queue/etc/hosts"
	# Debian's master.cf (the package's copy if /etc has none: a
	# "No configuration" install), never the host's main.cf.
	local m=/etc/postfix/master.cf
	[ -f "$m" ] || m=/usr/share/postfix/master.cf.dist
	cp "$m" "$PF/conf/master.cf"
	cat >"$PF/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
myhostname = mx.mta.test
mydomain = mta.test
myorigin = \$mydomain
mydestination = \$myhostname, mta.test
local_recipient_maps =
local_transport = discard
default_transport = discard
inet_interfaces = loopback-only
inet_protocols = all
mynetworks = 127.0.0.1/32
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps =
alias_database =
biff = no
smtpd_error_sleep_time = 0s
maillog_file = $PF/maillog
maillog_file_prefixes = $T
EOF
	# Every service unchrooted (the temp dir has no /etc for them) but
	# the ones that look up DNSBLs, which stay chrooted as Debian ships
	# them; no smtp on port 25: one listener on 127.0.0.1:$SMTP.
	postconf -c "$PF/conf" -F '*/*/chroot = n'
	postconf -c "$PF/conf" -M# smtp/inet
	if [ "$mode" = smtpd ]; then
		postconf -c "$PF/conf" -e \
		    'smtpd_client_restrictions = reject_rbl_client relays.example'
		postconf -c "$PF/conf" -M \
		    "127.0.0.1:$SMTP/inet = 127.0.0.1:$SMTP inet n - y - - smtpd" \
		    "[::1]:$SMTP/inet = [::1]:$SMTP inet n - y - - smtpd"
	else
		postconf -c "$PF/conf" -e \
		    'postscreen_dnsbl_sites = relays.example*2' \
		    'postscreen_dnsbl_threshold = 2' \
		    'postscreen_dnsbl_action = enforce' \
		    'postscreen_greet_action = ignore' \
		    'postscreen_access_list = ' \
		    'smtpd_client_restrictions ='
		postconf -c "$PF/conf" -M \
		    "127.0.0.1:$SMTP/inet = 127.0.0.1:$SMTP inet n - y - 1 postscreen" \
		    "smtpd/pass = smtpd pass - - y - - smtpd" \
		    "dnsblog/unix = dnsblog unix - - y - 0 dnsblog" \
		    "tlsproxy/unix = tlsproxy unix - - y - 0 tlsproxy"
	fi
}

pf_start() {
	PF_UP=1	# even a failed start may leave a master to stop
	postfix -c "$PF/conf" start >"$PF/start.log" 2>&1 || {
		echo "# postfix did not start:"; sed 's/^/#   /' "$PF/start.log" "$PF/maillog" 2>/dev/null
		return 1
	}
	local i
	for i in $(seq 1 150); do
		$PY -c "import socket; socket.create_connection(('127.0.0.1', $SMTP), 1).close()" \
		    2>/dev/null && return 0
		sleep 0.2
	done
	echo "# postfix does not listen on 127.0.0.1:$SMTP"; sed 's/^/#   /' "$PF/maillog" 2>/dev/null
	return 1
}

# send FROM-ADDR NAME [SERVER]: one message from FROM-ADDR to SERVER
# (127.0.0.1); the transcript in $T/NAME.swaks, swaks's exit status in
# $T/NAME.rc.
send() {
	swaks --server "${3:-127.0.0.1}" --port "$SMTP" --local-interface "$1" \
	    --helo client.mta.test --from sender@client.mta.test \
	    --to postmaster@mta.test --timeout 60 \
	    --header "Subject: mta test from $1" >"$T/$2.swaks" 2>&1
	echo $? >"$T/$2.rc"
}

# swaks exits 24 when no recipient was accepted, 0 when the message was.
expect_rejected() {	# expect_rejected NAME WANT-REPLY LABEL
	is "$(cat "$T/$1.rc")" 24 "$3: swaks: no recipient accepted (exit 24)"
	if grep -qF "<** $2" "$T/$1.swaks"; then ok 0 "$3: the reply: $2"
	else ok 1 "$3: the reply: $2"; grep '^<\*\*' "$T/$1.swaks" | sed 's/^/#   /'; fi
	grep -q '^ -> DATA' "$T/$1.swaks"; is $? 1 "$3: no DATA sent"
}
expect_accepted() {	# expect_accepted NAME LABEL
	is "$(cat "$T/$1.rc")" 0 "$2: swaks: accepted (exit 0)"
	grep -qE '^<-  250 2\.1\.5 Ok' "$T/$1.swaks"; ok $? "$2: RCPT 250 2.1.5"
	if grep -qE '^<-  250 2\.0\.0 Ok: queued as' "$T/$1.swaks"; then ok 0 "$2: DATA 250 queued"
	else ok 1 "$2: DATA 250 queued"; sed 's/^/#   /' "$T/$1.swaks" | tail -n 12; fi
}

# 1. smtpd: reject_rbl_client.
pf_write smtpd
check "postfix check" -- postfix -c "$PF/conf" check
check "postfix starts (smtpd with reject_rbl_client)" -- pf_start
is "$(postconf -c "$PF/conf" -h smtpd_client_restrictions)" \
    "reject_rbl_client relays.example" "postconf: smtpd_client_restrictions"
is "$(postconf -c "$PF/conf" -M "127.0.0.1:$SMTP/inet" | awk '{print $5, $8}')" "y smtpd" \
    "master.cf: smtpd is chrooted"

send $LISTED s-listed
expect_rejected s-listed \
    "554 5.7.1 Service unavailable; Client host [$LISTED] blocked using relays.example; Open relay $LISTED - see https://relays.example/lookup?ip=$LISTED" \
    "smtpd, listed $LISTED"
send $CLEAN s-clean
expect_accepted s-clean "smtpd, unlisted $CLEAN"
send 127.0.0.41 s-cidr
expect_rejected s-cidr \
    "554 5.7.1 Service unavailable; Client host [127.0.0.41] blocked using relays.example; $CIDR_TXT" \
    "smtpd, 127.0.0.41 in a listed /30, the CIDR's text"
send 127.0.0.44 s-cidr-out
expect_accepted s-cidr-out "smtpd, 127.0.0.44 just outside the /30"
send ::1 s-v6 ::1
expect_rejected s-v6 \
    "554 5.7.1 Service unavailable; Client host [::1] blocked using relays.example; Open relay ::1 - see https://relays.example/lookup?ip=::1" \
    "smtpd, listed ::1 (IPv6)"

# The smtpd that served them is chrooted, and it asked our resolver.
master=$(tr -d ' ' <"$PF/queue/pid/master.pid")
roots=$(for p in $(pgrep -P "$master" -x smtpd); do readlink "/proc/$p/root"; done | sort -u)
is "$roots" "$PF/queue" "the smtpd processes run chrooted in the queue directory"
grep -q "info: 127.0.0.1 30.0.0.127.relays.example. A IN" "$T/unbound/unbound.log"
ok $? "unbound logged smtpd's query for $LISTED"
grep -q "info: 127.0.0.1 31.0.0.127.relays.example. A IN" "$T/unbound/unbound.log"
ok $? "unbound logged smtpd's query for $CLEAN"
grep -q "info: 127.0.0.1 1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.relays.example. A IN" \
    "$T/unbound/unbound.log"
ok $? "unbound logged smtpd's query for ::1 (nibbles)"
grep -q "NOQUEUE: reject: RCPT from unknown\[$LISTED\]: 554 5.7.1 Service unavailable; Client host \[$LISTED\] blocked using relays.example" "$PF/maillog"
ok $? "the maillog records the rejection"
grep -qE "postfix/discard\[[0-9]+\]: [0-9A-F]+: to=<postmaster@mta.test>.*status=sent" "$PF/maillog"
ok $? "the accepted message was delivered (to discard)"

# A filter on the answer: only 127.0.0.2 rejects, so the /30 (code
# 127.0.0.4) is let in and the zone's default answer still is not.
check "postconf: reject_rbl_client relays.example=127.0.0.2" -- postconf -c "$PF/conf" -e \
    'smtpd_client_restrictions = reject_rbl_client relays.example=127.0.0.2'
check "postfix reload" -- postfix -c "$PF/conf" reload
for i in $(seq 1 30); do	# the old smtpd processes go at their next turn
	send 127.0.0.41 s-code
	[ "$(cat "$T/s-code.rc")" = 0 ] && break
	sleep 1
done
expect_accepted s-code "smtpd, =127.0.0.2 only: 127.0.0.41 (code 127.0.0.4) accepted"
send $LISTED s-code-listed
expect_rejected s-code-listed \
    "554 5.7.1 Service unavailable; Client host [$LISTED] blocked using relays.example;" \
    "smtpd, =127.0.0.2 only: $LISTED (127.0.0.2) still rejected"

# 2. The delisting: Unbound keeps the listing for the record's TTL, and
# each smtpd keeps its DNSBL answers for its life; a reload gives fresh
# ones.
check "loader delist $LISTED" -- loader delist $LISTED --reason "mta test: fixed"
is "$(dig +short -p "$PORT" @127.0.0.1 30.0.0.127.relays.example A)" "" \
    "dnsbld: $LISTED is no longer listed"
st=
for i in $(seq 1 60); do	# the TTL is 3 s; allow a slow machine a minute
	st=$(rstatus 30.0.0.127.relays.example A)
	[ "$st" = NXDOMAIN ] && break
	sleep 1
done
is "$st" NXDOMAIN "unbound: the listing left its cache (after the TTL)"
check "postfix reload" -- postfix -c "$PF/conf" reload
for i in $(seq 1 30); do	# the old smtpd processes go at their next turn
	send $LISTED s-delisted
	[ "$(cat "$T/s-delisted.rc")" = 0 ] && break
	sleep 1
done
expect_accepted s-delisted "smtpd, $LISTED after delisting"
check "loader list $LISTED again" -- loader list $LISTED --reason "mta test: again"
stop_postfix

# 3. postscreen: its DNSBL test, with the listing weighted 2 of a
# threshold of 2.  (postscreen caches a pass, not a block: the clean
# client's pass is forgotten with the queue directory.)
rm -rf "$PF"
# Unbound may still hold the NXDOMAIN for the SOA minimum (300 s):
# restart it, so that the relisting is seen.
stop_unbound
check "unbound restarts" -- start_unbound "	log-queries: yes"
is "$(rdig 30.0.0.127.relays.example A)" 127.0.0.2 "unbound: $LISTED is listed again"
pf_write postscreen
check "postfix check (postscreen)" -- postfix -c "$PF/conf" check
check "postfix starts (postscreen)" -- pf_start
is "$(postconf -c "$PF/conf" -M "127.0.0.1:$SMTP/inet" | awk '{print $5, $8}')" \
    "y postscreen" "master.cf: postscreen on the port, chrooted"
is "$(postconf -c "$PF/conf" -h postscreen_dnsbl_sites)" "relays.example*2" \
    "postconf: postscreen_dnsbl_sites"

send $LISTED p-listed
expect_rejected p-listed \
    "550 5.7.1 Service unavailable; client [$LISTED] blocked using relays.example" \
    "postscreen, listed $LISTED"
send $CLEAN p-clean
expect_accepted p-clean "postscreen, unlisted $CLEAN"
grep -qE "postscreen\[[0-9]+\]: DNSBL rank 2 for \[$LISTED\]:[0-9]+" "$PF/maillog"
ok $? "the maillog: DNSBL rank 2 for $LISTED"
grep -qE "postscreen\[[0-9]+\]: NOQUEUE: reject: RCPT from \[$LISTED\]:[0-9]+: 550 5.7.1 Service unavailable; client \[$LISTED\] blocked using relays.example" "$PF/maillog"
ok $? "the maillog: postscreen's rejection"
grep -qE "postscreen\[[0-9]+\]: PASS NEW \[$CLEAN\]:[0-9]+" "$PF/maillog"
ok $? "the maillog: $CLEAN passes postscreen"
grep -q "info: 127.0.0.1 30.0.0.127.relays.example. A IN" "$T/unbound/unbound.log"
ok $? "unbound logged dnsblog's query for $LISTED"

stop_postfix
stop_unbound
stop_dnsbld; ok $? "dnsbld stops cleanly"
done_testing
