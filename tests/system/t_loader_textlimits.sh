#!/usr/bin/env bash
# t_loader_textlimits.sh -- texts an entry or a retest request keeps are
# refused when longer, never cut: --reason of list, delist, exclude and
# unexclude, list --txt, retest-request --note and --contact.  At the limit
# (255 bytes; a contact 127) the text is kept whole, in the entry as in the
# history; one byte over (ASCII or a multi-byte character) the command
# exits 2, names the option, the length and the limit, and the store is
# unchanged (db_digest).
source "$(dirname "$0")/lib.sh"

write_config "    retest_min_interval: 0"
rep() { $PY -c 'import sys; sys.stdout.write(sys.argv[1] * int(sys.argv[2]))' "$1" "$2"; }
jget() { $PY -c "import json,sys; print(json.load(sys.stdin)$1)"; }

# Something in the store first, so an unchanged digest means something.
loader list 198.51.100.1 --reason baseline >/dev/null
ok $? "baseline listed"

# refused NAME OPTION LENGTH LIMIT -- LOADER ARGS: exit 2, nothing written,
# a message naming OPTION, LENGTH and LIMIT.
refused() {
	local name=$1 opt=$2 len=$3 lim=$4; shift 5
	local before after rc
	before=$(db_digest)
	loader "$@" >"$T/out" 2>"$T/err"
	rc=$?
	after=$(db_digest)
	is "$rc" 2 "$name: exit 2"
	is "$after" "$before" "$name: nothing written"
	grep -qF -- "$opt is $len bytes, over the $lim" "$T/err"
	ok $? "$name: names $opt, $len bytes and the limit $lim"
	[ $? -eq 0 ] || sed 's/^/#   /' "$T/err"
	[ ! -s "$T/out" ]; ok $? "$name: nothing on stdout"
}

R255=$(rep r 255)
R256=$(rep r 256)
U=$(rep 'é' 128)	# 256 bytes in 128 characters

# ---- list, delist ----
refused "list --reason of 256 bytes" --reason 256 255 -- list 192.0.2.1 --reason "$R256"
refused "list --reason of 128 two-byte characters" --reason 256 255 -- list 192.0.2.1 --reason "$U"
refused "list --txt of 256 bytes" --txt 256 255 -- list 192.0.2.1 --txt "$(rep t 256)"
refused "several addresses, one long reason" --reason 256 255 -- list 192.0.2.1 192.0.2.2 --reason "$R256"

loader list 192.0.2.1 --reason "$R255" --txt "$(rep t 255)" >/dev/null
is $? 0 "list --reason and --txt of 255 bytes: accepted"
loader --json show 192.0.2.1 >"$T/show.json"
is "$(jget '["entry"]["reason"]' <"$T/show.json")" "$R255" "the entry keeps all 255 bytes of the reason"
is "$(jget '["history"][-1]["reason"]' <"$T/show.json")" "$R255" "and the history the same reason"
is "$(jget '["txt"]' <"$T/show.json" | wc -c)" 256 "the TXT of 255 bytes is answered whole"

refused "delist --reason of 256 bytes" --reason 256 255 -- delist 192.0.2.1 --reason "$R256"
is "$(loader --json show 192.0.2.1 | jget '["listed"]')" True "a refused delist leaves it listed"

# ---- exclude, unexclude ----
refused "exclude --reason of 256 bytes" --reason 256 255 -- exclude 203.0.113.0/24 --reason "$R256"
loader exclude 203.0.113.0/24 --reason "$R255" >/dev/null
is $? 0 "exclude --reason of 255 bytes: accepted"
refused "unexclude --reason of 300 bytes" --reason 300 255 -- unexclude 203.0.113.0/24 --reason "$(rep u 300)"
is "$(loader --json show 203.0.113.5 | jget '["excluded_by"]')" 203.0.113.0/24 "a refused unexclude leaves the exclusion"

# ---- retest-request ----
refused "retest-request --note of 256 bytes" --note 256 255 -- \
    retest-request 192.0.2.1 --contact ops@example.net --note "$(rep n 256)"
refused "retest-request --contact of 130 bytes" --contact 130 127 -- \
    retest-request 192.0.2.1 --contact "$(rep c 118)@example.net"
loader retest-request 192.0.2.1 --contact ops@example.net --note "$(rep n 255)" >/dev/null
is $? 0 "retest-request --note of 255 bytes: accepted"
is "$(loader --json retests | jget '["retests"][0]["note"]')" "$(rep n 255)" "the request keeps the whole note"

# ---- --json: the same refusal ----
before=$(db_digest)
loader --json list 192.0.2.9 --reason "$R256" >"$T/out" 2>"$T/err"
is $? 2 "--json list with a long reason: exit 2"
is "$(db_digest)" "$before" "--json: nothing written"

done_testing
