#!/usr/bin/env bash
# t_loader_escape.sh -- hostile bytes never reach the terminal raw.  ESC
# sequences, CR, other control bytes (no NUL: argv and file names cannot
# hold one), DEL, invalid and overlong UTF-8, C1 controls and a bidi
# override, fed through arguments, option names, file names (one with a
# newline) and file contents, and texts from the store shown again by show
# and history.  Each time stderr (and stdout) must hold no byte below 0x20
# but the newline ending each line, no DEL, only valid UTF-8 and no C1 or
# bidi mark, while the message still names the file, the line and the
# field, with the bytes written as escapes (\x1b, \n, \r, \xff).
source "$(dirname "$0")/lib.sh"

write_config
cat >"$T/clean.py" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
why = []
for i, b in enumerate(data):
    if (b < 0x20 and b != 0x0a) or b == 0x7f:
        why.append("raw byte 0x%02x at %d" % (b, i))
try:
    text = data.decode("utf-8")
    for c in text:
        o = ord(c)
        if 0x80 <= o <= 0x9f or o in (0x61c, 0x200e, 0x200f) or \
           0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069:
            why.append("raw U+%04X" % o)
except UnicodeDecodeError as e:
    why.append("invalid UTF-8: %s" % e)
if data and not data.endswith(b"\n"):
    why.append("no newline at the end")
if why:
    print("; ".join(why[:5]))
    sys.exit(1)
PY
clean() { $PY "$T/clean.py" "$1"; }

# hostile NAME WANT... -- LOADER ARGS: stderr and stdout are clean, and
# stderr holds every WANT (fixed strings, backslashes literal).
hostile() {
	local name=$1; shift
	local want=() w st
	while [ "$1" != "--" ]; do want+=("$1"); shift; done
	shift
	loader "$@" >"$T/out" 2>"$T/err"
	[ -s "$T/err" ]; ok $? "$name: an error message"
	check "$name: stderr clean" -- clean "$T/err"
	check "$name: stdout clean" -- clean "$T/out"
	for w in "${want[@]}"; do
		grep -qF -- "$w" "$T/err"; st=$?
		ok $st "$name: says $w"
		[ $st -eq 0 ] || sed 's/^/#   /' "$T/err" | cat -A | head -n 5
	done
}

T1=2026-01-01T00:00:00Z
ESC=$'\x1b'

# ---- arguments ----
hostile "address with an ESC sequence" "'1.2.3.4\x1b[31m'" -- \
    list "1.2.3.4${ESC}[31m"
hostile "address with CR, DEL and invalid UTF-8" '1.2.3.4\r\x7f\xff\xfe' -- \
    list $'1.2.3.4\r\x7f\xff\xfe'
hostile "zone name with BEL and an OSC" "no zone 'x\x1b]0;owned\x07'" -- \
    show 192.0.2.1 --zone $'x\x1b]0;owned\x07'
hostile "an unknown option (getopt's own message)" '\x1b[2J' -- \
    list 192.0.2.1 "--${ESC}[2J"
hostile "an unknown command" "'li\x1bst\n'" -- $'li\x1bst\n'
hostile "contact with C1 and a bidi override" '\xc2\x9b' '\xe2\x80\xae' -- \
    retest-request 192.0.2.1 --contact $'a\xc2\x9b\xe2\x80\xae@b'
hostile "an overlong NUL and a surrogate" '\xc0\x80' '\xed\xa0\x80' -- \
    list $'192.0.2.1\xc0\x80\xed\xa0\x80'
loader list 198.51.100.9 >/dev/null	# a store for the commands below
hostile "export to a bad path" 'x\ny\x1b' -- export -o "$T/no/x
y$ESC"
"$LOADER" -c "$T/no/such${ESC}[31m
.yaml" check-config >"$T/out" 2>"$T/err"
check "a config path with ESC and a newline: stderr clean" -- clean "$T/err"
grep -qF 'such\x1b[31m\n.yaml' "$T/err"; ok $? "the config path is named, escaped"

# ---- file names ----
f=$T/$'bad\n\x1b[2Jname.txt'
printf '192.0.2.1 open %s\n192.0.2.\xff\xfe open %s\n' "$T1" "$T1" >"$f"
hostile "file name with a newline and ESC, bad address in it" \
    'bad\n\x1b[2Jname.txt:2: address:' "'192.0.2.\xff\xfe'" "rejected; nothing was imported" -- import --format lines "$f"
hostile "a missing file with a newline in its name" 'missing\n\x1b.txt' -- \
    import --format lines "$T/missing
$ESC.txt"

# ---- file contents ----
f=$T/hostile.yaml
printf -- '- ip: 192.0.2.1\n  result: open\n  tested_at: %s\n- ip: 192.0.2.2\n  result: open\n  tested_at: %s\n  helo: "mx\\e[31m\\r\\nfake"\n' "$T1" "$T1" >"$f"
hostile "yaml helo with \\e and \\r\\n escapes" 'hostile.yaml:7: helo:' -- import "$f"
f=$T/c1.yaml
printf -- '- ip: "192.0.2.\\x9b1"\n  result: open\n  tested_at: %s\n' "$T1" >"$f"
hostile "yaml address with a C1 CSI" 'c1.yaml:1: ' '192.0.2.\xc2\x9b1' -- import "$f"
f=$T/result.yaml
printf -- '- ip: 192.0.2.1\n  result: "op\\u202een"\n  tested_at: %s\n' "$T1" >"$f"
hostile "yaml result with a bidi override" 'result.yaml:2: result:' 'op\xe2\x80\xaeen' -- import "$f"
f=$T/cr.txt
printf '192.0.2.1 open %s\n192.0.2.\r2 closed %s\n' "$T1" "$T1" >"$f"
hostile "lines file with a CR in an address" 'cr.txt:2:' -- import --format lines "$f"
f=$T/eight.txt
printf '192.0.2.1 op\xe9n %s\n' "$T1" >"$f"
hostile "lines file with Latin-1 (invalid UTF-8)" 'eight.txt:1: result:' 'op\xe9n' -- import --format lines "$f"
f=$T/hosts.txt
printf '192.0.2.1\n192.0.2.\x1b[5m2\n' >"$f"
hostile "test --from with an ESC in a host" 'hosts.txt:2:' '\x1b[5m' -- test --from "$f"

# ---- texts from the store, shown again ----
loader list 192.0.2.77 --reason $'evil\x1b]0;title\x07 \xff caf\xc3\xa9 \xe2\x80\xae' >/dev/null
ok $? "a reason with control bytes is kept"
loader show 192.0.2.77 >"$T/out" 2>"$T/err"
check "show: stdout clean" -- clean "$T/out"
grep -qF 'reason          evil\x1b]0;title\x07 \xff café \xe2\x80\xae' "$T/out"
ok $? "show: the reason escaped, valid UTF-8 kept"
loader history >"$T/out" 2>"$T/err"
check "history: stdout clean" -- clean "$T/out"
grep -qF 'reason: evil\x1b]0;title\x07' "$T/out"; ok $? "history: the reason escaped"
is "$(loader --json show 192.0.2.77 | $PY -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["entry"]["reason"]))')" \
    '"evil\u001b]0;title\u0007 \ufffd caf\u00e9 \u202e"' "--json keeps the reason as JSON escapes"

done_testing
