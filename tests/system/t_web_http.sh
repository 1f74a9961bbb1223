#!/usr/bin/env bash
# t_web_http.sh -- dnsbl-loader web at the HTTP level, with curl and
# tests/system/webcheck.py on loopback: the pages and their security
# headers; every stored text (TXT, reason, transcript) with <script>
# escaped; methods other than GET and POST; oversized query strings and
# bodies; missing and bad CSRF tokens; bad parameters; path traversal;
# per-client limits through a trusted proxy's X-Forwarded-For; /metrics
# for metrics_allow only; many concurrent clients; kill -9 in the middle
# of a request and a restart: the store holds what was accepted, no more.
source "$(dirname "$0")/lib.sh"

write_config "    retest_min_interval: 1h
$(web_yaml "  trusted_proxies: [127.0.0.1/32]
  lookups_per_minute: 5
  retests_per_hour: 20
  transcript_lines: 30")"
# Tested a month ago: not a fixed date, which the default expire_after
# (90 days) would one day make too old to list.
cat >"$T/res.yaml" <<YAML
- ip: 192.0.2.10
  result: open
  tested_at: $(date -u -d '30 days ago' +%Y-%m-%dT%H:%M:%SZ)
  tester: tester.example.net
  helo: tester.example.net
  transcript: "* relay test of 192.0.2.10 port 25\nS: 220 mx.example ESMTP <script>alert('transcript')</script>\nC: EHLO tester.example.net\nS: 250 ok\n* relay test (nmap form)\nC: MAIL FROM:<antispam@example.com>\nS: 250 ok\nC: RCPT TO:<relaytest@example.com>\nS: 250 2.1.5 <script>alert('rcpt')</script>\n* result: open\n"
YAML
check "import a result with a hostile transcript" -- loader import "$T/res.yaml"
check "list with a hostile reason and TXT" -- loader list 192.0.2.20 \
	--reason "<script>alert('reason')</script>" --txt "<script>alert('txt')</script> \$"
start_web || { done_testing; exit 1; }

# --- pages and headers
curl -s -D "$T/h" -o "$T/b" -H 'X-Forwarded-For: 10.1.0.1' "$WEB/lookup?ip=192.0.2.10"
is "$(head -n1 "$T/h" | tr -d '\r')" "HTTP/1.1 200 OK" "GET /lookup of a listed address: 200"
grep -qi "^Content-Security-Policy: default-src 'none'; style-src 'self';" "$T/h" &&
	grep -qi "form-action 'self'" "$T/h"
ok $? "a strict Content-Security-Policy (no script at all)"
grep -qi '^X-Content-Type-Options: nosniff' "$T/h"; ok $? "X-Content-Type-Options: nosniff"
grep -qi '^Referrer-Policy: no-referrer' "$T/h"; ok $? "Referrer-Policy: no-referrer"
grep -qi '^Set-Cookie: dnsbl_csrf=[0-9a-f]\{32\}; Path=/; HttpOnly; SameSite=Strict' "$T/h"
ok $? "the CSRF cookie is HttpOnly and SameSite=Strict"
grep -q 'is <span class="listed">listed</span> in relays.example' "$T/b"; ok $? "the page says listed"
grep -q "S: 250 2.1.5 &lt;script&gt;alert(&#39;rcpt&#39;)&lt;/script&gt;" "$T/b"
ok $? "transcript lines are shown, <script> escaped"
grep -q "<dt>Forms accepted</dt><dd>1</dd>" "$T/b"; ok $? "the forms accepted are named"
curl -s -o "$T/b2" -H 'X-Forwarded-For: 10.1.0.2' "$WEB/lookup?ip=192.0.2.20"
grep -q "Reason</dt><dd>&lt;script&gt;alert(&#39;reason&#39;)&lt;/script&gt;</dd>" "$T/b2"
ok $? "the reason is escaped"
grep -q "Meaning (TXT)</dt><dd>&lt;script&gt;alert(&#39;txt&#39;)&lt;/script&gt; 192.0.2.20</dd>" "$T/b2"
ok $? "the TXT is escaped"
cat "$T/b" "$T/b2" | grep -qi '<script'; ok $((! $?)) "no <script> anywhere in the pages"
grep -q 'admin:\|import:' "$T/b" "$T/b2"; ok $((! $?)) "no actor is shown"
curl -s -o "$T/j" -H 'X-Forwarded-For: 10.1.0.3' "$WEB/api/v1/lookup?ip=192.0.2.20"
$PY -c '
import json, sys
d = json.load(open(sys.argv[1]))
z = d["zones"][0]
assert d["ip"] == "192.0.2.20" and z["listed"] and z["entry"]["reason"].startswith("<script>")
assert "actor" not in json.dumps(d)
' "$T/j"; ok $? "the JSON API: the same facts, as JSON (no actor)"

# --- methods
for m in PUT DELETE PATCH OPTIONS TRACE; do
	st=$(curl -s -o /dev/null -w '%{http_code}' -X $m -H 'X-Forwarded-For: 10.2.0.1' "$WEB/lookup?ip=192.0.2.10")
	is "$st" 405 "$m gets 405"
done
curl -s -D "$T/h" -o /dev/null -X DELETE "$WEB/"
grep -qi '^Allow: GET, HEAD, POST' "$T/h"; ok $? "with Allow: GET, HEAD, POST"
is "$(curl -s -o /dev/null -w '%{http_code}' -I "$WEB/")" 200 "HEAD / is 200"
is "$(curl -s -o /dev/null -w '%{http_code}' "$WEB/retest")" 405 "GET /retest is 405"

# --- oversized input
long=$(head -c 6000 /dev/zero | tr '\0' a)
is "$(curl -s -o /dev/null -w '%{http_code}' "$WEB/lookup?ip=$long")" 414 "a 6000-byte query string: 414"
huge=$(head -c 200000 /dev/zero | tr '\0' a)
printf 'GET /lookup?ip=%s HTTP/1.1\r\nHost: x\r\n\r\n' "$huge" >"$T/huge.req"
st=$($PY "$ROOT/tests/system/webcheck.py" raw "$WPORT" "$T/huge.req")
case "$st" in "HTTP/1.1 414"*|"HTTP/1.1 431"*|"HTTP/1.1 400"*|"(closed)") ok 0 "a 200 KB request line is refused ($st)";;
	*) ok 1 "a 200 KB request line is refused ($st)";; esac
head -c 10000 /dev/zero | tr '\0' a >"$T/big"
is "$(curl -s -o /dev/null -w '%{http_code}' --data-binary @"$T/big" "$WEB/retest")" 413 \
	"a 10000-byte body: 413"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$WEB/retest")" 413 \
	"the same, chunked (no Content-Length): 413"
printf 'POST /retest HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n' >"$T/cl.req"
is "$($PY "$ROOT/tests/system/webcheck.py" raw "$WPORT" "$T/cl.req")" "HTTP/1.1 413 Content Too Large" \
	"a huge Content-Length is refused before any body"

# --- CSRF
d0=$(db_digest)
post() { curl -s -o "$T/p" -w '%{http_code}' -H 'X-Forwarded-For: 10.3.0.1' "$@"; }
is "$(post --data 'ip=192.0.2.10&contact=a%40b.example' "$WEB/retest")" 403 "no CSRF token: 403"
grep -q "security token" "$T/p"; ok $? "the page says why"
is "$(post --data 'ip=192.0.2.10&contact=a%40b.example&csrf=1.abc' -b dnsbl_csrf=0123456789abcdef0123456789abcdef "$WEB/retest")" \
	403 "a forged token: 403"
curl -s -c "$T/jar" -o "$T/f" -H 'X-Forwarded-For: 10.3.0.2' "$WEB/lookup?ip=192.0.2.10"
tok=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/f" | head -n1)
[ -n "$tok" ]; ok $? "the form carries a token"
is "$(post --data "ip=192.0.2.10&contact=a%40b.example&csrf=$tok" "$WEB/retest")" 403 \
	"a good token without its cookie: 403"
is "$(post --data "ip=192.0.2.10&contact=a%40b.example&csrf=$tok" -b dnsbl_csrf=0123456789abcdef0123456789abcdef "$WEB/retest")" \
	403 "a good token with another cookie: 403"
is "$(post --data 'ip=192.0.2.10&contact=a%40b.example' "$WEB/api/v1/retest")" 403 \
	"the API without its X-DNSBL-API header: 403"
is "$(db_digest)" "$d0" "nothing was written by the refused requests"

# --- bad parameters
st=$(curl -s -o "$T/e" -w '%{http_code}' -H 'X-Forwarded-For: 10.4.0.1' "$WEB/lookup?ip=not-an-address")
is "$st" 400 "a bad address: 400"
grep -q "&#39;not-an-address&#39; is not an IPv4 or IPv6 address" "$T/e"; ok $? "with a clear error"
for q in 'ip=%zz' 'ip=1.2.3.4&ip=5.6.7.8' 'ip=1.2.3.4%01' 'ip=192.0.2.0/24' 'ip=' 'ip=%c0%af'; do
	is "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 10.4.0.2' "$WEB/lookup?$q")" 400 "?$q: 400"
done
st=$(curl -s -o "$T/e" -w '%{http_code}' -H 'X-Forwarded-For: 10.4.0.3' "$WEB/api/v1/lookup?ip=x")
is "$st" 400 "the API: a bad address: 400"
$PY -c 'import json,sys; assert json.load(open(sys.argv[1]))["error"]["code"] == "invalid"' "$T/e"
ok $? "as a JSON error object"
st=$(curl -s -o "$T/e" -w '%{http_code}' -H 'X-Forwarded-For: 10.4.0.4' "$WEB/lookup?ip=%3Cscript%3Ealert(1)%3C/script%3E")
is "$st" 400 "a <script> as the address: 400"
grep -qi '<script' "$T/e"; ok $((! $?)) "and it comes back escaped"

# --- path traversal
for p in '/static/../../../../etc/passwd' '/static/%2e%2e/%2e%2e/etc/passwd' \
    '/..%2f..%2f..%2fetc%2fpasswd' '/static//etc/passwd' '/lookup/../../etc/passwd'; do
	st=$(curl -s --path-as-is -o "$T/t" -w '%{http_code}' "$WEB$p")
	grep -q 'root:' "$T/t"; leak=$?
	[ "$st" = 404 ] && [ $leak -ne 0 ]; ok $? "$p: 404, nothing of the file system"
done
is "$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$WEB/static/style.css")" \
	"200 text/css; charset=utf-8" "the stylesheet is served"

# --- per-client limits, through the trusted proxy
for i in 1 2 3 4 5; do
	curl -s -o /dev/null -H 'X-Forwarded-For: 203.0.113.9' "$WEB/lookup?ip=192.0.2.99"
done
curl -s -D "$T/h" -o "$T/b" -H 'X-Forwarded-For: 198.51.100.1, 203.0.113.9' "$WEB/lookup?ip=192.0.2.99"
is "$(head -n1 "$T/h" | tr -d '\r')" "HTTP/1.1 429 Too Many Requests" \
	"the 6th lookup in a minute from one client: 429 (lookups_per_minute 5)"
grep -qi '^Retry-After: [0-9]' "$T/h"; ok $? "with Retry-After"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 203.0.113.10' "$WEB/lookup?ip=192.0.2.99")" \
	200 "another client is not limited"

# --- /metrics
curl -s -o "$T/m" "$WEB/metrics"
grep -q '^dnsbl_web_requests_total{route="lookup",status="429"} 1$' "$T/m"
ok $? "/metrics counts requests by route and status"

# --- many concurrent clients
out=$($PY "$ROOT/tests/system/webcheck.py" concurrent "$WPORT" 192.0.2.10 32 20)
is "$out" "ok 640 bad 0 []" "32 concurrent clients, 20 lookups each: every answer right"

# --- an accepted request, then kill -9 in the middle of another
curl -s -c "$T/jar2" -o "$T/f" -H 'X-Forwarded-For: 10.5.0.1' "$WEB/lookup?ip=192.0.2.10"
tok=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$T/f" | head -n1)
is "$(curl -s -o /dev/null -w '%{http_code}' -b "$T/jar2" -H 'X-Forwarded-For: 10.5.0.1' \
	--data "ip=192.0.2.10&zone=relays.example&contact=ops%40victim.example&csrf=$tok" "$WEB/retest")" \
	200 "a retest request with a good token: 200"
d1=$(db_digest)
[ "$d1" != "$d0" ]; ok $? "it was written"
$PY "$ROOT/tests/system/webcheck.py" partial "$WPORT" >"$T/partial.out" &
pp=$!
for i in $(seq 1 50); do grep -q sent "$T/partial.out" && break; sleep 0.1; done
kill -9 "$WEB_PID"; wait "$WEB_PID" 2>/dev/null; WEB_PID=
wait "$pp"
is "$(db_digest)" "$d1" "kill -9 in the middle of a request: the store is as it was"
start_web; ok $? "restarted"
is "$(loader retests --json | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["retests"]))')" 1 \
	"one retest request in the store: the accepted one"
is "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 10.6.0.1' "$WEB/lookup?ip=192.0.2.10")" \
	200 "and it answers again"
grep -q 'web: 10.1.0.1 "GET /lookup" 200' "$T/web.log"; ok $? "a log line per request, with the client"
stop_web; ok $? "SIGTERM: exit 0"
done_testing
