#!/usr/bin/env bash
# t_loader_cli.sh -- loader's command line: check-config on a valid file
# (exit 0) and on planted errors (unknown key, wrong type, out-of-range
# value, bad value: exit 1 with FILE:LINE:COLUMN of the plant), --json;
# --help for every command of the table (exit 0, "usage:", no config
# needed); unknown command, no command, bad options (exit 2).
source "$(dirname "$0")/lib.sh"

write_config
cp "$T/dnsbl.yaml" "$T/good.yaml"
loader check-config >"$T/out" 2>&1
is $? 0 "check-config: the standard config is valid (exit 0)"
grep -q 'valid' "$T/out"; ok $? "and says so"
loader check-config --json >"$T/out.json"
is $? 0 "check-config --json on a valid file: exit 0"
is "$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["valid"] is True, "error" in d, d["zones"])' "$T/out.json")" \
	"True False 1" "--json: valid true, no error, one zone"

# plant NAME SED_EXPR NEEDLE REASON_ERE: edit a copy of the good config,
# expect exit 1 and FILE:LINE:COLUMN at NEEDLE's first character.
plant() {
	local name=$1 expr=$2 needle=$3 why=$4 f=$T/dnsbl.yaml line col rc
	sed "$expr" "$T/good.yaml" >"$f"
	cmp -s "$f" "$T/good.yaml" && { ok 1 "$name: the plant changed the file"; return; }
	line=$(grep -nF -- "$needle" "$f" | head -n1 | cut -d: -f1)
	col=$(sed -n "${line}p" "$f" | awk -v n="$needle" '{print index($0, n)}')
	loader check-config >"$T/out" 2>"$T/err"
	rc=$?
	is "$rc" 1 "$name: exit 1"
	grep -qF "$f:$line:$col:" "$T/err"
	st=$?; ok $st "$name: error at $(basename "$f"):$line:$col"
	[ $st -eq 0 ] || sed 's/^/#   /' "$T/err"
	grep -qE "$why" "$T/err"; ok $? "$name: says /$why/"
	loader check-config --json >"$T/out.json"
	is $? 1 "$name: --json exit 1"
	is "$($PY -c 'import json,sys; e=json.load(open(sys.argv[1]))["error"]; print(e["code"], sys.argv[2] in e["message"], e["file"], e["line"], e["column"])' "$T/out.json" "$f:$line:$col:")" \
		"config True $f $line $col" "$name: --json: an error object with code config and the location"
}

plant "unknown key in a zone" 's/^    ttl: 2100$/    ttl: 2100\n    colour: red/' 'colour: red' "unknown key 'colour'"
plant "unknown top-level key" 's/^listen:$/verbose: yes\nlisten:/' 'verbose: yes' "unknown key 'verbose'"
plant "wrong type: a list for a duration" 's/^    ttl: 2100$/    ttl: [1, 2]/' '[1, 2]' 'ttl: expected a scalar'
plant "wrong type: a scalar for a list" 's/^    ns: .*/    ns: ns9.relays.example/' 'ns9.relays.example' 'ns: expected a sequence'
plant "out of range: ttl" 's/^    ttl: 2100$/    ttl: 99999999999/' '99999999999' 'out of range'
plant "out of range: a outside 127.0.0.0/8" 's/^    a: 127.0.0.2$/    a: 10.0.0.2/' '10.0.0.2' '127\.0\.0\.0/8'
plant "bad duration deep in a flow mapping" 's/refresh: 3600/refresh: 1y2/' '1y2' "bad duration '1y2'"

loader -c "$T/missing.yaml" check-config >/dev/null 2>"$T/err"
is $? 1 "check-config on a missing file: exit 1"
grep -qF "$T/missing.yaml" "$T/err"; ok $? "and names it"

# ---- --help for every command ----
cp "$T/good.yaml" "$T/dnsbl.yaml"
"$LOADER" --help >"$T/help" 2>"$T/err"
is $? 0 "loader --help: exit 0"
[ ! -s "$T/err" ]; ok $? "loader --help: on stdout, nothing on stderr"
"$LOADER" >/dev/null 2>"$T/err"
is $? 2 "loader without a command: exit 2"
grep -q '^usage: dnsbl-loader ' "$T/err"; ok $? "and the usage on stderr"
cmds=$(sed -n '/^commands:/,/^$/p' "$T/help" | awk 'NF && !/^commands:/ {print $1}')
is "$(echo $cmds)" "list delist import show export stats exclude unexclude retest-request retests expire history test sink apply-config backup restore server web check-config" "the command table lists every command"
for c in $cmds; do
	"$LOADER" -c "$T/no-such-config.yaml" "$c" --help >"$T/out" 2>"$T/err"
	is $? 0 "$c --help: exit 0 (no config needed)"
	head -n1 "$T/out" | grep -q "^usage: dnsbl-loader \[-c FILE\] \[--json\] $c"
	ok $? "$c --help: prints 'usage: dnsbl-loader [-c FILE] [--json] $c ...'"
	[ "$(wc -l <"$T/out")" -ge 3 ]; ok $? "$c --help: and a help paragraph"
	[ ! -s "$T/err" ]; ok $? "$c --help: nothing on stderr"
	loader "$c" -h >/dev/null 2>&1; is $? 0 "$c -h: exit 0"
done

# ---- usage errors ----
loader frobnicate >/dev/null 2>"$T/err"
is $? 2 "an unknown command exits 2"
grep -q "unknown command 'frobnicate'" "$T/err"; ok $? "and names it"
grep -q '^usage:' "$T/err"; ok $? "and prints the usage"
loader >/dev/null 2>&1; is $? 2 "no command exits 2"
"$LOADER" --bogus >/dev/null 2>&1; is $? 2 "an unknown global option exits 2"
loader list 198.51.100.1 >/dev/null
d=$(db_digest)
loader list --bogus 192.0.2.1 >/dev/null 2>&1; is $? 2 "list --bogus exits 2"
loader list >/dev/null 2>&1; is $? 2 "list without an address exits 2"
loader list 192.0.2.300 >/dev/null 2>&1; is $? 2 "list of a bad address exits 2"
loader delist 192.0.2.1 --code 127.0.0.3 >/dev/null 2>&1; is $? 2 "delist --code exits 2"
loader show >/dev/null 2>&1; is $? 2 "show without an address exits 2"
loader show 1.2.3.4 5.6.7.8 >/dev/null 2>&1; is $? 2 "show with two addresses exits 2"
loader import >/dev/null 2>&1; is $? 2 "import without a file exits 2"
loader stats extra >/dev/null 2>&1; is $? 2 "stats with an argument exits 2"
loader check-config extra >/dev/null 2>&1; is $? 2 "check-config with an argument exits 2"
loader list 192.0.2.1 --zone nosuch.example >/dev/null 2>"$T/err"; is $? 1 "--zone of an unknown zone exits 1"
grep -q "nosuch.example" "$T/err"; ok $? "and names the zone"
is "$(db_digest)" "$d" "none of the refused commands wrote anything"

# ---- -c and --json before or after the command ----
"$LOADER" stats -c "$T/dnsbl.yaml" >"$T/a" 2>"$T/err"
is $? 0 "stats -c FILE (after the command): exit 0"
"$LOADER" -c "$T/dnsbl.yaml" stats >"$T/b" 2>&1
cmp -s "$T/a" "$T/b"; ok $? "and the same output as -c before it"
"$LOADER" stats --config="$T/dnsbl.yaml" --json >"$T/a" 2>"$T/err"
is $? 0 "stats --config=FILE --json: exit 0"
"$PY" -c 'import json,sys; json.load(open(sys.argv[1]))["zones"]' "$T/a"
ok $? "and prints a JSON object"
"$LOADER" stats -c >/dev/null 2>"$T/err"
is $? 2 "stats -c without its FILE: exit 2"
"$LOADER" -c "$T/no-such.yaml" stats -c "$T/dnsbl.yaml" >/dev/null 2>&1
is $? 0 "the last -c wins"

done_testing
