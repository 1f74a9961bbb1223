#!/usr/bin/env bash
# t_web_browser.sh -- dnsbl-loader web in a real browser: Debian's
# chromium, headless, driven by chromium-driver and python3-selenium
# (tests/system/webbrowser.py) on loopback.  A listed address shows its
# reason and evidence lines, an unlisted one "not listed", an invalid one
# the error; the retest form's request shows in "retests --json"; a second
# submission is refused with the date.  Screenshots of each page go to
# $BUILD/test-output/t_web_browser/.
# run.sh timeout: 900
source "$(dirname "$0")/lib.sh"

for f in /usr/bin/chromium /usr/bin/chromedriver; do
	[ -x "$f" ] || { echo "1..0 # SKIP $f missing (packages chromium, chromium-driver)"; exit 0; }
done
$PY -c 'import selenium' 2>/dev/null ||
	{ echo "1..0 # SKIP python3-selenium is not installed"; exit 0; }

SHOTS=$ROOT/$BUILD/test-output/t_web_browser
rm -rf "$SHOTS" && mkdir -p "$SHOTS"
write_config "    retest_min_interval: 1h
$(web_yaml)"
cat >"$T/res.yaml" <<YAML
- ip: 192.0.2.10
  result: open
  tested_at: $(date -u +%Y-%m-%dT%H:%M:%SZ -d '-2 hours')
  tester: tester.example.net
  helo: tester.example.net
  transcript: "* relay test of 192.0.2.10 port 25\nS: 220 mx.victim.example ESMTP\nC: EHLO tester.example.net\nS: 250 mx.victim.example\n* relay test (nmap form)\nC: MAIL FROM:<>\nS: 250 ok\nC: RCPT TO:<relaytest@example.com>\nS: 550 relaying denied\nC: RSET\nS: 250 ok\n* relay test (nmap form)\nC: MAIL FROM:<antispam@example.com>\nS: 250 ok\nC: RCPT TO:<relaytest@example.com>\nS: 250 2.1.5 ok\nC: RSET\nS: 250 ok\n* result: open\n"
YAML
check "import an open result with its transcript" -- loader import "$T/res.yaml"
check "give the listing its reason (and a TXT of its own)" -- loader list 192.0.2.10 \
	--reason "relay confirmed by test" --txt "Open relay \$: see $WEB/lookup?ip=\$"
start_web || { done_testing; exit 1; }

# The script writes the result that answers the request into again.lines.
$PY "$ROOT/tests/system/webbrowser.py" "$WEB" "$SHOTS" "$LOADER" "$T/dnsbl.yaml" \
	"$T/again.lines" >"$T/browser.out" 2>"$T/browser.err"
st=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) ok 0 "${line#ok - }" ;;
	"not ok - "*) ok 1 "${line#not ok - }" ;;
	esac
done <"$T/browser.out"
ok $st "the browser session ran to its end"
[ $st -ne 0 ] && grep -v "^#[0-9]" "$T/browser.err" | tail -n 20 | sed 's/^/#   /'
n=$(ls "$SHOTS"/*.png 2>/dev/null | wc -l)
[ "$n" -ge 7 ]; ok $? "$n screenshots in $BUILD/test-output/t_web_browser"
rm -rf "$SHOTS/profile"
stop_web; ok $? "SIGTERM: exit 0"
done_testing
