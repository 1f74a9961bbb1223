#!/usr/bin/env bash
# t_web_config.sh -- the web: section of dnsbl.yaml as dnsbl-loader web
# takes it: errors with line and column, a listen address without its
# port, IPv6, the privilege drop to the config's user, evidence and
# show_tester and show_history, metrics_allow, SIGHUP (logged, nothing
# reloaded), --json when it stops, and a port in use.
source "$(dirname "$0")/lib.sh"

write_config "$(web_yaml "  evidence: bogus")"
out=$(loader check-config 2>&1); st=$?
[ $st -ne 0 ] && echo "$out" | grep -q "dnsbl.yaml:[0-9]*:[0-9]*: .*evidence"
ok $? "check-config: a bad web.evidence, with line and column: $out"
write_config "web:
  listen: [127.0.0.1]"
loader web >"$T/o" 2>&1; st=$?
[ $st -eq 1 ] && grep -q "web: listen: '127.0.0.1' needs a port (ADDRESS@PORT)" "$T/o"
ok $? "a listen address without a port is refused: $(head -n1 "$T/o")"

# Tested a month ago: not a fixed date, which the default expire_after
# (90 days) would one day make too old to list.
cat >"$T/res.yaml" <<YAML
- ip: 192.0.2.10
  result: open
  tested_at: $(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%SZ)
  tester: tester.example.net
  helo: helo.example.net
  transcript: "* relay test of 192.0.2.10 port 25, helo helo.example.net\nS: 220 mx.example\nC: EHLO helo.example.net\nS: 250 ok\n* relay test (nmap form)\nC: MAIL FROM:<a@example.com>\nS: 250 ok\nC: RCPT TO:<r@example.com>\nS: 250 ok\n* result: open\n"
YAML
write_config "$(web_yaml "  show_tester: false
  transcript_lines: 3
  metrics_allow: [192.0.2.0/24]
  lookups_per_minute: 0
user: nobody")"
sed -i 's/^user: root$//' "$T/dnsbl.yaml"
sed -i "s|^  listen: \[127.0.0.1@$WPORT\]|  listen: [127.0.0.1@$WPORT, '::1@$WPORT']|" "$T/dnsbl.yaml"
check "import" -- loader import "$T/res.yaml"
chmod 755 "$T"
chown -R nobody "$T/db"
start_web || { done_testing; exit 1; }
is "$(awk '/^Uid:/{print $2}' /proc/$WEB_PID/status)" "$(id -u nobody)" \
	"started as root, it runs as the config's user (nobody)"
curl -s -o "$T/b" "$WEB/lookup?ip=192.0.2.10"
grep -q "C: EHLO \[tester\]" "$T/b" && ! grep -q "helo.example.net\|tester.example.net" "$T/b"
ok $? "show_tester: false: the tester's names are [tester]"
is "$($PY -c 'import re,sys; print(len(re.search(r"<pre>(.*?)</pre>", open(sys.argv[1]).read(), re.S).group(1).splitlines()))' "$T/b")" \
	3 "transcript_lines: 3: three lines"
grep -q "<h3>History</h3>" "$T/b"; ok $? "show_history (default true): the history"
is "$(curl -s -o /dev/null -w '%{http_code}' -g "http://[::1]:$WPORT/lookup?ip=2001:db8::1")" 200 \
	"it listens on ::1 too, and looks up IPv6"
curl -s "http://[::1]:$WPORT/lookup?ip=2001:db8::1" | grep -q "2001:db8::1 is <span class=\"clear\">not listed"
ok $? "an unlisted IPv6 address: not listed"
is "$(curl -s -o /dev/null -w '%{http_code}' "$WEB/metrics")" 403 "/metrics outside metrics_allow: 403"
kill -HUP "$WEB_PID"; sleep 0.5
kill -0 "$WEB_PID" && grep -q "SIGHUP: nothing reloaded; a change of the config takes a restart" "$T/web.log"
ok $? "SIGHUP: logged, still running"
"$LOADER" -c "$T/dnsbl.yaml" web >"$T/o2" 2>&1; st=$?
[ $st -eq 1 ] && grep -q "Address already in use" "$T/o2"
ok $? "a second one on the same port fails clearly: $(head -n1 "$T/o2")"
stop_web; ok $? "SIGTERM: exit 0"

write_config "$(web_yaml "  evidence: forms
  show_history: false")"
chown -R root "$T/db"
"$LOADER" -c "$T/dnsbl.yaml" --json web >"$T/json" 2>>"$T/web.log" &
WEB_PID=$!
for i in $(seq 1 100); do curl -s -o /dev/null "$WEB/" && break; sleep 0.1; done
curl -s -o "$T/b" "$WEB/lookup?ip=192.0.2.10"
grep -q "<dt>Forms accepted</dt><dd>1</dd>" "$T/b" && ! grep -q "<pre>" "$T/b"
ok $? "evidence: forms: the forms, no transcript"
grep -q "<h3>History</h3>" "$T/b"; ok $((! $?)) "show_history: false: no history"
is "$(curl -s -o /dev/null -w '%{http_code}' "$WEB/metrics")" 200 "/metrics from loopback (the default metrics_allow)"
stop_web; ok $? "SIGTERM: exit 0"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["stopped"] and d["requests"] >= 3' "$T/json"
ok $? "--json: an object when it stops"
grep -q 'web: 127.0.0.1 "GET /lookup" 200' "$T/web.log"; ok $? "under --json the log still goes to stderr"
done_testing
