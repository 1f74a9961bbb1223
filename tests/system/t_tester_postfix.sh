#!/usr/bin/env bash
# t_tester_postfix.sh -- the relay tester against two real Postfix
# instances on loopback, each started here from its own config directory,
# queue and port: an open relay (127.0.0.10) that relays to the drop box,
# "loader sink" on 127.0.0.1, and a closed one (127.0.0.11).  Proves that
# the open one is suspected without --deliver and open (listed, with the
# transcript as evidence) once its token reaches the sink, that the closed
# one is closed, --from with --parallel, and retests --run.
#
# Needs postfix (tests/packages.txt); skipped without it.  The package's
# own instance is never used.  Nothing leaves loopback: both instances
# listen on 127.0.0.x only, relay only to the sink, and do no DNS.
# (inet_interfaces is loopback-only: Postfix accepts only addresses an
# interface lists there, and lo lists 127.0.0.1; master.cf binds each
# smtpd to its own 127.0.0.x.)
. "$(dirname "$0")/lib.sh"

if ! command -v postfix >/dev/null || ! command -v postconf >/dev/null ||
    [ "$(id -u)" -ne 0 ] || ! getent passwd postfix >/dev/null; then
	echo "1..0 # SKIP postfix is not installed (or not root)"
	exit 0
fi

SINK_PID=
PF_DIRS=()
stop_all() {
	local d
	for d in "${PF_DIRS[@]}"; do
		postfix -c "$d/conf" stop >/dev/null 2>&1
	done
	PF_DIRS=()
	if [ -n "$SINK_PID" ]; then kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null; fi
	SINK_PID=
}
trap 'stop_all; cleanup' EXIT
chmod 755 "$T"	# the postfix user works in the queue directories below

SMTP=$(free_port)	# both instances, on different addresses
SINK=$(free_port)
OPEN=127.0.0.10
CLOSED=127.0.0.11

write_config "    retest_min_interval: 0
tester:
  helo: tester.test.invalid
  domain: tester.test.invalid
  dropbox: relaytest@sink.test.invalid
  spool: $T/spool
  timeout: 15s
  wait: 20s
  parallel: 4
  port: $SMTP
user: nobody    # the sink, started as root, runs as nobody"

wait_port() {	# wait_port ADDR PORT
	local i
	for i in $(seq 1 100); do
		$PY -c "import socket; socket.create_connection(('$1', $2), 1).close()" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

jget() {	# jget PYTHON-SUBSCRIPT < JSON
	$PY -c "import json,sys; v=json.load(sys.stdin)$1; print(str(v).lower() if isinstance(v,bool) else v)"
}

# pf_start NAME ADDR open|closed: a Postfix instance in $T/pf-NAME.
pf_start() {
	local d=$T/pf-$1 addr=$2 kind=$3 nets
	mkdir -p "$d/conf" "$d/queue" "$d/data"
	chown postfix "$d/data"
	cp /etc/postfix/master.cf "$d/conf/master.cf"
	if [ "$kind" = open ]; then nets=0.0.0.0/0; else nets=192.0.2.1/32; fi
	# After 10 errors Postfix delays every command by 1s: the battery's
	# 18 refusals then take ~25s.  The tester copes (each reply has its
	# own timeout), but the test need not wait for it each time.
	local sleep=0s
	cat >"$d/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
myhostname = $1.test.invalid
mydomain = test.invalid
myorigin = \$myhostname
mydestination = \$myhostname, localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = $nets
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relayhost = [127.0.0.1]:$SINK
smtp_dns_support_level = disabled
smtp_host_lookup = native
alias_maps =
alias_database =
biff = no
smtpd_error_sleep_time = $sleep
maillog_file = $d/maillog
maillog_file_prefixes = $T
EOF
	# No chroot (the temp dir has no /etc), no default smtp on port 25:
	# one smtpd on ADDR:SMTP only.
	postconf -c "$d/conf" -F '*/*/chroot = n'
	postconf -c "$d/conf" -M# smtp/inet
	postconf -c "$d/conf" -M "$addr:$SMTP/inet = $addr:$SMTP inet n - n - - smtpd"
	postfix -c "$d/conf" start >"$d/start.log" 2>&1 || {
		echo "# postfix $1 did not start:"; sed 's/^/#   /' "$d/start.log" "$d/maillog" 2>/dev/null
		return 1
	}
	PF_DIRS+=("$d")
	wait_port "$addr" "$SMTP"
}

"$LOADER" -c "$T/dnsbl.yaml" sink --listen "127.0.0.1@$SINK" --name sink.test.invalid \
    >"$T/sink.out" 2>"$T/sink.err" &
SINK_PID=$!
check "the sink listens" -- wait_port 127.0.0.1 "$SINK"
check "postfix open relay starts ($OPEN:$SMTP)" -- pf_start open $OPEN open
check "postfix closed starts ($CLOSED:$SMTP)" -- pf_start closed $CLOSED closed
postconf -n -c "$T/pf-open/conf" | grep -q '^mynetworks = 0.0.0.0/0'
ok $? "postconf -n: the open instance relays for everyone"
postconf -n -c "$T/pf-closed/conf" | grep -q '^mynetworks = 192.0.2.1/32'
ok $? "postconf -n: the closed instance for nobody here"

# Without delivery: suspected, recorded, not listed.
loader --json test "$OPEN:$SMTP" >"$T/o1.json"
is "$(jget '["results"][0]["result"]' <"$T/o1.json")" suspected "open relay without --deliver: suspected"
is "$(jget '["results"][0]["server"]' <"$T/o1.json")" open.test.invalid "the server's name from its banner"
loader --json show $OPEN >"$T/show.json"
is "$(jget '["listed"]' <"$T/show.json")" false "suspected: not listed"
is "$(jget '["history"][-1]["result"]' <"$T/show.json")" suspected "suspected: recorded"

# With delivery: the token reaches the sink, so open and listed.
loader --json test --deliver "$OPEN:$SMTP" >"$T/o2.json"
is "$(jget '["results"][0]["result"]' <"$T/o2.json")" open "open relay with --deliver: open"
is "$(jget '["results"][0]["outcome"]' <"$T/o2.json")" listed "open: listed"
token=$(jget '["results"][0]["token"]' <"$T/o2.json")
f1=$(jget '["results"][0]["forms_delivered"][0]' <"$T/o2.json")
check "the sink's spool has the token of form $f1" -- test -f "$T/spool/$token-f$f1"
grep -q "^from: <" "$T/spool/$token-f$f1"; ok $? "the spool file records the sender"
grep -q "sink: token $token-f$f1 from 127.0.0.1" "$T/sink.out"
ok $? "the sink logs the token it received"
loader --json show $OPEN >"$T/show.json"
is "$(jget '["listed"]' <"$T/show.json")" true "show --json: listed"
is "$(jget '["history"][-1]["actor"]' <"$T/show.json")" tester "history: actor tester"
is "$(jget '["history"][-1]["result"]' <"$T/show.json")" open "history: result open"
ev=$(jget '["history"][-1]["evidence"]' <"$T/show.json")
for want in "S: 220 open.test.invalid ESMTP" "C: EHLO tester.test.invalid" \
    "C: MAIL FROM:<>" "C: RCPT TO:<relaytest@sink.test.invalid>" "S: 250 2.1.5 Ok" \
    "C: DATA" "S: 354 " "C: X-Dnsbl-Token: $token-f1" "C: ." "C: RSET" "C: QUIT" \
    "*: result: open: relayed: token received"; do
	case "$ev" in *"$want"*) ok 0 "evidence: $want" ;;
	*) ok 1 "evidence: $want" ;; esac
done
det=$(jget '["history"][-1]["details"]' <"$T/show.json")
case "$det" in *"helo=tester.test.invalid"*"forms="*"delivered="*"token=$token"*) ok 0 "details: helo, forms, delivered, token" ;;
*) ok 1 "details: helo, forms, delivered, token"; echo "#   $det" ;; esac

# The closed instance: closed, not listed, and the sink got nothing from it.
n0=$(ls "$T/spool" | wc -l)
start=$(date +%s)
loader --json test --deliver "$CLOSED:$SMTP" >"$T/c1.json"
is "$(jget '["results"][0]["result"]' <"$T/c1.json")" closed "closed postfix: closed"
is "$(jget '["results"][0]["reason"]' <"$T/c1.json")" "every form refused" "closed: every form refused"
loader --json show $CLOSED >"$T/show.json"
is "$(jget '["listed"]' <"$T/show.json")" false "closed: not listed"
ev=$(jget '["history"][-1]["evidence"]' <"$T/show.json")
case "$ev" in *"Relay access denied"*) ok 0 "closed: evidence has Postfix's refusal" ;;
*) ok 1 "closed: evidence has Postfix's refusal" ;; esac
is "$(ls "$T/spool" | wc -l)" "$n0" "closed: no token reached the sink"

# Several hosts, two at a time: open, closed and a refused port.
NOPORT=$(free_port)
printf '%s:%s\n%s:%s\n127.0.0.12:%s\n' $OPEN "$SMTP" $CLOSED "$SMTP" "$NOPORT" >"$T/hosts"
loader test --deliver --from "$T/hosts" --parallel 2 >"$T/par.out" 2>&1
is $? 0 "--from --parallel 2 --deliver: exit 0"
is "$(tail -n 1 "$T/par.out")" "3 hosts: 1 open, 0 suspected, 1 closed, 1 unreachable" \
    "--from: open, closed, unreachable"
grep -q "^$OPEN:$SMTP: open (confirmed)" "$T/par.out"; ok $? "--from: the open relay reconfirmed"

# retests --run: the closed host, listed by hand, is delisted; the open
# relay stays listed; both requests are resolved.
sleep 2	# results of one second are recorded a second apart: let the clock pass
loader list $CLOSED --reason "listed by hand for the test" >/dev/null
loader retest-request $CLOSED --contact postmaster@closed.test.invalid >/dev/null
ok $? "retest request for the closed host"
loader retest-request $OPEN --contact postmaster@open.test.invalid >/dev/null
ok $? "retest request for the open relay"
is "$(loader --json retests | jget '["retests"].__len__()')" 2 "two open requests"
loader retests --run --deliver >"$T/rr.out" 2>&1
is $? 0 "retests --run --deliver: exit 0"
grep -q "^$CLOSED:$SMTP: closed (delisted)" "$T/rr.out"; ok $? "retests --run: the closed host delisted"
grep -q "^$OPEN:$SMTP: open (confirmed)" "$T/rr.out"; ok $? "retests --run: the open relay confirmed"
is "$(loader --json retests | jget '["retests"].__len__()')" 0 "no open requests left"
loader --json retests --all >"$T/all.json"
is "$($PY -c "import json; print(sorted((r['prefix'], r['result'], r['delisted']) for r in json.load(open('$T/all.json'))['retests']))")" \
    "[('$OPEN', 'open', False), ('$CLOSED', 'closed', True)]" "the requests record their outcomes"
is "$(loader --json show $CLOSED | jget '["listed"]')" false "the closed host is no longer listed"
is "$(loader --json show $OPEN | jget '["listed"]')" true "the open relay is still listed"
loader retests --run >"$T/rr2.out" 2>&1
is "$(cat "$T/rr2.out")" "no open retest requests to test" "retests --run with none open"

stop_all
grep -q "sink: stopped" "$T/sink.err"; ok $? "the sink stops on SIGTERM"
done_testing
