#!/usr/bin/env bash
# t_dnsbld_startup.sh -- dnsbld's start-up and command line: -d says every
# start-up error on stderr with exit 1 and leaves no pidfile nor process;
# the pidfile is locked (a second dnsbld is refused), holds the daemon's
# pid and is removed at exit also after the privilege drop; -t checks
# config and store without serving; -h, --version (also dnsbl-loader's);
# log priorities (<N> when stderr is the journal), -v and log_level (also
# on SIGHUP); sd_notify(3) to a real listening socket.
source "$(dirname "$0")/lib.sh"
Z=relays.example
VERSION=$(sed -n 's/^#define DNSBL_VERSION "\(.*\)"$/\1/p' "$ROOT/lib/version.h")

answers() {	# answers PORT: the SOA of the zone comes back
	dig +time=2 +tries=2 +short -p "$1" @127.0.0.1 $Z SOA 2>/dev/null | grep -q hostmaster
}
port_free() {	# port_free PORT: nothing is bound to it any more
	$PY -c 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}
wait_gone() {	# wait_gone PID: up to 30 s for it to exit
	local i
	for i in $(seq 1 300); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
wait_log() {	# wait_log ERE FILE: up to 20 s for a line (logged after answering)
	local i
	for i in $(seq 1 200); do grep -Eq "$1" "$2" && return 0; sleep 0.1; done
	return 1
}
journal() {	# journal FILE CMD...: run CMD with stderr FILE as the "journal"
	local f=$1; shift
	: >"$f"
	JOURNAL_STREAM=$(stat -c %d:%i "$f") "$@" 2>>"$f"
}

# --- --version, -h, bad options -----------------------------------------
[ -n "$VERSION" ]; ok $? "lib/version.h defines DNSBL_VERSION ($VERSION)"
out=$("$DNSBLD" --version 2>"$T/err"); rc=$?
is "$rc/$out/$(cat "$T/err")" "0/dnsbld $VERSION/" "dnsbld --version: name and version on stdout, exit 0"
out=$("$LOADER" --version 2>"$T/err"); rc=$?
is "$rc/$out/$(cat "$T/err")" "0/dnsbl-loader $VERSION/" "dnsbl-loader --version: name and version on stdout, exit 0"
for h in -h --help; do
	"$DNSBLD" $h >"$T/out" 2>"$T/err"; rc=$?
	is "$rc" 0 "dnsbld $h: exit 0"
	[ ! -s "$T/err" ] && grep -q '^usage: dnsbld' "$T/out"; ok $? "dnsbld $h: usage on stdout, nothing on stderr"
	for o in '-c FILE' '-d ' '-t ' '-v ' '--version'; do
		grep -q -- "^ *$o" "$T/out"; ok $? "dnsbld $h explains $o"
	done
done
for bad in -x --bogus "extra-argument" "-c"; do
	"$DNSBLD" $bad >"$T/out" 2>"$T/err"; rc=$?
	[ $rc -eq 2 ] && [ ! -s "$T/out" ] && grep -q '^usage: dnsbld' "$T/err"
	ok $? "dnsbld $bad: usage on stderr, nothing on stdout, exit 2 (got $rc)"
done

# --- -t ------------------------------------------------------------------
write_config
"$DNSBLD" -t -c "$T/dnsbl.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && grep -q "configuration ok.*not made yet; dnsbld makes it when it starts" "$T/out"
ok $? "-t before any store exists: ok, saying dnsbld makes it (a service's first start), exit 0 (got $rc)"
[ ! -e "$T/db" ]; ok $? "-t opens the store read-only: nothing created"
# A store that is there but cannot be read is an error.
sed "s|^database: .*|database: $T/baddb|" "$T/dnsbl.yaml" >"$T/bad-db.yaml"
mkdir -p "$T/baddb/serve" "$T/baddb/meta"
head -c 65536 /dev/urandom >"$T/baddb/serve/data.mdb"
head -c 65536 /dev/urandom >"$T/baddb/meta/data.mdb"
"$DNSBLD" -t -c "$T/bad-db.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "store" "$T/err" && [ ! -s "$T/out" ]
ok $? "-t on a store of garbage: the store error, exit 1 (got $rc: $(head -c 200 "$T/err"))"
loader list 192.0.2.1 >/dev/null
digest=$(db_digest)
"$DNSBLD" -t -c "$T/dnsbl.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 0 ] && grep -q "configuration ok" "$T/out"
ok $? "-t on a good config and store: \"configuration ok\", exit 0 (got $rc)"
is "$(db_digest)" "$digest" "-t writes nothing to the store"
answers "$PORT"; ok $((! $?)) "-t does not serve"
cp "$T/dnsbl.yaml" "$T/good.yaml"
# A bad value on a known line and column: "workers: many" at the end.
echo "workers: many" >>"$T/dnsbl.yaml"
line=$(grep -n '^workers: many$' "$T/dnsbl.yaml" | cut -d: -f1)
"$DNSBLD" -t -c "$T/dnsbl.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "dnsbl.yaml:$line:10: " "$T/err"
ok $? "-t on a bad value: file:$line:10 and the reason, exit 1 (got $rc: $(head -c 200 "$T/err"))"
cp "$T/good.yaml" "$T/dnsbl.yaml"
echo "log_level: loud" >>"$T/dnsbl.yaml"
line=$(grep -n '^log_level: loud$' "$T/dnsbl.yaml" | cut -d: -f1)
"$DNSBLD" -t -c "$T/dnsbl.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "dnsbl.yaml:$line:12: .*log_level.*loud" "$T/err"
ok $? "-t on an unknown log_level: file:$line:12, exit 1 (got $rc: $(head -c 200 "$T/err"))"
printf 'zones: [\n' >"$T/broken.yaml"
"$DNSBLD" -t -c "$T/broken.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -Eq "broken.yaml:[0-9]+:[0-9]+: " "$T/err"
ok $? "-t on broken YAML: file:line:column, exit 1 (got $rc)"
"$DNSBLD" -t -c "$T/missing.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "missing.yaml" "$T/err"
ok $? "-t on a missing config file: named, exit 1"
cp "$T/good.yaml" "$T/dnsbl.yaml"

# --- -d with a store that cannot open ------------------------------------
: >"$T/notadir"
sed -e "s|^database: .*|database: $T/notadir/db|" "$T/good.yaml" >"$T/bad.yaml"
echo "pidfile: $T/bad.pid" >>"$T/bad.yaml"
timeout 60 "$DNSBLD" -d -c "$T/bad.yaml" >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 1 "-d with a store that cannot open: exit 1"
grep -q "store: .*notadir" "$T/err"; ok $? "and the store's error on stderr ($(head -c 200 "$T/err"))"
[ ! -e "$T/bad.pid" ]; ok $? "and no pidfile left"
port_free "$PORT"; ok $? "and no process left holding the port"
# The same with a config error, a user that does not exist, a port taken.
sed -e 's/^user: root$/user: no-such-user-dnsbl/' "$T/good.yaml" >"$T/bad.yaml"
echo "pidfile: $T/bad.pid" >>"$T/bad.yaml"
timeout 60 "$DNSBLD" -d -c "$T/bad.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no-such-user-dnsbl does not exist" "$T/err" && [ ! -e "$T/bad.pid" ]
ok $? "-d with a user that does not exist: said on stderr, exit 1, no pidfile (got $rc)"
$PY -c 'import socket,sys,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", int(sys.argv[1]))); print("bound", flush=True); time.sleep(60)' "$PORT" >"$T/holder.out" &
holder=$!
# Until it has the port (not a fixed 0.5 s: a slow start would let dnsbld -d serve).
for i in $(seq 1 100); do grep -q bound "$T/holder.out" 2>/dev/null && break; sleep 0.1; done
cp "$T/good.yaml" "$T/bad.yaml"; echo "pidfile: $T/bad.pid" >>"$T/bad.yaml"
timeout 60 "$DNSBLD" -d -c "$T/bad.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -qi "address already in use" "$T/err" && [ ! -e "$T/bad.pid" ]
ok $? "-d with the port taken: said on stderr, exit 1, no pidfile (got $rc: $(head -c 200 "$T/err"))"
kill $holder; wait $holder 2>/dev/null

# --- -d, pidfile locked, second instance refused --------------------------
echo "pidfile: $T/dnsbld.pid" >>"$T/dnsbl.yaml"
timeout 60 "$DNSBLD" -d -c "$T/dnsbl.yaml" >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "-d on a good config: exit 0 once serving"
pid=$(cat "$T/dnsbld.pid" 2>/dev/null)
DNSBLD_PID=$pid
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(cat /proc/$pid/comm 2>/dev/null)" = dnsbld ]
ok $? "-d: the pidfile names the running daemon ($pid) when -d returns"
answers "$PORT"; ok $? "-d: answering when -d returns"
timeout 60 "$DNSBLD" -d -c "$T/dnsbl.yaml" >"$T/out" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "locked by process $pid" "$T/err"
ok $? "a second dnsbld with the same pidfile is refused, naming the first ($rc: $(head -c 200 "$T/err"))"
is "$(cat "$T/dnsbld.pid")" "$pid" "the pidfile still names the first"
kill -0 "$pid" && answers "$PORT"; ok $? "and the first still serves"
# The lock, not the file's contents, decides: flock(1) finds it held.
flock -n "$T/dnsbld.pid" true; ok $((! $?)) "the pidfile is locked (flock -n fails)"
kill -TERM "$pid"; wait_gone "$pid"; ok $? "SIGTERM stops the daemon"
DNSBLD_PID=
[ ! -e "$T/dnsbld.pid" ]; ok $? "pidfile removed at exit"
# A stale pidfile (a crash: the file, no lock) does not stop a start.
echo 999999 >"$T/dnsbld.pid"
timeout 60 "$DNSBLD" -d -c "$T/dnsbl.yaml" >"$T/out" 2>"$T/err"; rc=$?
pid=$(cat "$T/dnsbld.pid" 2>/dev/null); DNSBLD_PID=$pid
[ $rc -eq 0 ] && [ "$pid" != 999999 ] && kill -0 "$pid" 2>/dev/null
ok $? "a stale pidfile is taken over ($rc, pid $pid)"
kill -TERM "$pid"; wait_gone "$pid"; DNSBLD_PID=
cp "$T/good.yaml" "$T/dnsbl.yaml"

# --- pidfile after the privilege drop ------------------------------------
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	chmod 755 "$T"; chown -R nobody "$T/db"
	mkdir -p "$T/run" "$T/rootrun"; chown nobody "$T/run"; chmod 755 "$T/rootrun"
	sed -e 's/^user: root$/user: nobody/' "$T/good.yaml" >"$T/dnsbl.yaml"
	echo "pidfile: $T/run/dnsbld.pid" >>"$T/dnsbl.yaml"
	timeout 60 "$DNSBLD" -d -c "$T/dnsbl.yaml" 2>"$T/err"; rc=$?
	pid=$(cat "$T/run/dnsbld.pid" 2>/dev/null); DNSBLD_PID=$pid
	[ $rc -eq 0 ] && [ -n "$pid" ]; ok $? "user: nobody, -d: started ($rc, $(head -c 200 "$T/err"))"
	uid=$(awk '/^Uid:/{print $2 $3 $4 $5}' /proc/$pid/status 2>/dev/null)
	n=$(id -u nobody)
	is "$uid" "$n$n$n$n" "user: nobody: the daemon runs as nobody"
	kill -TERM "$pid"; wait_gone "$pid"; ok $? "user: nobody: SIGTERM stops it"
	DNSBLD_PID=
	[ ! -e "$T/run/dnsbld.pid" ]; ok $? "user: nobody: pidfile removed after the drop (directory nobody's)"
	# A directory only root may write: it cannot be removed, but it is emptied.
	sed -i "s|^pidfile: .*|pidfile: $T/rootrun/dnsbld.pid|" "$T/dnsbl.yaml"
	timeout 60 "$DNSBLD" -d -c "$T/dnsbl.yaml" 2>"$T/err"; rc=$?
	pid=$(cat "$T/rootrun/dnsbld.pid" 2>/dev/null); DNSBLD_PID=$pid
	[ $rc -eq 0 ] && [ -n "$pid" ]; ok $? "user: nobody, pidfile in root's directory: started"
	kill -TERM "$pid"; wait_gone "$pid"; DNSBLD_PID=
	[ -e "$T/rootrun/dnsbld.pid" ] && [ ! -s "$T/rootrun/dnsbld.pid" ]
	ok $? "user: nobody, root's directory: the pidfile is left empty, no stale pid"
	chown -R root "$T/db"; chmod 700 "$T"
else
	ok 0 "# SKIP not root: the privilege drop is not tested"
fi
cp "$T/good.yaml" "$T/dnsbl.yaml"

# --- log priorities, -v, log_level ----------------------------------------
sed -e "s|^database: .*|database: $T/notadir/db|" "$T/good.yaml" >"$T/bad.yaml"
journal "$T/j.log" "$DNSBLD" -c "$T/bad.yaml"; rc=$?
[ $rc -eq 1 ] && grep -q '^<3>store: ' "$T/j.log"
ok $? "stderr the journal: the fatal error line has <3> ($(head -c 200 "$T/j.log"))"
grep -q '^<4>running as root' "$T/j.log"; ok $? "and the warning <4>"
"$DNSBLD" -c "$T/bad.yaml" 2>"$T/plain.log"
grep -q '^dnsbld: store: ' "$T/plain.log" && ! grep -q '^<' "$T/plain.log"
ok $? "stderr not the journal: \"dnsbld: \" lines, no <N>"
: >"$T/other"
JOURNAL_STREAM=$(stat -c %d:%i "$T/other") "$DNSBLD" -c "$T/bad.yaml" 2>"$T/plain.log"
! grep -q '^<' "$T/plain.log"; ok $? "JOURNAL_STREAM naming another file: no <N>"

: >"$T/j.log"
JOURNAL_STREAM=$(stat -c %d:%i "$T/j.log") "$DNSBLD" -c "$T/dnsbl.yaml" 2>>"$T/j.log" &
DNSBLD_PID=$!
for i in $(seq 1 100); do answers "$PORT" && break; sleep 0.1; done
wait_log '^<5>serving ' "$T/j.log"; ok $? "journal: the start line has <5>"
grep -q '^<6>rrl: ' "$T/j.log"; ok $? "journal: a routine line has <6>"
! grep -q '^<7>' "$T/j.log"; ok $? "journal: no debug lines at the default level"
dig +time=5 +tries=2 -p "$PORT" @127.0.0.1 $Z AXFR >/dev/null 2>&1
for i in $(seq 1 50); do grep -q 'AXFR relays.example' "$T/j.log" && break; sleep 0.1; done
grep -q '^<6>AXFR relays.example serial' "$T/j.log"; ok $? "journal: a transfer served is logged at info, <6>"
kill -HUP "$DNSBLD_PID"
for i in $(seq 1 100); do grep -q '^<5>reloaded' "$T/j.log" && break; sleep 0.1; done
grep -q '^<5>reloaded' "$T/j.log"; ok $? "journal: the reload line has <5>"
# SIGHUP applies log_level: at warning, the transfer line is gone.
echo "log_level: warning" >>"$T/dnsbl.yaml"
kill -HUP "$DNSBLD_PID"
for i in $(seq 1 300); do [ "$(grep -c '^<5>reloaded' "$T/j.log")" -ge 2 ] && break; sleep 0.1; done
sleep 1	# the level is set just after the "reloaded" line is written
n1=$(grep -c 'AXFR relays.example' "$T/j.log")
dig +time=5 +tries=2 -p "$PORT" @127.0.0.1 $Z AXFR >"$T/axfr.out" 2>&1
grep -q "SOA" "$T/axfr.out"; ok $? "the AXFR is served"
sleep 0.5
n2=$(grep -c 'AXFR relays.example' "$T/j.log")
is "$n2" "$n1" "SIGHUP with log_level: warning: the transfer's info line is not logged"
stop_dnsbld; ok $? "exit status 0"
! grep -q '^<5>exiting' "$T/j.log"; ok $? "log_level: warning: no notice at exit"

start_dnsbld -v || ok 1 "start with log_level: warning and -v"
wait_log '^dnsbld: serving' "$T/dnsbld.log" && ! grep -q '^dnsbld: rrl: ' "$T/dnsbld.log"
ok $? "log_level: warning with -v: one step, to notice: the start line, no info lines"
stop_dnsbld
cp "$T/good.yaml" "$T/dnsbl.yaml"
start_dnsbld -v || ok 1 "start with -v"
grep -q '^dnsbld: log level debug' "$T/dnsbld.log" && grep -q '^dnsbld: store .* open' "$T/dnsbld.log"
ok $? "-v: debug lines"
stop_dnsbld
start_dnsbld || ok 1 "start"
! grep -q 'log level debug\|^dnsbld: store .* open' "$T/dnsbld.log"; ok $? "without -v: no debug lines"
grep -q '^dnsbld: rrl: ' "$T/dnsbld.log"; ok $? "without -v: info lines"
stop_dnsbld
echo "log_level: warning" >>"$T/dnsbl.yaml"
start_dnsbld || ok 1 "start with log_level: warning"
! grep -q '^dnsbld: rrl: \|^dnsbld: serving' "$T/dnsbld.log"; ok $? "log_level: warning hides info and notice lines"
grep -q '^dnsbld: running as root' "$T/dnsbld.log"; ok $? "log_level: warning keeps the warnings"
stop_dnsbld
start_dnsbld -v -v || ok 1 "start with log_level: warning, -vv"
grep -q '^dnsbld: rrl: ' "$T/dnsbld.log" && ! grep -q 'log level debug' "$T/dnsbld.log"
ok $? "log_level: warning with -vv: info lines, not debug"
stop_dnsbld
cp "$T/good.yaml" "$T/dnsbl.yaml"

# --- sd_notify ------------------------------------------------------------
timeout 300 $PY "$ROOT/tests/system/sdnotify.py" "$T/notify.sock" "$PORT" \
    "$DNSBLD" -c "$T/dnsbl.yaml" >"$T/sd.out" 2>"$T/sd.log"; rc=$?
sed 's/^/# /' "$T/sd.out" | grep -v '^# # got' | head -n 20
is "$rc" 0 "sd_notify: READY=1, RELOADING=1 with MONOTONIC_USEC, READY=1, STOPPING=1, in order, from dnsbld"
NOTIFY_SOCKET=$T/nobody-listens start_dnsbld || ok 1 "start with a NOTIFY_SOCKET nobody listens on"
answers "$PORT"; ok $? "sd_notify with nobody listening: dnsbld serves all the same"
stop_dnsbld; ok $? "and exits 0"
start_dnsbld || ok 1 "start"
answers "$PORT"; ok $? "without NOTIFY_SOCKET: serves (sd_notify a no-op)"
stop_dnsbld

done_testing
