#!/usr/bin/env bash
# t_loader_json.sh -- the --json contract of dnsbl-loader (docs/loader.8,
# JSON OUTPUT): every command, on success and on failure, prints exactly
# one JSON object on stdout (nothing on stderr), matching its schema in
# data/loader_schemas.json (checked by jsonschema.py), with the documented
# exit status.  Failures are {"error": {code, message, ...}}: a bad address,
# an unknown zone, a missing or invalid config, a refused retest request
# (rate_limited with retry_after and retry_at), an import with a bad line
# (file and line).  Hostile input (control bytes in an address, a reason
# with a newline and quotes, bytes that are not UTF-8) keeps the JSON valid
# and round-trips.  -c and --json work before and after the command; times
# take RFC 3339, a date or an age; import - reads YAML from stdin.
source "$(dirname "$0")/lib.sh"

SCHEMAS=$(dirname "$0")/data/loader_schemas.json
CHECK=$(dirname "$0")/jsonschema.py
SINK_PID=
stop_sink() {
	[ -n "$SINK_PID" ] || return 0
	kill "$SINK_PID" 2>/dev/null
	wait "$SINK_PID" 2>/dev/null
	SINK_PID=
}
trap 'stop_sink; cleanup' EXIT

write_config "tester:
  dropbox: relaytest@sink.test.invalid
  spool: $T/spool
  timeout: 5s
  wait: 1s"
N=0
DAY0=$(date -u +%Y-%m-%d)	# before any change: the test may run past midnight UTC

# jrun SCHEMA WANT_RC NAME -- CMD...: run CMD; its exit status is WANT_RC,
# stderr is empty, stdout is one JSON object matching SCHEMA.  The output
# stays in $T/j.out for jf.
jrun() {
	local schema=$1 want=$2 name=$3 rc st
	shift 4
	N=$((N + 1))
	"$@" >"$T/j.out" 2>"$T/j.err" </dev/null
	rc=$?
	cp "$T/j.out" "$T/j.$N.out"
	is "$rc" "$want" "$name: exit $want"
	$PY "$CHECK" "$SCHEMAS" "$schema" "$T/j.out" 2>"$T/j.why"
	st=$?
	ok $st "$name: one JSON object matching '$schema'"
	[ $st -eq 0 ] || { sed 's/^/#   /' "$T/j.why"; head -c 600 "$T/j.out" | sed 's/^/#   out: /'; }
	[ ! -s "$T/j.err" ]
	st=$?
	ok $st "$name: nothing on stderr"
	[ $st -eq 0 ] || head -c 400 "$T/j.err" | sed 's/^/#   err: /'
}
# jf EXPR: EXPR of the last output, d (the object), printed by Python.
jf() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$T/j.out" "$1"; }

# ---- the config ----
jrun check_config 0 "check-config" -- loader --json check-config
is "$(jf 'd["zones"]')" 1 "check-config: one zone"
cp "$T/dnsbl.yaml" "$T/bad.yaml"
sed -i 's/^    ttl: 2100$/    ttl: 2100\n    colour: red/' "$T/bad.yaml"
line=$(grep -n 'colour: red' "$T/bad.yaml" | cut -d: -f1)
jrun error 1 "check-config of an invalid file" -- "$LOADER" check-config -c "$T/bad.yaml" --json
is "$(jf '(d["error"]["code"], d["error"]["file"], d["error"]["line"], d["error"]["column"])')" \
	"('config', '$T/bad.yaml', $line, 5)" "the error names code config, the file, line and column"
jrun error 1 "a missing config" -- "$LOADER" --json -c "$T/none.yaml" stats
is "$(jf 'd["error"]["code"]')" config "a missing config: code config"
jrun error 1 "a command on an invalid config" -- "$LOADER" --json stats -c "$T/bad.yaml"
is "$(jf '(d["error"]["code"], d["error"]["line"])')" "('config', $line)" "the config error is located"

# ---- usage ----
jrun error 2 "an unknown command" -- loader --json frobnicate
is "$(jf 'd["error"]["code"]')" usage "an unknown command: code usage"
jrun error 2 "no command" -- loader --json
jrun error 2 "a bad option" -- loader list --bogus 192.0.2.1 --json
is "$(jf 'd["error"]["code"]')" usage "a bad option: code usage"
jrun error 2 "stats with an argument" -- loader stats extra --json
for c in list delist import show export stats exclude unexclude retest-request retests expire history test sink apply-config backup restore check-config; do
	jrun help 0 "$c --help --json" -- "$LOADER" -c "$T/none.yaml" "$c" --help --json
	is "$(jf 'd["command"]')" "$c" "$c --help --json: names the command"
done

# ---- list, show, delist, exclude, unexclude ----
REASON=$'a "quoted" reason\nwith a newline, a tab\t, a backslash \\ and </script>'
jrun results 0 "list" -- loader --json list 192.0.2.1 198.51.100.0/24 --reason "$REASON"
is "$(jf '[(r["prefix"], r["outcome"]) for r in d["results"]]')" \
	"[('192.0.2.1', 'listed'), ('198.51.100.0/24', 'listed')]" "list: each prefix and its outcome"
jrun results 0 "list with -c and --json after the command" -- "$LOADER" list 192.0.2.2 -c "$T/dnsbl.yaml" --json
jrun show 0 "show" -- loader show 192.0.2.1 --json
printf '%s' "$REASON" >"$T/reason.want"
$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.stdout.write(d["entry"]["reason"])' "$T/j.out" >"$T/reason.got"
cmp -s "$T/reason.want" "$T/reason.got"; ok $? "show: the reason with a newline and quotes comes back byte for byte"
is "$(jf '(d["prefix"], d["listed"], d["history"][0]["action"], d["history"][0]["reason"] == d["entry"]["reason"])')" \
	"('192.0.2.1', True, 'listed', True)" "show: prefix, listed, and the history"
jrun show 0 "show of an address never listed" -- loader --json show 203.0.113.9
is "$(jf '(d["listed"], d["entry"])')" "(False, None)" "show: not listed, no entry"
jrun error 2 "list of a bad address" -- loader --json list 192.0.2.300
is "$(jf 'd["error"]["code"]')" parse "a bad address: code parse"
HOSTILE=$'192.0.2.1\x1b[2J\r\n{"x":1}\x7f\xff\xfe\xed\xa0\x80\xc0\xaf\xf4\x90\x80\x80\xe2\x80\xae'
jrun error 2 "list of an address with control bytes and bad UTF-8" -- loader --json list "$HOSTILE"
is "$(jf '"\x1b" in d["error"]["message"] and "\n" in d["error"]["message"]')" True \
	"the hostile address is in the message, its control bytes escaped as JSON"
jrun error 2 "show of a hostile address" -- loader show "$HOSTILE" --json
jrun error 1 "list in an unknown zone" -- loader --json list 192.0.2.3 --zone nosuch.example
is "$(jf '(d["error"]["code"], "nosuch.example" in d["error"]["message"])')" "('not_found', True)" \
	"an unknown zone: code not_found, named"
jrun error 1 "show in an unknown zone" -- loader --json show 192.0.2.3 --zone nosuch.example
jrun error 1 "list of a /7 without --force" -- loader --json list 10.0.0.0/7
is "$(jf 'd["error"]["code"]')" refused "a listing too wide: code refused"
jrun error 2 "a reason over 255 bytes" -- loader --json list 192.0.2.3 --reason "$(printf 'x%.0s' $(seq 300))"
jrun results 0 "delist" -- loader --json delist 192.0.2.2 --reason $'gone\x01 "now"'
is "$(jf 'd["results"][0]["outcome"]')" delisted "delist: outcome delisted"
jrun results 0 "exclude" -- loader --json exclude 203.0.113.0/28 --reason 'our own "net"'
jrun results 0 "unexclude" -- loader --json unexclude 203.0.113.0/28
jrun error 2 "exclude without --reason" -- loader --json exclude 203.0.113.0/28

# ---- import ----
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
printf '192.0.2.10 open %s\n# a comment\n192.0.2.11\n' "$NOW" >"$T/ok.txt"
jrun import 0 "import of a lines file" -- loader --json import "$T/ok.txt"
is "$(jf '(d["format"], d["records"], d["listed"])')" "('lines', 2, 2)" "import: format, records, listed"
printf '192.0.2.12\n192.0.2.13 open\n192.0.2.999 open\n' >"$T/bad.txt"
jrun error 1 "import with a bad line" -- loader --json import "$T/bad.txt"
is "$(jf '(d["error"]["code"], d["error"]["file"], d["error"]["line"], "192.0.2.999" in d["error"]["message"])')" \
	"('parse', '$T/bad.txt', 3, True)" "a bad line: code parse, file and line 3"
jrun error 1 "import of a missing file" -- loader --json import "$T/none.txt"
is "$(jf 'd["error"]["code"]')" not_found "a missing file: code not_found"
printf -- '- ip: 192.0.2.14\n  result: open\n  tested_at: %s\n' "$NOW" >"$T/in.yaml"
N=$((N + 1))
loader --json import - <"$T/in.yaml" >"$T/j.out" 2>"$T/j.err"
is $? 0 "import - of YAML on stdin: exit 0"
$PY "$CHECK" "$SCHEMAS" import "$T/j.out"; ok $? "import - : one JSON object"
is "$(jf '(d["file"], d["format"], d["listed"])')" "('(stdin)', 'yaml', 1)" "import -: YAML read from stdin"
loader import --format yaml - <"$T/in.yaml" >/dev/null 2>&1
is $? 0 "import --format yaml -: stdin too"
printf -- '- ip: "192.0.2.15\\u001b"\n  result: open\n  tested_at: %s\n' "$NOW" |
	loader import - --json >"$T/j.out" 2>"$T/j.err"
is $? 1 "import - of YAML with a hostile address: exit 1"
$PY "$CHECK" "$SCHEMAS" error "$T/j.out"; ok $? "and one error object"
is "$(jf '(d["error"]["code"], d["error"]["file"], d["error"]["line"])')" "('parse', '(stdin)', 1)" \
	"the error names (stdin) and the line"

# ---- stats, history ----
jrun stats 0 "stats" -- loader stats --json
jrun history 0 "history" -- loader --json history
all=$(jf 'len(d["history"])')
[ "$all" -ge 8 ]; ok $? "history: every change ($all)"
jrun history 0 "history --since an age" -- loader --json history --since 1h
is "$(jf 'len(d["history"])')" "$all" "--since 1h: the changes of this test"
jrun history 0 "history --since a date" -- loader --json history --since "$DAY0"
is "$(jf 'len(d["history"])')" "$all" "--since the date the test began: the same"
jrun history 0 "history --since tomorrow" -- loader --json history --since "$(date -u -d tomorrow +%Y-%m-%d)"
is "$(jf 'len(d["history"])')" 0 "--since tomorrow: none"
jrun history 0 "history --since RFC 3339" -- loader --json history --since 2000-01-01T00:00:00+01:00
is "$(jf 'len(d["history"])')" "$all" "--since 2000: all"
jrun error 2 "history --since a bad time" -- loader --json history --since yesterday
is "$(jf 'd["error"]["code"]')" usage "a bad time: code usage"

# ---- retest-request, retests ----
jrun retest_request 0 "retest-request" -- loader --json retest-request 192.0.2.1 --contact ops@example.net --note $'please "retest"\n'
is "$(jf '(d["id"], d["prefix"])')" "(1, '192.0.2.1')" "retest-request: id and prefix"
jrun error 1 "a second request for the same address" -- loader --json retest-request 192.0.2.1 --contact ops@example.net
is "$(jf '(d["error"]["code"], "retry_after" in d["error"])')" "('refused', False)" \
	"an open request: refused, no time to retry at"
# 192.0.2.10 was tested NOW (import): retest_min_interval (1h) holds it.
jrun error 1 "a request for an address tested recently" -- loader --json retest-request 192.0.2.10 --contact ops@example.net
is "$(jf 'd["error"]["code"]')" rate_limited "tested recently: code rate_limited"
$PY - "$T/j.out" "$NOW" <<'PY'
import json, sys, datetime, time
e = json.load(open(sys.argv[1]))["error"]
tested = datetime.datetime.strptime(sys.argv[2], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
at = datetime.datetime.strptime(e["retry_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
want = tested + datetime.timedelta(hours=1)
assert at == want, (at, want)
left = (want.timestamp() - time.time())
assert abs(e["retry_after"] - left) <= 120 and 0 < e["retry_after"] <= 3600, (e["retry_after"], left)
PY
ok $? "retry_at is the test's time plus retest_min_interval, retry_after the seconds until then"
jrun error 1 "a request for an address not listed" -- loader --json retest-request 203.0.113.7 --contact ops@example.net
is "$(jf 'd["error"]["code"]')" not_found "not listed: code not_found"
jrun error 1 "a request with a hostile contact" -- loader --json retest-request 192.0.2.11 --contact $'a\x1b@b\n.example'
is "$(jf 'd["error"]["code"]')" parse "a hostile contact: code parse"
jrun retests 0 "retests" -- loader --json retests
is "$(jf '[(r["id"], r["prefix"], r["open"], r["note"]) for r in d["retests"]]')" \
	"[(1, '192.0.2.1', True, 'please \"retest\"\\n')]" "retests: the open request, its note intact"
jrun retests 0 "retests --all" -- loader retests --all --json

# ---- test (a closed port on loopback), retests --run ----
jrun test 0 "test of a host that refuses" -- loader --json test "127.0.0.1:$PORT" --timeout 5
is "$(jf '(len(d["results"]), d["results"][0]["result"], d["results"][0]["forms_accepted"], d["unreachable"])')" \
	"(1, 'unreachable', [], 1)" "test: one result in results, unreachable, forms an array"
jrun error 1 "test of a bad host" -- loader --json test 'no such host'
is "$(jf 'd["error"]["code"]')" parse "a bad host: code parse"
printf '192.0.2.1 closed %s\n' "$NOW" >"$T/closed.txt"
loader import "$T/closed.txt" >/dev/null 2>&1
jrun test 0 "retests --run with no open request" -- loader --json retests --run
is "$(jf 'd["results"]')" "[]" "retests --run: an empty results array"

# ---- expire, apply-config ----
jrun expire 0 "expire --dry-run" -- loader --json expire --dry-run
jrun expire 0 "expire" -- loader --json expire
jrun apply_config 0 "apply-config --dry-run" -- loader --json apply-config --dry-run
jrun apply_config 0 "apply-config" -- loader --json apply-config

# ---- export ----
jrun error 2 "export --json without -o" -- loader --json export
jrun export 0 "export -o FILE --json" -- loader --json export --format lines -o "$T/x.lines"
loader export --format lines >"$T/x.plain"
cmp -s "$T/x.lines" "$T/x.plain"; ok $? "export -o FILE: the same data as on stdout without --json"
is "$(jf '(d["records"], d["bytes"], d["path"])')" \
	"($(wc -l <"$T/x.plain"), $(stat -c %s "$T/x.plain"), '$T/x.lines')" "export: records, bytes and path"
jrun export 0 "export rbldnsd --json" -- loader export --format rbldnsd -o "$T/x.rbl" --json
jrun error 1 "export into a missing directory" -- loader --json export -o "$T/no/such/dir/x"
jrun error 1 "export of an unknown zone" -- loader --json export -o "$T/x2" --zone nosuch.example

# ---- backup, restore ----
jrun backup 0 "backup" -- loader --json backup "$T/bk"
jrun error 1 "backup into a directory that is not empty" -- loader --json backup "$T/bk"
jrun restore 0 "restore" -- loader --json restore "$T/bk"
jrun error 1 "restore of no backup" -- loader --json restore "$T/nothing"

# ---- sink: its log on stderr, one object when stopped ----
SINK_PORT=$(free_port)
mkdir -p "$T/spool"
"$LOADER" -c "$T/dnsbl.yaml" sink --listen "127.0.0.1@$SINK_PORT" --json >"$T/sink.out" 2>"$T/sink.err" &
SINK_PID=$!
up=1
for i in $(seq 1 100); do
	$PY -c "import socket; socket.create_connection(('127.0.0.1', $SINK_PORT), 1).close()" 2>/dev/null && { up=0; break; }
	kill -0 "$SINK_PID" 2>/dev/null || break
	sleep 0.1
done
ok $up "sink --json: listening"
[ ! -s "$T/sink.out" ]; ok $? "sink --json: nothing on stdout while it runs"
kill -TERM "$SINK_PID"
wait "$SINK_PID"
is $? 0 "sink --json: exit 0 on SIGTERM"
SINK_PID=
$PY "$CHECK" "$SCHEMAS" sink "$T/sink.out"; ok $? "sink --json: one object when stopped"
grep -q 'sink: listening' "$T/sink.err"; ok $? "sink --json: its log on stderr"
jrun error 2 "sink with a bad --listen" -- loader --json sink --listen nowhere

# ---- server: dnsbld's control socket (t_dnsbld_control.sh: the answers) ----
jrun error 1 "server without a control socket" -- loader --json server status
is "$(jf 'd["error"]["code"]')" config "server without a control socket: a config error"
jrun error 1 "server at a socket nothing answers" -- loader server stats --socket "$T/nosuch.sock" --json
is "$(jf 'd["error"]["code"]')" io "server at a socket nothing answers: an io error"
jrun error 2 "server with an unknown question" -- loader --json server frobnicate

# ---- every output above: exactly one line, one object, valid UTF-8 ----
bad=0
for f in "$T"/j.[0-9]*.out; do
	[ "$(wc -l <"$f")" -eq 1 ] || { bad=1; echo "# $f: not one line"; }
	$PY -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$f" || bad=1
done
ok $bad "every output is one line of valid UTF-8 ($N runs)"

done_testing
