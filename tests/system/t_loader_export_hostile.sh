#!/usr/bin/env bash
# t_loader_export_hostile.sh -- hostile text and hostile paths on the way
# out.
#
# A TXT that an export could not carry is refused where it is set, with
# nothing written: the rbldnsd injection ("evil\n0.0.0.0/1\n128.0.0.0/1"),
# other control characters, what rbldnsd would drop or read as its own
# ("$5", "$$", a leading "="), a text over 255 bytes.  Texts that are
# awkward but allowed (quotes, backslashes, ; # : ( ), UTF-8, a text that
# looks like an rbldnsd value) are exported in every format and loaded
# into the consumers: NSD (zone), rbldnsd (ip4set, ip6trie) and the loader
# itself (lines, into a new database).  Each must hold exactly the
# listings of the store: the same answers as dnsbld for every listed
# address and its neighbours, and no line more than the listings.
# export -o: a device is written into and never replaced, a symlink of
# another user is not followed, a replaced file keeps its mode and owner,
# a failed export leaves the target and no temporary file behind.
source "$(dirname "$0")/lib.sh"
X() { $PY "$ROOT/tests/system/xfrcheck.py" "$@"; }
Z=relays.example
SERVER_PIDS=()
stop_servers() {
	local p
	for p in "${SERVER_PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	SERVER_PIDS=()
}
trap 'stop_servers; cleanup' EXIT
ports=" $PORT "
newport() { local p; p=$(free_port); while [[ "$ports" == *" $p "* ]]; do p=$(free_port); done; ports+="$p "; echo $p; }
NSDPORT=$(newport); RBLPORT=$(newport)
LONG=$(printf 'z%.0s' $(seq 1 300))
write_config "    codes:
      long: {a: 127.0.0.20, txt: \"$LONG \$\"}"
loader list 192.0.2.1 >/dev/null; ok $? "a first listing"

# ---- refused where set, nothing written ----
before=$(db_digest)
refuse() {	# refuse NAME WANT_MESSAGE TXT
	local name=$1 want=$2 txt=$3
	loader list 203.0.113.9 --txt "$txt" >"$T/out" 2>"$T/err"
	is $? 2 "$name: refused (exit 2)"
	grep -qF -- "$want" "$T/err"; ok $? "$name: the reason says: $want"
	[ $? -eq 0 ] || sed 's/^/#   /' "$T/err"
}
refuse "rbldnsd injection" "control character 0x0a at byte 5" $'evil\n0.0.0.0/1\n128.0.0.0/1'
refuse "a carriage return" "control character 0x0d" $'a\rb'
refuse "a tab" "control character 0x09" $'a\tb'
refuse "an escape" "control character 0x1b" $'a\033[31mred'
refuse "a DEL" "control character 0x7f" $'a\177b'
refuse "\$ and a digit" "'\$5' at byte 6" 'cost $5 only'
refuse "\$\$" "'\$\$' at byte 1" '$$'
refuse "\$=" "'\$=' at byte 3" 'x $= y'
refuse "a leading =" "begins with '='" '=looks like rbldnsd'
refuse "a leading space" "begins with a space" ' lead'
refuse "a trailing space" "ends with a space" 'trail '
refuse "256 bytes" "--txt is 256 bytes, over the 255" "$(printf 'x%.0s' $(seq 1 256))"
is "$(db_digest)" "$before" "nothing was written by any refused --txt"
cp "$T/dnsbl.yaml" "$T/good.yaml"
printf '      bad: {a: 127.0.0.21, txt: "one\\nline two"}\n' >>"$T/dnsbl.yaml"
loader check-config >"$T/out" 2>&1
st=$?
[ $st -ne 0 ] && grep -q "dnsbl.yaml:[0-9]*:[0-9]*: txt: control character 0x0a" "$T/out"
ok $? "a code's txt with a newline: check-config names file, line and column"
sed 's/^/#   /' "$T/out"
cp "$T/good.yaml" "$T/dnsbl.yaml"

# ---- awkward but allowed, into every consumer ----
i=10
TEXTS=(
	'quote " inside'
	'"starts with a quote'
	'back\slash \ and end\'
	'semi ; hash # colon : paren ( ) brace { }'
	':127.0.0.9:looks like an rbldnsd value'
	'utf8 é ü 日本 🙂 $'
	'dollar $ at start and $ at end $'
	'# not a comment'
	'; not a comment either'
	"$(printf 'y%.0s' $(seq 1 238)) \$"
)
ADDRS=
for txt in "${TEXTS[@]}"; do
	loader list 198.51.100.$i --code 127.0.0.$i --txt "$txt" >/dev/null || break
	ADDRS+=" 198.51.100.$i"
	i=$((i + 1))
done
ok $? "${#TEXTS[@]} listings with awkward texts"
loader list 2001:db8::7 --code 127.0.0.30 --txt 'v6 " ; # \ $' >/dev/null &&
loader list 203.0.113.0/24 --code long >/dev/null &&
loader list 10.0.0.0/25 --txt 'half ( $ )' >/dev/null &&
loader exclude 203.0.113.128/25 --reason hole --force >/dev/null
ok $? "a CIDR with a 300-byte code text, a /25, an IPv6 host, an exclusion"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

rev6() { $PY -c 'import ipaddress,sys; print(".".join(reversed(ipaddress.ip_address(sys.argv[1]).exploded.replace(":", ""))))' "$1"; }
rev4() { echo "$1" | awk -F. '{print $4"."$3"."$2"."$1}'; }
NAMES=
for a in $ADDRS 192.0.2.1 192.0.2.2 198.51.100.9 198.51.100.20 203.0.113.5 203.0.113.127 \
	203.0.113.128 203.0.113.200 10.0.0.0 10.0.0.127 10.0.0.128 0.0.0.1 128.0.0.1 127.0.0.2 127.0.0.1; do
	NAMES+=" $(rev4 $a)"
done
NAMES+=" $(rev6 2001:db8::7) $(rev6 2001:db8::8) $(rev6 ::ffff:127.0.0.2)"

# The zone, into NSD.
mkdir -p "$T/nsd"
loader export --format zone -o "$T/nsd/$Z.zone"; ok $? "export --format zone"
cat >"$T/nsd/nsd.conf" <<CONF
server:
  ip-address: 127.0.0.1@$NSDPORT
  port: $NSDPORT
  username: ""
  chroot: ""
  pidfile: "$T/nsd/nsd.pid"
  zonesdir: "$T/nsd"
  xfrdfile: "$T/nsd/xfrd.state"
  zonelistfile: "$T/nsd/zone.list"
  database: ""
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: $Z
  zonefile: $Z.zone
CONF
nsd -d -c "$T/nsd/nsd.conf" >"$T/nsd/log" 2>&1 &
SERVER_PIDS+=($!)
X wait $NSDPORT $Z "$(dig +short -p $PORT @127.0.0.1 $Z SOA | awk '{print $3}')" 20
ok $? "NSD loads the zone"
grep -qi "error\|warning" "$T/nsd/log"; [ $? -ne 0 ]; ok $? "NSD reports no error in the zone file"

# rbldnsd: a long text is refused unless cut; then ip4set and ip6trie.
echo "old" >"$T/rbl4"
loader export --format rbldnsd -o "$T/rbl4" 2>"$T/err"
is $? 1 "export --format rbldnsd with a 300-byte text: refused"
grep -q "a TXT of 302 bytes.*rbldnsd answers only 255 bytes.*--cut-txt" "$T/err"; ok $? "and says why and what to do"
[ $? -eq 0 ] || sed 's/^/#   /' "$T/err"
is "$(cat "$T/rbl4")" "old" "the target is left as it was"
ls -A "$T" | grep -q '^\.rbl4\.'; [ $? -ne 0 ]; ok $? "and no temporary file is left"
loader export --format rbldnsd --cut-txt -o "$T/rbl4" 2>"$T/err" &&
loader export --format rbldnsd --family 6 -o "$T/rbl6" 2>>"$T/err"
ok $? "export --format rbldnsd --cut-txt, and --family 6"
grep -q "1 TXT cut to 255 bytes" "$T/err"; ok $? "the cut is counted"
data4=$(grep -vcE '^(#|\$|:)' "$T/rbl4")
# 2 test entries apart: 192.0.2.1, the texts, 203.0.113.0/25, 10.0.0.0/25.
is "$data4" $((1 + 1 + ${#TEXTS[@]} + 2)) "the ip4set has one line per listing, no more"
chmod 755 "$T"; chmod 644 "$T/rbl4" "$T/rbl6"
ruser=(); [ "$(id -u)" -eq 0 ] && ruser=(-u nobody)
rbldnsd -n "${ruser[@]}" -b "127.0.0.1/$RBLPORT" -w "$T" \
	$Z:ip4set:rbl4 $Z:ip6trie:rbl6 >"$T/rbldnsd.log" 2>&1 &
SERVER_PIDS+=($!)
for i in $(seq 1 50); do dig +time=1 +tries=1 -p $RBLPORT @127.0.0.1 $Z SOA >/dev/null 2>&1 && break; sleep 0.2; done
grep -qiE 'invalid|error|truncated' "$T/rbldnsd.log"; [ $? -ne 0 ]; ok $? "rbldnsd reads every line, truncates nothing"
[ $? -eq 0 ] || sed 's/^/#   /' "$T/rbldnsd.log"

X compare $Z $PORT,$NSDPORT $NAMES >"$T/cmp.out" 2>&1
ok $? "NSD answers every name as dnsbld (A, TXT)"
grep '^FAIL' "$T/cmp.out" | sed 's/^/#   /'
# rbldnsd's '$' of an IPv4-mapped address is the IPv4 address
# (docs/mirrors.md): the IPv6 form of the RFC 5782 test entry is left out.
T6=$(rev6 ::ffff:127.0.0.2)
RNAMES=$(for n in $NAMES; do case $n in *.113.0.203|$T6) ;; *) echo $n ;; esac; done)
X compare $Z $PORT,$RBLPORT $RNAMES >"$T/cmp.out" 2>&1
ok $? "rbldnsd answers every name as dnsbld, the cut 203.0.113.0/24 apart"
grep '^FAIL' "$T/cmp.out" | sed 's/^/#   /'
got=$(dig +short -p $RBLPORT @127.0.0.1 5.113.0.203.$Z TXT | tr -d '"\n' | wc -c)
[ "$got" -le 255 ] && [ "$got" -ge 240 ]; ok $? "rbldnsd's text of the cut code fits one string ($got bytes)"
is "$(dig +short -p $RBLPORT @127.0.0.1 $T6.$Z A)" 127.0.0.2 "rbldnsd lists ::ffff:127.0.0.2"
for p in $NSDPORT $RBLPORT; do
	is "$(dig +short -p $p @127.0.0.1 1.0.0.0.$Z A)$(dig +short -p $p @127.0.0.1 1.0.0.128.$Z A)" "" \
	    "port $p: 0.0.0.1 and 128.0.0.1 are not listed (no injected /1)"
done

# lines: into a new database, exactly the same set.
loader export --format lines -o "$T/lines" && ok 0 "export --format lines" || ok 1 "export --format lines"
sed -e "s|^database: .*|database: $T/db2|" "$T/dnsbl.yaml" >"$T/db2.yaml"
"$LOADER" -c "$T/db2.yaml" import --format lines "$T/lines" >/dev/null 2>&1
ok $? "the lines import into a new database"
"$LOADER" -c "$T/db2.yaml" export --format lines >"$T/lines2"
cmp -s "$T/lines" "$T/lines2"; ok $? "and export the same lines again"

# ---- export -o: hostile paths ----
loader export --format lines -o /dev/null; ok $? "-o /dev/null: written"
[ -c /dev/null ]; ok $? "/dev/null is still a character device"
loader export --format lines -o /dev/full 2>"$T/err"
is $? 1 "-o /dev/full: fails"
grep -q "/dev/full" "$T/err"; ok $? "and names it"
[ -c /dev/full ]; ok $? "/dev/full is still a character device"
mkdir -p "$T/out.d"
loader export --format lines -o "$T/out.d" 2>"$T/err"; is $? 1 "-o a directory: refused"
echo precious >"$T/victim"
ln -s "$T/victim" "$T/link-other"
if [ "$(id -u)" -eq 0 ]; then
	chown -h nobody "$T/link-other"
	loader export --format lines -o "$T/link-other" 2>"$T/err"
	is $? 1 "-o a symlink owned by another user: refused"
	grep -q "symbolic link owned by uid" "$T/err"; ok $? "and says why"
	is "$(cat "$T/victim")" precious "the file it points to is untouched"
	echo keep >"$T/owned"; chown nobody:nogroup "$T/owned"; chmod 640 "$T/owned"
	loader export --format lines -o "$T/owned"; ok $? "-o a file of another owner"
	is "$(stat -c '%U:%G %a' "$T/owned")" "nobody:nogroup 640" "its owner and mode are kept"
	cmp -s "$T/owned" "$T/lines"; ok $? "and it holds the export"
fi
ln -s "$T/victim" "$T/link-mine"
loader export --format lines -o "$T/link-mine"; ok $? "-o a symlink of ours"
[ -L "$T/link-mine" ] && cmp -s "$T/victim" "$T/lines"; ok $? "the link stays, the file it names is replaced"
ln -s "$T/nothing" "$T/dangling"
loader export --format lines -o "$T/dangling" 2>"$T/err"; is $? 1 "-o a symlink to nothing: refused"
[ -e "$T/nothing" ]; [ $? -ne 0 ]; ok $? "and nothing is created through it"
ls -A "$T" | grep -qE '^\.(owned|victim|lines|rbl4|link)'; [ $? -ne 0 ]; ok $? "no temporary file is left anywhere"

stop_servers
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
