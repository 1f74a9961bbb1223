#!/usr/bin/env bash
# t_tester_battery.sh -- loader test against fake SMTP servers on loopback:
# a refused port, a 554 and a 421 banner, a 530 to MAIL, a server that
# never answers, a catch-all that accepts every RCPT (suspected, never
# open without delivery), one that refuses everything (closed), and the
# battery's sixteen nmap forms plus two in the transcript; --from with
# --parallel; bad targets.  Nothing leaves loopback.
. "$(dirname "$0")/lib.sh"

FAKE_PIDS=()
stop_fakes() {
	local p
	for p in "${FAKE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	FAKE_PIDS=()
}
trap 'stop_fakes; cleanup' EXIT

write_config "tester:
  helo: tester.test.invalid
  domain: tester.test.invalid
  spool: $T/spool
  timeout: 2s
  wait: 2s
  parallel: 4"

# A fake SMTP server: fake MODE PORT [ADDR].  Serves until killed.
cat >"$T/fake.py" <<'PY'
import socket, sys, threading, time
mode, port = sys.argv[1], int(sys.argv[2])
addr = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port)); srv.listen(16)
def serve(c):
    f = c.makefile("rb")
    def say(s): c.sendall((s + "\r\n").encode())
    try:
        if mode == "silent":
            time.sleep(30); return
        if mode == "banner554":
            say("554 5.7.1 no mail from you"); time.sleep(0.5); return
        if mode == "banner421":
            say("421 4.3.2 shutting down"); return
        say("220 fake.test.invalid ESMTP")
        while True:
            l = f.readline()
            if not l: return
            cmd = l.decode(errors="replace").strip().upper()
            if cmd.startswith("EHLO"):
                if mode == "noehlo": say("502 5.5.2 what?")
                else: say("250-fake.test.invalid"); say("250 8BITMIME")
            elif cmd.startswith("HELO"): say("250 fake.test.invalid")
            elif cmd.startswith("MAIL"):
                say("530 5.7.0 Authentication required" if mode == "auth530" else "250 ok")
            elif cmd.startswith("RCPT"):
                say("250 ok" if mode in ("catchall", "noehlo") else "550 5.7.1 relaying denied")
            elif cmd == "DATA": say("354 go")
            elif cmd == "RSET": say("250 ok")
            elif cmd == "QUIT": say("221 bye"); return
            else: say("502 no")
    finally:
        c.close()
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

wait_port() {	# wait_port PORT [ADDR]
	local i
	for i in $(seq 1 50); do
		$PY -c "import socket,sys; socket.create_connection(('${2:-127.0.0.1}', $1), 1).close()" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

fake() {	# fake MODE PORT [ADDR]
	$PY "$T/fake.py" "$@" &
	FAKE_PIDS+=($!)
	wait_port "$2" "${3:-127.0.0.1}"
}

jget() {	# jget KEY < JSON: a top-level value
	$PY -c "import json,sys; v=json.load(sys.stdin)$1; print(str(v).lower() if isinstance(v,bool) else v)"
}

P0=$(free_port)		# nobody listens here
P1=$(free_port); P2=$(free_port); P3=$(free_port); P4=$(free_port)
P5=$(free_port); P6=$(free_port); P7=$(free_port)
fake banner554 "$P1"
fake banner421 "$P2"
fake auth530 "$P3"
fake silent "$P4"
fake catchall "$P5" 127.0.0.5
fake reject "$P6" 127.0.0.6
fake noehlo "$P7" 127.0.0.7

# Refused connection.
out=$(loader --json test "127.0.0.3:$P0")
is "$(echo "$out" | jget '["results"][0]["result"]')" unreachable "refused port: unreachable"
is "$(echo "$out" | jget '["results"][0]["outcome"]')" recorded "unreachable is recorded"
loader --json show 127.0.0.3 >"$T/show.json"
is "$(jget '["listed"]' <"$T/show.json")" false "unreachable: not listed"
is "$(jget '["history"][-1]["actor"]' <"$T/show.json")" tester "the history's actor is tester"

# Banners.
out=$(loader --json test "127.0.0.1:$P1")
is "$(echo "$out" | jget '["results"][0]["result"]')" closed "554 banner: closed"
out=$(loader --json test "127.0.0.1:$P2")
is "$(echo "$out" | jget '["results"][0]["result"]')" closed "421 banner: closed"
out=$(loader --json test "127.0.0.1:$P3")
is "$(echo "$out" | jget '["results"][0]["result"]')" closed "530 to MAIL: closed"
is "$(echo "$out" | jget '["results"][0]["reason"]')" "530: authentication required" \
    "530: the reason says authentication"

# A server that never answers: unreachable after the timeout (2s).
start=$(date +%s)
out=$(loader --json test "127.0.0.1:$P4")
end=$(date +%s)
is "$(echo "$out" | jget '["results"][0]["result"]')" unreachable "silent server: unreachable"
check "silent server: given up within the timeout" -- test $((end - start)) -le 6
out=$(loader --json test --timeout 1 "127.0.0.1:$P4")
is "$(echo "$out" | jget '["results"][0]["reason"]')" "no banner within the timeout" \
    "silent server: the reason says the banner timed out"

# A catch-all: every RCPT accepted, nothing ever delivered.
out=$(loader --json test "127.0.0.5:$P5")
is "$(echo "$out" | jget '["results"][0]["result"]')" suspected "catch-all: suspected"
is "$(echo "$out" | jget '["results"][0]["forms_accepted"]')" \
    "$(seq -s ', ' 1 18 | sed 's/.*/[&]/')" "catch-all: all 18 forms accepted (an array)"
is "$(echo "$out" | jget '["results"][0]["outcome"]')" recorded "suspected is recorded..."
loader --json show 127.0.0.5 >"$T/show.json"
is "$(jget '["listed"]' <"$T/show.json")" false "...and not listed"
ev=$(jget '["history"][-1]["evidence"]' <"$T/show.json")
for want in 'C: MAIL FROM:<>' 'C: RCPT TO:<relaytest@tester.test.invalid>' \
    'C: MAIL FROM:<antispam@fake.test.invalid>' \
    'C: MAIL FROM:<antispam@[127.0.0.5]>' \
    'C: RCPT TO:<relaytest%tester.test.invalid@[127.0.0.5]>' \
    'C: RCPT TO:<relaytest%tester.test.invalid@fake.test.invalid>' \
    'C: RCPT TO:<"relaytest@tester.test.invalid">' \
    'C: RCPT TO:<"relaytest%tester.test.invalid">' \
    'C: RCPT TO:<relaytest@tester.test.invalid@[127.0.0.5]>' \
    'C: RCPT TO:<"relaytest@tester.test.invalid"@[127.0.0.5]>' \
    'C: RCPT TO:<relaytest@tester.test.invalid@fake.test.invalid>' \
    'C: RCPT TO:<@[127.0.0.5]:relaytest@tester.test.invalid>' \
    'C: RCPT TO:<@fake.test.invalid:relaytest@tester.test.invalid>' \
    'C: RCPT TO:<tester.test.invalid!relaytest>' \
    'C: RCPT TO:<tester.test.invalid!relaytest@[127.0.0.5]>' \
    'C: RCPT TO:<tester.test.invalid!relaytest@fake.test.invalid>' \
    'C: MAIL FROM:<spamtest>' 'C: MAIL FROM:<antispam@localhost>' \
    'C: EHLO tester.test.invalid' 'C: RSET' 'S: 220 fake.test.invalid ESMTP'; do
	case "$ev" in *"$want"*) ok 0 "transcript has $want" ;;
	*) ok 1 "transcript has $want" ;; esac
done
extra=$(jget '["history"][-1]["details"]' <"$T/show.json")
case "$extra" in *"helo=tester.test.invalid"*"forms=1,2,3"*) ok 0 "extra: helo and forms" ;;
*) ok 1 "extra: helo and forms"; echo "#   $extra" ;; esac

# The zone policy list_suspected lists suspected relays.
cp "$T/dnsbl.yaml" "$T/plain.yaml"
sed -i 's/^    transfer:/    list_suspected: true\n    transfer:/' "$T/dnsbl.yaml"
out=$(loader --json test "127.0.0.5:$P5")
is "$(echo "$out" | jget '["results"][0]["outcome"]')" listed "list_suspected: a suspected relay is listed"
loader --json show 127.0.0.5 >"$T/show.json"
is "$(jget '["listed"]' <"$T/show.json")" true "list_suspected: shown listed"
cp "$T/plain.yaml" "$T/dnsbl.yaml"

# A server that refuses every form: closed.
out=$(loader --json test "127.0.0.6:$P6")
is "$(echo "$out" | jget '["results"][0]["result"]')" closed "every form refused: closed"
is "$(echo "$out" | jget '["results"][0]["reason"]')" "every form refused" "closed: the reason"

# EHLO refused: HELO instead.
out=$(loader --json test "127.0.0.7:$P7")
is "$(echo "$out" | jget '["results"][0]["result"]')" suspected "EHLO refused, HELO accepted: tested"
loader --json show 127.0.0.7 >"$T/show.json"
ev=$(jget '["history"][-1]["evidence"]' <"$T/show.json")
case "$ev" in *"S: 502 5.5.2 what?"*"C: HELO tester.test.invalid"*) ok 0 "HELO after a refused EHLO" ;;
*) ok 1 "HELO after a refused EHLO" ;; esac

# Several hosts at once, from a file, two at a time.
printf '# hosts\n127.0.0.1:%s\n127.0.0.1:%s\n\n127.0.0.3:%s  # refused\n127.0.0.6:%s\n127.0.0.1:%s\n' \
    "$P1" "$P2" "$P0" "$P6" "$P4" >"$T/hosts"
start=$(date +%s)
loader test --from "$T/hosts" --parallel 2 >"$T/par.out" 2>&1
st=$?
end=$(date +%s)
is $st 0 "--from --parallel 2: exit 0"
is "$(grep -c ': closed (' "$T/par.out")" 3 "--from: three closed"
is "$(grep -c ': unreachable (' "$T/par.out")" 2 "--from: two unreachable"
is "$(tail -n 1 "$T/par.out")" "5 hosts: 0 open, 0 suspected, 3 closed, 2 unreachable" "--from: the summary"
is "$(sed -n 1p "$T/par.out" | cut -d: -f1-2)" "127.0.0.1:$P1" "--from: results in file order"
check "--from --parallel 2: within the bound" -- test $((end - start)) -le 12
loader --json test --from "$T/hosts" --parallel 5 >"$T/par.json"
is "$($PY -c "import json,sys; print(len(json.load(open('$T/par.json'))['results']))")" 5 "--from --json: results, an array of 5"

# Bad targets and options.
loader test nosuch.example >"$T/err" 2>&1
is $? 1 "a name is refused (no resolving)"
grep -q "not an IP address" "$T/err"; ok $? "... saying so"
printf '127.0.0.1:%s\n127.0.0.1:99999\n' "$P1" >"$T/bad"
d0=$(db_digest)
loader test --from "$T/bad" >"$T/err" 2>&1
is $? 1 "a bad port in --from: refused"
grep -q "$T/bad:2: " "$T/err"; ok $? "... with FILE:LINE"
is "$(db_digest)" "$d0" "... and nothing tested or written"
loader test --deliver "127.0.0.1:$P1" >"$T/err" 2>&1
is $? 1 "--deliver without tester.dropbox: refused"
loader test >/dev/null 2>&1
is $? 2 "no host: usage"
loader test --parallel 0 127.0.0.1 >/dev/null 2>&1
is $? 2 "--parallel 0: usage"

stop_fakes
done_testing
