#!/usr/bin/env bash
# t_dnsbld_control.sh -- dnsbld's control socket (control: PATH) through
# `dnsbl-loader server`: the socket's mode, status (each zone's serial as
# dig sees it in the SOA, also after a commit), stats, reload (done, and a
# failed one for a broken config), the person's rendering, errors; then
# hostile clients: an endless line, binary junk, 40 clients at once, idle
# clients holding connections, a client that never reads its answer.
# dnsbld must keep answering DNS and the control socket throughout.
source "$(dirname "$0")/lib.sh"
Z=relays.example
SOCK=$T/control.sock

write_config "control: $SOCK"
loader list 192.0.2.1 >/dev/null
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

is "$(stat -c '%a %F' "$SOCK")" "660 socket" "the socket: mode 0660"
# The threads' names (dnsbld(8), THREADS AND PERFORMANCE): one worker per
# configured worker, and one each of the others.
workers=$(loader server status --json | $PY -c 'import json,sys; print(json.load(sys.stdin)["workers"])')
names=$(cat /proc/$DNSBLD_PID/task/*/comm | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')
want="dnsbld-control=1 dnsbld-memidx=1 dnsbld-notify=1 dnsbld-tcp=1 dnsbld-xfr=4 "
for w in $(seq 0 $((workers - 1))); do want="${want}dnsbld-udp$w=1 "; done
got=$(echo "$names" | tr ' ' '\n' | grep '^dnsbld-' | sort | tr '\n' ' ')
is "$got" "$(echo "$want" | tr ' ' '\n' | grep . | sort | tr '\n' ' ')" \
    "threads named for top -H: $workers workers and the others"
soa() { dig +short -p $PORT @127.0.0.1 $Z SOA | awk '{print $3}'; }
serial_of() { $PY -c 'import json,sys; print({z["name"]: z["serial"] for z in json.load(sys.stdin)["zones"]}[sys.argv[1]])' "$1"; }

loader server status --json >"$T/status.json"; ok $? "server status --json"
check "status: one JSON object with its fields" -- $PY -c '
import json, sys
s = json.load(open(sys.argv[1]))
need = ["uptime_seconds", "started", "workers", "config", "store_bytes", "reloads", "last_reload", "zones"]
missing = [k for k in need if k not in s]
assert not missing, missing
assert s["workers"] >= 1 and s["store_bytes"] > 0 and s["uptime_seconds"] >= 0
assert s["last_reload"] is None and s["reloads"] == 0
assert s["config"] == sys.argv[2], s["config"]
' "$T/status.json" "$(realpath "$T/dnsbl.yaml")"
is "$(serial_of $Z <"$T/status.json")" "$(soa)" "status: the serial is dig's SOA serial"
loader list 192.0.2.2 >/dev/null
for i in $(seq 1 50); do [ "$(soa)" = "$(loader server status --json | serial_of $Z)" ] && break; sleep 0.1; done
s1=$(loader server status --json | serial_of $Z)
is "$s1" "$(soa)" "after a commit: status and dig agree"
[ "$s1" -gt "$(serial_of $Z <"$T/status.json")" ]; ok $? "... on a newer serial ($s1)"

loader server status >"$T/human.txt"; ok $? "server status (for a person)"
grep -q "^  - name: $Z" "$T/human.txt" && grep -q "serial: $s1" "$T/human.txt"
ok $? "the person's rendering names the zone and its serial"
loader server stats --json >"$T/stats.json"; ok $? "server stats --json"
check "stats: zones and a total" -- $PY -c '
import json, sys
s = json.load(open(sys.argv[1]))
z = {e["name"]: e for e in s["zones"]}
assert "relays.example" in z and "-" in z, list(z)
assert s["total"]["queries"]["udp"] >= 1
assert set(s["total"]["answers"]) >= {"listed", "nxdomain", "nodata", "refused", "formerr", "notimp", "badvers", "truncated"}
assert set(s["total"]["transfers"]) == {"axfr", "ixfr"}
' "$T/stats.json"
loader server stats | grep -q "^total:"; ok $? "server stats (for a person)"

is "$(loader server reload --json)" '{"reload":"done","result":"ok"}' "server reload: done"
loader server status --json >"$T/status.json"
check "status: the reload recorded, with its time" -- $PY -c '
import json, sys, time
s = json.load(open(sys.argv[1]))
assert s["reloads"] == 1 and s["last_reload"]["result"] == "ok", s
assert abs(s["last_reload"]["time"] - time.time()) < 120
' "$T/status.json"
cp "$T/dnsbl.yaml" "$T/good.yaml"
echo "workers: many" >>"$T/dnsbl.yaml"
"$LOADER" -c "$T/good.yaml" server reload --json >"$T/reload.out"; rc=$?
check "a broken config: the reload failed: exit 1, an error object" -- $PY -c '
import json, sys
rc, out = int(sys.argv[1]), open(sys.argv[2]).read()
e = json.loads(out)["error"]
assert rc == 1 and e["code"] == "failed" and "keeps its running config" in e["message"], (rc, out)
' "$rc" "$T/reload.out"
cp "$T/good.yaml" "$T/dnsbl.yaml"
is "$(dig +short -p $PORT @127.0.0.1 1.2.0.192.$Z A)" "127.0.0.2" "... and the running config still answers"
loader server status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); sys.exit(0 if s["reloads"] == 2 and s["reload_failures"] == 1 and s["last_reload"]["result"] == "failed" else 1)'
ok $? "status: 2 reloads, 1 failed, the last one failed"

loader server frobnicate >/dev/null 2>&1; is "$?" 2 "an unknown subcommand: usage, exit 2"
loader server status --socket "$T/nowhere" 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot reach dnsbld" "$T/err"; ok $? "no dnsbld at the socket: exit 1, said why"
grep -v '^control:' "$T/good.yaml" >"$T/nocontrol.yaml"
"$LOADER" -c "$T/nocontrol.yaml" server status 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no control socket" "$T/err"; ok $? "a config without control: exit 1, said why"

# Hostile clients.
check "raw: unknown command, endless line, binary, half a line, idle, many at once" -- $PY - "$SOCK" <<'PY'
import json, os, socket, sys, threading, time
path = sys.argv[1]
def conn():
    # A socket with a timeout connects without blocking, and a Unix
    # socket whose backlog is full refuses that at once (EAGAIN) instead
    # of waiting, as a blocking client (dnsbl-loader server) would: retry,
    # for a bounded time, as such a client waits.
    for _ in range(200):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(20)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            time.sleep(0.05)
    raise BlockingIOError("backlog full for 10 s")
def exchange(data, shut=True):
    s = conn()
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    if shut:
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    out = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            out += c
    except ConnectionResetError:
        pass
    s.close()
    return out
def err(out):
    return "error" in json.loads(out)
assert err(exchange(b"frobnicate\n")), "unknown command"
assert err(exchange(b"status" * 100000)), "endless line: line too long"
assert err(exchange(os.urandom(200).replace(b"\n", b"x") + b"\n")), "binary"
assert err(exchange(b"\x00\xff\n")), "NUL and 0xff"
assert "zones" in json.loads(exchange(b"status")), "a line without its newline, then EOF"
assert "zones" in json.loads(exchange(b"  stats \r\n")), "blanks and CRLF around the command"
# Idle clients that say nothing hold slots; the others still get answers.
idle = [conn() for _ in range(10)]
res = []
def one():
    try:
        res.append("zones" in json.loads(exchange(b"status\n")))
    except Exception as e:
        res.append(repr(e))
ts = [threading.Thread(target=one) for _ in range(40)]
t0 = time.time()
for t in ts: t.start()
for t in ts: t.join()
assert res.count(True) == 40, res
# A client that asks for stats and never reads: the server goes on.
lazy = conn()
lazy.sendall(b"stats\n" )
assert "zones" in json.loads(exchange(b"status\n"))
for s in idle + [lazy]:
    s.close()
PY
ok_dns=0
for i in $(seq 1 20); do
	[ "$(dig +short -p $PORT @127.0.0.1 1.2.0.192.$Z A)" = "127.0.0.2" ] && ok_dns=$((ok_dns + 1))
done
is "$ok_dns" 20 "DNS answered throughout"
loader server status --json >/dev/null; ok $? "the control socket still answers"
kill -0 "$DNSBLD_PID"; ok $? "still running"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
[ ! -e "$SOCK" ]; ok $? "the socket is removed at exit"
start_dnsbld || { ok 1 "dnsbld starts again"; done_testing; exit 1; }
loader server status --json >/dev/null; ok $? "a restart: the socket made anew"
stop_dnsbld
done_testing
