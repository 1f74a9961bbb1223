#!/usr/bin/env bash
# t_dnsbld_signals.sh -- the process: SIGHUP re-reads the config (new zone
# text and a new zone served, a broken config ignored, open TCP
# connections kept), SIGTERM and SIGINT
# stop it cleanly with status 0, -d detaches and writes the pidfile (removed
# on exit), and `user:` drops privileges after binding.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example

write_config
loader list 192.0.2.1 >/dev/null
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
check "before SIGHUP: the old text" -- dc q $PORT 1.2.0.192.$Z TXT \
	--txt "Open relay 192.0.2.1 - see https://relays.example/lookup?ip=192.0.2.1"
check "before SIGHUP: new.example refused" -- dc q $PORT new.example SOA --rcode REFUSED

sed -i 's/^    txt: .*/    txt: "reloaded $"/' "$T/dnsbl.yaml"
cat >>"$T/dnsbl.yaml" <<YAML
  - name: new.example
    soa: {mname: ns1.new.example, rname: hostmaster.new.example, minimum: 60}
    ns: [ns1.new.example]
    a: 127.0.0.7
    txt: "new $"
YAML
kill -HUP "$DNSBLD_PID"
for i in $(seq 1 50); do grep -q reloaded "$T/dnsbld.log" && break; sleep 0.1; done
grep -q "reloaded" "$T/dnsbld.log"; ok $? "SIGHUP logged a reload"
check "after SIGHUP: the new text" -- dc q $PORT 1.2.0.192.$Z TXT --txt "reloaded 192.0.2.1"
check "after SIGHUP: store still read" -- dc q $PORT 1.2.0.192.$Z A --a 127.0.0.2
check "after SIGHUP: new zone served" -- dc q $PORT new.example SOA --rcode NOERROR --aa --an 1
check "after SIGHUP: new zone test entry" -- dc q $PORT 2.0.0.127.new.example ANY --tcp --a 127.0.0.7 --txt "new 127.0.0.2"
check "after SIGHUP: TCP still served" -- dc q $PORT 1.2.0.192.$Z A --tcp --a 127.0.0.2
loader list 192.0.2.2 >/dev/null
check "after SIGHUP: loader changes still seen at once" -- dc q $PORT 2.2.0.192.$Z A --a 127.0.0.2

check "an open TCP connection survives SIGHUP" -- dc hup $PORT "$DNSBLD_PID"

cp "$T/dnsbl.yaml" "$T/good.yaml"
echo "bogus_key: 1" >>"$T/dnsbl.yaml"
kill -HUP "$DNSBLD_PID"
for i in $(seq 1 50); do grep -q "keeping the running config" "$T/dnsbld.log" && break; sleep 0.1; done
grep -q "keeping the running config" "$T/dnsbld.log"; ok $? "a broken config is refused on SIGHUP"
kill -0 "$DNSBLD_PID"; ok $? "and dnsbld keeps running"
check "with the running config" -- dc q $PORT 2.0.0.127.new.example A --a 127.0.0.7
cp "$T/good.yaml" "$T/dnsbl.yaml"

# Several SIGHUPs under load: no answer lost for long, no crash.
for i in 1 2 3 4 5; do kill -HUP "$DNSBLD_PID"; sleep 0.1; done
check "answering after 5 quick SIGHUPs" -- dc q $PORT 1.2.0.192.$Z A --a 127.0.0.2

# SIGTERM: a clean exit, status 0, with an idle TCP connection open.
exec 3<>/dev/tcp/127.0.0.1/$PORT
start=$(date +%s)
stop_dnsbld; ok $? "SIGTERM: exit status 0"
exec 3<&-
[ $(( $(date +%s) - start )) -le 3 ]; ok $? "SIGTERM: exits promptly"
grep -q "exiting" "$T/dnsbld.log"; ok $? "SIGTERM: logged"

start_dnsbld || ok 1 "restart"
kill -INT "$DNSBLD_PID"; wait "$DNSBLD_PID"; ok $? "SIGINT: exit status 0"
DNSBLD_PID=

# -d: detach, pidfile, syslog; SIGTERM removes the pidfile.
echo "pidfile: $T/dnsbld.pid" >>"$T/dnsbl.yaml"
"$DNSBLD" -c "$T/dnsbl.yaml" -d 2>"$T/d.err"; ok $? "-d: the parent returns 0"
for i in $(seq 1 50); do [ -s "$T/dnsbld.pid" ] && break; sleep 0.1; done
pid=$(cat "$T/dnsbld.pid" 2>/dev/null)
DNSBLD_PID=$pid		# so that cleanup stops it if a check below fails
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; ok $? "-d: pidfile names a live process ($pid)"
[ "$(ps -o ppid= -p "$pid" | tr -d ' ')" = 1 ] || [ "$(ps -o ppid= -p "$pid" | tr -d ' ')" != "$$" ]
ok $? "-d: detached from the shell"
check "-d: answering" -- dc q $PORT 1.2.0.192.$Z A --a 127.0.0.2
kill -TERM "$pid"
for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null; ok $((! $?)) "-d: SIGTERM stops it"
[ ! -e "$T/dnsbld.pid" ]; ok $? "-d: pidfile removed"
DNSBLD_PID=

# user: drop privileges after binding (needs root and a 'nobody' user).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	sed -i '/^pidfile:/d' "$T/dnsbl.yaml"
	sed -i 's/^user: root$/user: nobody/' "$T/dnsbl.yaml"
	chmod 755 "$T"; chown -R nobody "$T/db"
	start_dnsbld || ok 1 "start with user: nobody"
	uid=$(awk '/^Uid:/{print $2 $3 $4 $5}' /proc/$DNSBLD_PID/status)
	is "$uid" "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)" "user: all uids are nobody's"
	grp=$(awk '/^Groups:/{print $2}' /proc/$DNSBLD_PID/status)
	is "$grp" "$(id -g nobody)" "user: supplementary groups reset"
	check "user: answering as nobody" -- dc q $PORT 1.2.0.192.$Z A --a 127.0.0.2
	stop_dnsbld; ok $? "user: clean exit"
	# Without user: the default, dnsbl; it must exist, or be named.
	sed -i '/^user: /d' "$T/dnsbl.yaml"
	if id dnsbl >/dev/null 2>&1; then
		chown -R dnsbl "$T/db"
		start_dnsbld || ok 1 "start with the default user"
		uid=$(awk '/^Uid:/{print $2}' /proc/$DNSBLD_PID/status)
		is "$uid" "$(id -u dnsbl)" "no user: root becomes dnsbl"
		stop_dnsbld; ok $? "no user: clean exit"
	else
		"$DNSBLD" -c "$T/dnsbl.yaml" >"$T/nouser.out" 2>&1
		is $? 1 "no user, and no dnsbl user: dnsbld refuses to run as root"
		grep -q 'user dnsbl does not exist: create it (useradd --system dnsbl), or name another, or set "user: root"' "$T/nouser.out"
		ok $? "and says how to fix it"
	fi
	# Root-owned database files are handed to the user at start.
	chown -R root "$T/db"
	echo "user: nobody" >>"$T/dnsbl.yaml"
	start_dnsbld || ok 1 "start with root's database and user: nobody"
	[ "$(stat -c %U "$T/db/serve/data.mdb")" = nobody ]
	ok $? "root's database files handed to nobody"
	check "and answered from" -- dc q $PORT 1.2.0.192.$Z A --a 127.0.0.2
	stop_dnsbld; ok $? "clean exit"
else
	ok 0 "# SKIP not root: user: not tested"
fi
# One endpoint: each worker waits in recvmmsg(2) itself, with no timeout
# (dnsbld/server.c), and a stop or a reload must kick it out of the wait.
# Idle workers, so that nothing else wakes them; bounded waits, so that a
# worker that is never kicked fails the test instead of hanging it.
write_config
sed -i '/"::1@/d' "$T/dnsbl.yaml"
echo "workers: 2" >>"$T/dnsbl.yaml"
start_dnsbld || ok 1 "start with one endpoint and two workers"
sleep 0.5
n0=$(grep -c "reloaded" "$T/dnsbld.log")
kill -HUP "$DNSBLD_PID"
for i in $(seq 1 50); do [ "$(grep -c "reloaded" "$T/dnsbld.log")" -gt "$n0" ] && break; sleep 0.1; done
[ "$(grep -c "reloaded" "$T/dnsbld.log")" -gt "$n0" ]
ok $? "one endpoint, idle workers: SIGHUP reloads within 5 s"
check "and the reloaded server answers" -- dc q $PORT 1.2.0.192.$Z A --a 127.0.0.2
sleep 0.5
kill -TERM "$DNSBLD_PID"
for i in $(seq 1 50); do kill -0 "$DNSBLD_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$DNSBLD_PID" 2>/dev/null; then
	kill -KILL "$DNSBLD_PID"; wait "$DNSBLD_PID" 2>/dev/null
	ok 1 "one endpoint, idle workers: SIGTERM exits within 5 s (killed)"
else
	wait "$DNSBLD_PID"; ok $? "one endpoint, idle workers: SIGTERM exits within 5 s, status 0"
fi
DNSBLD_PID=
done_testing
