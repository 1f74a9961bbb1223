#!/usr/bin/env bash
# t_loader_badinput.sh -- import files with one bad record late in the file
# (after good ones): each is refused whole, exit 1, the store unchanged
# (db_digest), and the message names FILE:LINE and the reason.  Both
# formats: malformed YAML, bad address, bad time, unknown result, truncated
# file, record without tested_at, unknown key, time in the future, NUL and
# escape bytes in any field or line, dates before 1990 (the epoch is not
# "now"), over-long fields.
source "$(dirname "$0")/lib.sh"
# okd STATUS NAME FILE: ok, and on failure show FILE.
okd() { ok "$1" "$2"; [ "$1" -eq 0 ] || sed 's/^/#   /' "$3" | head -n 20; }

write_config
ago() { date -u -d "@$(( $(date +%s) - $1 ))" +%Y-%m-%dT%H:%M:%SZ; }
T1=$(ago 86400)
FUT=$(date -u -d "@$(( $(date +%s) + 86400 ))" +%Y-%m-%dT%H:%M:%SZ)

# Something in the store first, so an unchanged digest means something.
loader list 198.51.100.1 --reason baseline >/dev/null
printf '198.51.100.2 open %s\n' "$T1" | loader import - >/dev/null
ok $? "baseline listed and imported"

# Good yaml records that would list three new addresses.
good_yaml() {
	local i
	for i in 1 2 3; do
		printf -- '- ip: 192.0.2.%d\n  result: open\n  tested_at: %s\n  tester: t%d\n' "$i" "$T1" "$i"
	done
}
good_lines() { printf '# good ones first\n192.0.2.1 open %s\n192.0.2.2\n2001:db8::2 closed %s\n\n' "$T1" "$T1"; }

# refused NAME FILE LINE REASON_ERE [IMPORT ARGS]: the file is refused whole.
refused() {
	local name=$1 f=$2 line=$3 why=$4; shift 4
	local before after rc
	before=$(db_digest)
	loader import "$@" "$f" >"$T/out" 2>"$T/err"
	rc=$?
	after=$(db_digest)
	is "$rc" 1 "$name: exit 1"
	is "$after" "$before" "$name: nothing written"
	grep -qF "$f:$line:" "$T/err"
	okd $? "$name: message names $(basename "$f"):$line" "$T/err"
	grep -qiE "$why" "$T/err"
	okd $? "$name: message says /$why/" "$T/err"
	[ ! -s "$T/out" ]; ok $? "$name: no summary on stdout"
}
lineof() { grep -nF -- "$2" "$1" | head -n1 | cut -d: -f1; }

# ---- yaml ----
f=$T/malformed.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open: now\n  tested_at: %s\n' "$T1"; good_yaml; } >"$f"
refused "malformed YAML" "$f" "$(lineof "$f" 'open: now')" 'mapping values|not allowed'
grep -qE "$(basename "$f"):$(lineof "$f" 'open: now'):[0-9]+: " "$T/err"
ok $? "malformed YAML: FILE:LINE:COLUMN"

f=$T/badip.yaml
{ good_yaml; printf -- '- ip: 192.0.2.300\n  result: open\n  tested_at: %s\n' "$T1"; } >"$f"
refused "yaml bad address" "$f" "$(lineof "$f" '192.0.2.300')" '192\.0\.2\.300'

f=$T/badip6.yaml
{ good_yaml; printf -- '- ip: 2001:db8::g1\n  result: open\n  tested_at: %s\n' "$T1"; } >"$f"
refused "yaml bad IPv6 address" "$f" "$(lineof "$f" '2001:db8::g1')" '2001:db8::g1'

f=$T/badtime.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: 2026-13-45T99:00:00Z\n'; } >"$f"
refused "yaml bad time" "$f" "$(lineof "$f" '2026-13-45')" 'bad time'

f=$T/badresult.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: maybe\n  tested_at: %s\n' "$T1"; } >"$f"
refused "yaml unknown result" "$f" "$(lineof "$f" 'maybe')" "unknown result 'maybe'"

f=$T/suspected.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: suspected\n  tested_at: %s\n' "$T1"; } >"$f"
refused "yaml result 'suspected' (not an import result)" "$f" "$(lineof "$f" 'suspected')" "unknown result"

f=$T/notime.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tester: x\n'; good_yaml; } >"$f"
refused "yaml record missing tested_at" "$f" "$(lineof "$f" '192.0.2.9')" "no 'tested_at'"

f=$T/unknownkey.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: %s\n  colour: red\n' "$T1"; } >"$f"
refused "yaml unknown key" "$f" "$(lineof "$f" 'colour')" "unknown key 'colour'"

f=$T/dupkey.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  result: closed\n  tested_at: %s\n' "$T1"; } >"$f"
refused "yaml duplicate key" "$f" "$(lineof "$f" 'result: closed')" "duplicate key 'result'"

f=$T/future.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: %s\n' "$FUT"; } >"$f"
refused "yaml time in the future" "$f" "$(lineof "$f" "$FUT")" 'in the future'

# Cut mid-record, three ways: inside a key, inside the transcript, inside
# the last value (192.0.2.123 cut to 192.0.2.12, a valid address).
f=$T/cut1.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_'; } >"$f"
refused "yaml cut inside a key" "$f" "$(wc -l <"$f" | awk '{print $1 + 1}')" 'truncated'
f=$T/cut2.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: %s\n  transcript: |\n    220 mx\n    250 O' "$T1"; } >"$f"
refused "yaml cut inside the transcript" "$f" "$(wc -l <"$f" | awk '{print $1 + 1}')" 'truncated'
f=$T/cut3.yaml
{ good_yaml; printf -- '- result: open\n  tested_at: %s\n  ip: 192.0.2.12' "$T1"; } >"$f"
refused "yaml cut inside the last ip" "$f" "$(wc -l <"$f" | awk '{print $1 + 1}')" 'truncated'

f=$T/notalist.yaml
printf 'ip: 192.0.2.9\nresult: open\ntested_at: %s\n' "$T1" >"$f"
refused "yaml not a sequence" "$f" 1 'sequence of records'

# Hostile bytes and dates: nothing may change the meaning of a record.
f=$T/nul.yaml
{ good_yaml; printf -- '- ip: "192.0.2.77\\0junk"\n  result: open\n  tested_at: %s\n' "$T1"; } >"$f"
refused "yaml NUL inside the ip" "$f" "$(lineof "$f" 'junk')" 'ip: control character 0x00'
f=$T/epoch.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: 1970-01-01T00:00:00Z\n'; } >"$f"
refused "yaml tested_at at the epoch (0 is not 'now')" "$f" "$(lineof "$f" '1970-01-01')" 'tested_at: .*before 1990'
f=$T/epoch2.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: 1970-01-01T00:00:00+01:00\n'; } >"$f"
refused "yaml tested_at before the epoch" "$f" "$(lineof "$f" '1970-01-01')" 'before 1990'
f=$T/esc.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: %s\n  helo: "mx\\e[31m"\n' "$T1"; } >"$f"
refused "yaml escape in helo" "$f" "$(lineof "$f" 'helo')" 'helo: control character 0x1b'
f=$T/longtester.yaml
{ good_yaml; printf -- '- ip: 192.0.2.9\n  result: open\n  tested_at: %s\n  tester: %s\n' "$T1" "$(printf 't%.0s' $(seq 1 256))"; } >"$f"
refused "yaml tester over 255 bytes" "$f" "$(lineof "$f" 'tester: ttt')" 'tester: longer than 255'
f=$T/nulkey.yaml
{ good_yaml; printf -- '- "ip\\0x": 192.0.2.9\n  result: open\n  tested_at: %s\n' "$T1"; } >"$f"
refused "yaml NUL inside a key" "$f" "$(lineof "$f" '"ip')" "unknown key"
f=$T/nul.txt
{ good_lines; printf '192.0.2.8\0 closed\n'; } >"$f"
refused "lines NUL after the address (not 'open')" "$f" "$(wc -l <"$f")" 'line: control character 0x00'
f=$T/esc.txt
{ good_lines; printf '192.0.2.8 \033[2Jclosed\n'; } >"$f"
refused "lines escape sequence" "$f" "$(wc -l <"$f")" 'control character 0x1b'
f=$T/epoch.txt
{ good_lines; printf '192.0.2.8 closed 1970-01-01T00:00:00Z\n'; } >"$f"
refused "lines time at the epoch" "$f" "$(lineof "$f" '1970')" 'time: .*before 1990'
f=$T/crlf.txt
printf '192.0.2.60 open %s\r\n' "$T1" >"$f"
loader import "$f" >/dev/null 2>"$T/err"; ok $? "lines with CRLF line ends import"

# ---- lines ----
f=$T/badip.txt
{ good_lines; printf '192.0.2.256 open %s\n' "$T1"; } >"$f"
refused "lines bad address" "$f" "$(lineof "$f" '192.0.2.256')" '192\.0\.2\.256'

f=$T/badcidr.txt
{ good_lines; printf '192.0.2.1/24 open %s\n' "$T1"; } >"$f"
refused "lines CIDR with host bits" "$f" "$(lineof "$f" '192.0.2.1/24')" '192\.0\.2\.1/24'

f=$T/badtime.txt
{ good_lines; printf '192.0.2.9 open yesterday\n'; } >"$f"
refused "lines bad time" "$f" "$(lineof "$f" 'yesterday')" "bad time 'yesterday'"

f=$T/badresult.txt
{ good_lines; printf '192.0.2.9 shut %s\n' "$T1"; } >"$f"
refused "lines unknown result" "$f" "$(lineof "$f" 'shut')" "unknown result 'shut'"

f=$T/future.txt
{ good_lines; printf '192.0.2.9 open %s\n' "$FUT"; } >"$f"
refused "lines time in the future" "$f" "$(lineof "$f" "$FUT")" 'in the future'

f=$T/fields.txt
{ good_lines; printf '192.0.2.9 open %s extra\n' "$T1"; } >"$f"
refused "lines too many fields" "$f" "$(lineof "$f" 'extra')" 'too many fields'

f=$T/cut.txt
{ good_lines; printf '192.0.2.12'; } >"$f"
refused "lines last line without newline" "$f" "$(wc -l <"$f" | awk '{print $1 + 1}')" 'truncated'

# stdin: the name in messages is (stdin).
before=$(db_digest)
{ good_lines; printf '192.0.2.9 never\n'; } | loader import - >/dev/null 2>"$T/err"
is $? 1 "stdin with a bad record: exit 1"
is "$(db_digest)" "$before" "stdin with a bad record: nothing written"
grep -qF "(stdin):$(( $(good_lines | wc -l) + 1 )):" "$T/err"; ok $? "stdin: message names (stdin):LINE"

# The good records alone would have changed the store: the refusals above
# are meaningful.
good_yaml >"$T/good.yaml"
before=$(db_digest)
loader import "$T/good.yaml" >/dev/null
ok $? "the good yaml records alone import"
[ "$(db_digest)" != "$before" ]; ok $? "and change the store"
good_lines >"$T/good.txt"
before=$(db_digest)
loader import "$T/good.txt" >/dev/null
ok $? "the good lines alone import"
[ "$(db_digest)" != "$before" ]; ok $? "and change the store"

# A missing file.
loader import "$T/no-such-file.yaml" >/dev/null 2>"$T/err"
is $? 1 "a missing file: exit 1"
grep -qF "no-such-file.yaml" "$T/err"; ok $? "and the message names it"

done_testing
