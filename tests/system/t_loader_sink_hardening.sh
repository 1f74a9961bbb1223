#!/usr/bin/env bash
# t_loader_sink_hardening.sh -- loader sink on loopback, against a raw
# SMTP client (Python sockets, byte for byte): mail only for the drop
# box's domain (a foreign domain, the percent hack, a source route to
# outside, a quoted local part, a look-alike domain and an address literal
# get 550; the drop box, any case, a final dot, gets 250; nothing is ever
# relayed); hostile bytes (NUL, ESC, 8-bit and a bare LF in commands, an
# overlong line; NUL, bare LF and an overlong line in a message) get a
# clean 5xx and the session goes on, ten of them end it with 421, as does
# a line that never ends, and the sink never dies; a message with valid 8-bit data is taken.  The spool:
# old token files (and their temporaries) are removed at start and while
# running, other files are left alone, and a full spool gets 452 until
# its tokens expire.  As root: the sink binds, then runs as the config's
# user (nobody here: /proc/PID/status), makes the spool theirs, refuses an
# unknown user, a missing default user (dnsbl) and a spool the user cannot
# write, and stays root only for an explicit "user: root".
source "$(dirname "$0")/lib.sh"

SINK_PID=
stop_sink() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
}
trap 'stop_sink; cleanup' EXIT
chmod 755 "$T"	# the sink's user must reach its spool below

ROOT_RUN=0
[ "$(id -u)" -eq 0 ] && getent passwd nobody >/dev/null && ROOT_RUN=1
SINK_PORT=$(free_port)
DROP=sink.test.invalid

# sink_config USERLINE AGE SIZE: the config of the sink (one zone).
sink_config() {
	write_config "tester:
  dropbox: relaytest@$DROP
  spool: $T/spool
  wait: 1s
  timeout: 30s
  spool_max_age: $2
  spool_max_size: $3
$1"
	# The user is this test's to choose: not lib.sh's "user: root".
	sed -i '/^# The tests run as root in a private directory: stay root.$/{N;d}' "$T/dnsbl.yaml"
}
# The user line: nobody as root, none otherwise (the sink stays who it is).
if [ $ROOT_RUN -eq 1 ]; then USERLINE="user: nobody"; else USERLINE=""; fi

wait_port() {	# wait_port PORT: until something listens, or the sink died
	local i
	for i in $(seq 1 100); do
		$PY -c "import socket; socket.create_connection(('127.0.0.1', $1), 1).close()" 2>/dev/null && return 0
		[ -n "$SINK_PID" ] && ! kill -0 "$SINK_PID" 2>/dev/null && return 1
		sleep 0.1
	done
	return 1
}
start_sink() {
	"$LOADER" -c "$T/dnsbl.yaml" sink --listen "127.0.0.1@$SINK_PORT" --name $DROP \
	    >"$T/sink.out" 2>"$T/sink.err" &
	SINK_PID=$!
	wait_port "$SINK_PORT"
}

# The SMTP client: scenario NAME prints one "label code" line per reply.
cat >"$T/smtp.py" <<'PY'
import socket, sys, time
port, scen = int(sys.argv[1]), sys.argv[2]
tok = sys.argv[3] if len(sys.argv) > 3 else "dnsbl-000000000000000000000000"

class S:
    def __init__(self):
        self.c = socket.create_connection(("127.0.0.1", port), 10)
        self.c.settimeout(20)
        self.buf = b""
        self.code("banner")
    def line(self):
        while b"\r\n" not in self.buf:
            try:
                d = self.c.recv(4096)
            except ConnectionResetError:
                d = b""
            if not d:
                return None
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l
    def code(self, label):
        while True:
            l = self.line()
            if l is None:
                print(label, "closed"); return "closed"
            if l[3:4] != b"-":
                print(label, l[:3].decode()); return l[:3].decode()
    def say(self, label, data, reply=True):
        self.c.sendall(data)
        return self.code(label) if reply else None
    def closed(self, label):
        try:
            d = self.c.recv(10)
        except OSError:
            d = b""
        print(label, "closed" if not d else "open")

def msg(s, label, body):
    s.say(label + "-mail", b"MAIL FROM:<antispam@tester.test.invalid>\r\n")
    s.say(label + "-rcpt", b"RCPT TO:<relaytest@sink.test.invalid>\r\n")
    s.say(label + "-data", b"DATA\r\n")
    s.say(label, body)

s = S()
if scen == "relay":
    s.say("ehlo", b"EHLO tester.test.invalid\r\n")
    s.say("mail", b"MAIL FROM:<antispam@tester.test.invalid>\r\n")
    for i, r in enumerate([b"victim@foreign.example",
            b"victim%foreign.example@sink.test.invalid",
            b"foreign.example!victim@sink.test.invalid",
            b"@sink.test.invalid:victim@foreign.example",
            b"\"victim@foreign.example\"@sink.test.invalid",
            b"victim@sink.test.invalid.evil.example",
            b"victim@evilsink.test.invalid",
            b"victim@[127.0.0.1]", b"victim"]):
        s.say("foreign%d" % i, b"RCPT TO:<" + r + b">\r\n")
    s.say("dropbox", b"RCPT TO:<relaytest@sink.test.invalid>\r\n")
    s.say("dropbox-case", b"RCPT TO:<Other@SINK.Test.Invalid.>\r\n")
    s.say("data", b"DATA\r\n")
    s.say("message", b"Subject: relay test\r\n\r\nX-Dnsbl-Token: " +
          tok.encode() + b"-f1\r\n.\r\n")
    s.say("quit", b"QUIT\r\n")
elif scen == "hostile":
    s.say("helo-nul", b"HELO a\x00b\r\n")
    s.say("helo-8bit", b"HELO caf\xc3\xa9.example\r\n")
    s.say("esc", b"HELO \x1b[2Jx\r\n")
    s.say("bare-lf", b"NOOP\n")
    s.say("overlong", b"HELO " + b"x" * 5000 + b"\r\n")
    s.say("helo-long", b"HELO " + b"h" * 300 + b"\r\n")
    s.say("helo", b"HELO tester.test.invalid\r\n")
    msg(s, "data-nul", b"a\x00b\r\n.\r\n")
    s.say("lf-mail", b"MAIL FROM:<antispam@tester.test.invalid>\r\n")
    s.say("lf-rcpt", b"RCPT TO:<relaytest@sink.test.invalid>\r\n")
    s.say("lf-data", b"DATA\r\n")
    s.say("data-bare-lf-1", b"one\n.\n", reply=False)
    s.say("data-bare-lf", b"\r\n.\r\n")
    # Had "\n.\n" ended the message, "" and "." would be two commands
    # (two 500s) before this NOOP's reply.
    s.say("after-lf", b"NOOP\r\n")
    msg(s, "data-long", b"y" * 2000 + b"\r\n.\r\n")
    msg(s, "data-8bit", b"Subject: caf\xc3\xa9 \xff\xfe\r\n\r\n" + tok.encode() +
        b"-f2\r\n.\r\n")
    s.say("noop", b"NOOP\r\n")
    s.say("quit", b"QUIT\r\n")
elif scen == "errors":
    for i in range(12):
        if s.say("bad%d" % i, b"WHAT\x01\r\n") == "closed":
            break
    s.closed("after")
elif scen == "endless":
    s.say("endless", b"HELO " + b"x" * 100000)
    s.closed("after")
elif scen == "fill":
    # Fresh tokens until the spool is full: the replies, in order.
    s.say("helo", b"HELO tester.test.invalid\r\n")
    for i in range(40):
        r = s.say("mail%d" % i, b"MAIL FROM:<a@tester.test.invalid>\r\n")
        if r != "250":
            break
        s.say("rcpt%d" % i, b"RCPT TO:<relaytest@sink.test.invalid>\r\n")
        s.say("data%d" % i, b"DATA\r\n")
        s.say("msg%d" % i, ("%s%02d-f1\r\n.\r\n" % (tok[:-2], i)).encode())
    s.say("quit", b"QUIT\r\n")
elif scen == "one":
    s.say("helo", b"HELO tester.test.invalid\r\n")
    msg(s, "msg", (tok + "-f3\r\n.\r\n").encode())
    s.say("quit", b"QUIT\r\n")
PY
smtp() { $PY "$T/smtp.py" "$SINK_PORT" "$@" 2>&1; }
code() { sed -n "s/^$1 //p" "$T/r"; }	# code LABEL: the reply to LABEL
blocks() { $PY -c 'import os,sys; print(sum(os.lstat(os.path.join(sys.argv[1], f)).st_blocks * 512 for f in os.listdir(sys.argv[1]) if f.startswith("dnsbl-")))' "$T/spool"; }

# ---- the drop box's domain only ----
sink_config "$USERLINE" 1d 64M
check "the sink starts" -- start_sink
TOK=dnsbl-0123456789abcdef01234567
smtp relay "$TOK" >"$T/r"
is "$(code banner)" 220 "banner 220"
for i in 0 1 2 3 4 5 6 7 8; do
	is "$(code foreign$i)" 550 "a recipient outside the drop box's domain ($i): 550"
done
is "$(sed -n 's/^foreign0 //p' "$T/r")" 550 "relaying to a foreign domain is denied"
is "$(code dropbox)" 250 "the drop box: 250"
is "$(code dropbox-case)" 250 "its domain in another case, with a final dot: 250"
is "$(code message)" 250 "the message: 250"
check "its token is in the spool" -- test -f "$T/spool/$TOK-f1"
grep -q "^rcpt: <relaytest@sink.test.invalid> <Other@SINK.Test.Invalid.>$" "$T/spool/$TOK-f1"
ok $? "the spool file records only the accepted recipients"
grep -q "sink: token $TOK-f1 from 127.0.0.1" "$T/sink.out"; ok $? "the sink logs the token"

# ---- hostile bytes ----
smtp hostile "$TOK" >"$T/r"
for l in helo-nul helo-8bit esc bare-lf overlong; do
	is "$(code $l)" 500 "$l: 500"
done
is "$(code helo-long)" 501 "a HELO name of 300 bytes: 501"
is "$(code helo)" 250 "after five refused commands the session goes on"
is "$(code data-nul)" 554 "a NUL in a message: 554"
is "$(code data-bare-lf)" 554 "a bare LF in a message: 554 at its end"
is "$(code after-lf)" 250 "and LF . LF did not end the message"
is "$(code data-long)" 554 "a message line of 2000 bytes: 554"
is "$(code data-8bit)" 250 "valid 8-bit in a message: 250"
check "the 8-bit message's token is in the spool" -- test -f "$T/spool/$TOK-f2"
is "$(code quit)" 221 "QUIT: 221"
smtp errors >"$T/r"
is "$(code bad9)" 421 "the tenth refused command: 421"
is "$(code after)" closed "and the session is closed"
smtp endless >"$T/r"
# (The sink closes with bytes of the line unread, so the kernel may reset
# the connection before the client reads the 500.)
case "$(code endless)" in 500|closed) ok 0 "a command line of 100 KB that never ends: 500" ;;
*) ok 1 "a command line of 100 KB that never ends: 500 ($(code endless))" ;; esac
is "$(code after)" closed "and the session is closed"
kill -0 "$SINK_PID" 2>/dev/null; ok $? "the sink is still running"
smtp one dnsbl-abcdefabcdefabcdefabcdef >"$T/r"
is "$(code msg)" 250 "and takes the next message"
$PY - "$T/sink.out" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
bad = [b for b in d if (b < 0x20 and b != 0x0a) or b == 0x7f]
sys.exit(1 if bad else 0)
PY
ok $? "the sink's log holds no raw control byte"
stop_sink
grep -q "sink: stopped" "$T/sink.err"; ok $? "the sink stops on SIGTERM"

# ---- the spool: age and size ----
rm -rf "$T/spool"; mkdir -p "$T/spool"
[ $ROOT_RUN -eq 1 ] && chown nobody "$T/spool"
OLD=dnsbl-111111111111111111111111
echo old >"$T/spool/$OLD-f1"
echo tmp >"$T/spool/.$OLD-f2.AbC123"
echo keep >"$T/spool/keep.txt"
echo new >"$T/spool/$OLD-f3"
touch -d '2 hours ago' "$T/spool/$OLD-f1" "$T/spool/.$OLD-f2.AbC123" "$T/spool/keep.txt"
sink_config "$USERLINE" 3s 16K
check "the sink starts with spool_max_age 3s, spool_max_size 16K" -- start_sink
[ ! -e "$T/spool/$OLD-f1" ]; ok $? "an old token file is removed at start"
[ ! -e "$T/spool/.$OLD-f2.AbC123" ]; ok $? "and an old temporary file"
[ -e "$T/spool/keep.txt" ]; ok $? "a file not named for a token is left alone"
smtp fill dnsbl-222222222222222222222222 >"$T/r"
n250=$(grep -cE '^msg[0-9]+ 250$' "$T/r")
full=$(grep -E '^mail[0-9]+ ' "$T/r" | tail -n 1)
[ "$n250" -ge 1 ]; ok $? "messages are taken until the spool is full ($n250 taken)"
case "$full" in *" 452") ok 0 "then MAIL gets 452 ($full)" ;; *) ok 1 "then MAIL gets 452 ($full)"; sed 's/^/#   /' "$T/r" | tail -n 5 ;; esac
used=$(blocks)
[ "$used" -ge 16384 ]; ok $? "452 only once the spool holds its limit ($used bytes of 16384)"
grep -q "spool $T/spool full" "$T/sink.out"; ok $? "the sink logs that the spool is full"
# Everything expires within the 3s age and the sweep that follows.
for i in $(seq 1 120); do
	[ -z "$(ls "$T/spool" | grep '^dnsbl-')" ] && break
	sleep 0.5
done
is "$(ls "$T/spool" | grep -c '^dnsbl-')" 0 "expired token files are removed while the sink runs"
grep -qE "sink: spool: removed [0-9]+ token files? older than 3s" "$T/sink.out"
ok $? "and the sink says so"
smtp one dnsbl-333333333333333333333333 >"$T/r"
is "$(code msg)" 250 "with room again, a message is taken"
stop_sink

# ---- no drop box, no sink ----
write_config "tester:
  spool: $T/spool
$USERLINE"
sed -i '/^# The tests run as root in a private directory: stay root.$/{N;d}' "$T/dnsbl.yaml"
"$LOADER" -c "$T/dnsbl.yaml" sink --listen "127.0.0.1@$SINK_PORT" >"$T/out" 2>"$T/err"
is $? 1 "without tester.dropbox the sink refuses to start"
grep -q "tester.dropbox" "$T/err"; ok $? "and says it needs tester.dropbox"

# ---- privileges ----
if [ $ROOT_RUN -eq 1 ]; then
	rm -rf "$T/spool"
	sink_config "user: nobody" 1d 64M
	check "as root with user: nobody, the sink starts" -- start_sink
	want="$(id -u nobody)"
	uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$SINK_PID/status")
	is "$uid" "$want $want $want $want" "after binding it runs as nobody (real, effective, saved, fs uid)"
	gid=$(awk '/^Gid:/ {print $3}' "/proc/$SINK_PID/status")
	is "$gid" "$(id -g nobody)" "with nobody's group"
	is "$(awk '/^Groups:/ {print $2}' "/proc/$SINK_PID/status")" "$(id -g nobody)" "and no other group"
	is "$(stat -c %U "$T/spool")" nobody "the spool it made is nobody's"
	smtp one dnsbl-444444444444444444444444 >"$T/r"
	is "$(code msg)" 250 "nobody takes a message"
	is "$(stat -c %U "$T/spool/dnsbl-444444444444444444444444-f3" 2>/dev/null)" nobody \
	    "and writes its token as nobody"
	stop_sink

	sink_config "user: no-such-user-dnsbl-test" 1d 64M
	"$LOADER" -c "$T/dnsbl.yaml" sink --listen "127.0.0.1@$SINK_PORT" >"$T/out" 2>"$T/err"
	is $? 1 "an unknown user: exit 1"
	grep -q "no user 'no-such-user-dnsbl-test'" "$T/err"; ok $? "the message names the user"

	if ! getent passwd dnsbl >/dev/null; then
		sink_config "" 1d 64M
		"$LOADER" -c "$T/dnsbl.yaml" sink --listen "127.0.0.1@$SINK_PORT" >"$T/out" 2>"$T/err"
		is $? 1 "no user in the config and no user dnsbl: exit 1"
		grep -q "no user 'dnsbl'" "$T/err" && grep -q "user: root" "$T/err"
		ok $? "the message names dnsbl and how to stay root"
	fi

	rm -rf "$T/spool"; mkdir -m 755 "$T/spool"	# root's, not nobody's
	sink_config "user: nobody" 1d 64M
	"$LOADER" -c "$T/dnsbl.yaml" sink --listen "127.0.0.1@$SINK_PORT" >"$T/out" 2>"$T/err"
	is $? 1 "a spool nobody cannot write: exit 1"
	grep -q "not writable by user nobody" "$T/err"; ok $? "the message says whose it must be"
	is "$(stat -c %U "$T/spool")" root "an existing spool is never chowned"

	sink_config "user: root" 1d 64M
	check "with an explicit user: root, the sink starts" -- start_sink
	is "$(awk '/^Uid:/ {print $3}' "/proc/$SINK_PID/status")" 0 "and stays root"
	stop_sink
else
	echo "# not root: the privilege tests are skipped"
fi

done_testing
