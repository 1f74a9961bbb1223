#!/usr/bin/env bash
# t_mta_spamassassin.sh -- a real SpamAssassin scores a message whose
# external relay dnsbld lists, through a real Unbound resolver, with a
# check_rbl rule (the one docs/operations.md shows), and does not score one
# whose relay is not listed.
#
#   dnsbld        127.0.0.1@$PORT, zone relays.example: 192.0.2.30 listed
#   unbound       $RESOLVER:53 (mta.sh), stub zone relays.example -> dnsbld
#   spamassassin  spamassassin -t, as nobody, with a private configuration
#                 in $T/sa: only the Check and DNSEval plugins and the
#                 rules below, dns_server naming Unbound
#
# SpamAssassin never looks up a loopback or private relay (they are always
# trusted), so the messages name documentation addresses (192.0.2.0/24) in
# their Received headers; only the headers carry them, and every DNS query
# still goes to Unbound on loopback.  It runs as nobody so that it creates
# no state directory in root's home.  Its defaults are the package's
# 10_default_prefs.cf.  Needs spamassassin and unbound
# (tests/packages.txt): fails without them.
# run.sh timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mta.sh"

need spamassassin spamassassin
need unbound unbound
need runuser util-linux

trap 'stop_unbound; cleanup' EXIT
chmod 755 "$T"	# SpamAssassin reads its configuration as nobody

LISTED=192.0.2.30
CLEAN=192.0.2.31
write_config
check "dnsbld starts" -- start_dnsbld
check "loader list $LISTED" -- loader list $LISTED --reason "mta test"
check "unbound starts" -- start_unbound "	log-queries: yes"
is "$(rdig 30.2.0.192.relays.example A)" 127.0.0.2 "unbound: $LISTED is listed"
is "$(rstatus 31.2.0.192.relays.example A)" NXDOMAIN "unbound: $CLEAN is not listed"

SA=$T/sa
mkdir -p "$SA/site" "$SA/rules"
cat >"$SA/site/init.pre" <<'EOF'
loadplugin Mail::SpamAssassin::Plugin::Check
loadplugin Mail::SpamAssassin::Plugin::DNSEval
EOF
# sa_config: local.cf, naming the Unbound that runs now (start_unbound
# picks a new address each time).
sa_config() {
	cat >"$SA/site/local.cf" <<EOF
dns_server $RESOLVER
dns_available yes
rbl_timeout 30
use_bayes 0
bayes_auto_learn 0
report_safe 0
util_rb_tld test example
EOF
	chmod a+r "$SA/site/local.cf"
}
sa_config
# The package's default preferences (headers, report, required_score 5).
cp /usr/share/spamassassin/10_default_prefs.cf "$SA/rules/"
# The rules: every untrusted relay, and the last external one only.
cat >"$SA/rules/50_relays_example.cf" <<'EOF'
header   RCVD_IN_TESTRELAYS  eval:check_rbl('testrelays', 'relays.example.')
describe RCVD_IN_TESTRELAYS  Relay is listed in relays.example
tflags   RCVD_IN_TESTRELAYS  net
score    RCVD_IN_TESTRELAYS  6.5

header   RCVD_IN_TESTRELAYS_LAST  eval:check_rbl('testrelays-lastexternal', 'relays.example.')
describe RCVD_IN_TESTRELAYS_LAST  Last external relay is listed in relays.example
tflags   RCVD_IN_TESTRELAYS_LAST  net
score    RCVD_IN_TESTRELAYS_LAST  0.5
EOF
chmod -R a+rX "$SA"

sa() {	# sa [EXTRA-CF-LINE]: spamassassin -t on stdin, as nobody
	printf '%s\n' "${1:-}" >"$SA/site/zz_extra.cf"
	(cd "$SA" && runuser -u nobody -- timeout 180 spamassassin -x -t \
	    --siteconfigpath="$SA/site" --configpath="$SA/rules" \
	    -p "$SA/user_prefs" -D dns,received-header 2>"$SA/debug.log")
}

# msg NAME RELAY...: a message received by mx.mta.test from the last
# RELAY, which had it from the one before, and so on.
msg() {
	local name=$1 by=mx.mta.test i ip; shift
	local relays=("$@")
	{
		# The newest hop first: the last RELAY, received by our MX.
		for ((i = ${#relays[@]} - 1; i >= 0; i--)); do
			ip=${relays[i]}
			printf 'Received: from %s (unknown [%s])\n\tby %s (Postfix) with ESMTP id 4F00D%s\n\tfor <postmaster@mta.test>; Mon, 30 Nov 2026 13:00:00 +0000 (UTC)\n' \
			    "h${ip##*.}.example" "$ip" "$by" "${ip##*.}"
			by=h${ip##*.}.example
		done
		printf 'From: sender@client.mta.test\nTo: postmaster@mta.test\n'
		printf 'Subject: %s\nDate: Mon, 30 Nov 2026 13:00:00 +0000\n' "$name"
		printf 'Message-ID: <%s@client.mta.test>\n\nhello\n' "$name"
	} >"$T/$name.eml"
}

status() {	# status NAME: the X-Spam-Status header of NAME.out, unfolded
	sed -n '/^X-Spam-Status:/,/^[^ \t]/p' "$T/$1.out" | sed '$!N;s/\n[ \t]\+/ /;P;D' |
	    sed -n 's/^X-Spam-Status: //p' | head -n 1
}

check "spamassassin --lint" -- runuser -u nobody -- timeout 180 spamassassin -x --lint \
    --siteconfigpath="$SA/site" --configpath="$SA/rules" -p "$SA/user_prefs"

# sa_expect NAME GLOB [EXTRA-CF-LINE]: spamassassin -t on NAME.eml into
# NAME.out until its X-Spam-Status matches GLOB, at most twice.  SpamAssassin
# sends each DNS query once and never again, so one reply it did not take
# (a slow machine) costs a hit; a second run asks again.  A miss prints what
# SpamAssassin's DNS log and Unbound's log say, so the cause is in the test
# output; a miss on both runs fails.  Returns SpamAssassin's exit status in
# SA_RC and the header in SA_ST.
sa_expect() {
	local name=$1 glob=$2 extra=${3:-} try
	for try in 1 2; do
		sa "$extra" <"$T/$name.eml" >"$T/$name.out"
		SA_RC=$?
		SA_ST=$(status "$name")
		# shellcheck disable=SC2053
		[[ $SA_ST == $glob ]] && return 0
		echo "# run $try of spamassassin -t ($name): X-Spam-Status: $SA_ST"
		grep -E 'dbg: (dns|async):' "$SA/debug.log" | tail -n 25 | sed 's/^/#   sa: /'
		tail -n 8 "$T/unbound/unbound.log" | sed 's/^/#   unbound: /'
		sleep 2
	done
	return 1
}

# unbound_asked NAME: how many queries Unbound has logged for NAME.
unbound_asked() {
	grep -c "info: 127.0.0.1 $1 A IN" "$T/unbound/unbound.log"
}

# The listed relay handed the message to our MX.
msg listed $LISTED
asked=$(unbound_asked 30.2.0.192.relays.example.)
sa_expect listed "Yes, score=7.0 required=5.0 tests=RCVD_IN_TESTRELAYS,*RCVD_IN_TESTRELAYS_LAST*"
ok $? "listed $LISTED: both rules hit, score 7.0"
is $SA_RC 0 "spamassassin -t (listed): exit 0"
grep -qE '^ *6\.5 RCVD_IN_TESTRELAYS +RBL: Relay is listed in relays\.example' "$T/listed.out"
ok $? "the report shows the rule, its score and its description"
grep -qF "[$LISTED listed in relays.example]" "$T/listed.out"
ok $? "the report names the listed relay"
[ "$(unbound_asked 30.2.0.192.relays.example.)" -gt "$asked" ]
ok $? "unbound logged SpamAssassin's query for $LISTED"
grep -qE "dbg: received-header: relay $LISTED trusted\? no internal\? no" "$SA/debug.log"
ok $? "SpamAssassin took $LISTED as the untrusted external relay"

# An unlisted relay: nothing hits.
msg clean $CLEAN
sa <"$T/clean.eml" >"$T/clean.out"
is $? 0 "spamassassin -t (unlisted): exit 0"
st=$(status clean)
case "$st" in "No, score=0.0 required=5.0 tests=none "*)
	ok 0 "unlisted $CLEAN: no rule hits" ;;
*) ok 1 "unlisted $CLEAN: no rule hits"; echo "#   X-Spam-Status: $st" ;; esac
grep -q "dns: dns reply to [0-9]*/IN/A/31.2.0.192.relays.example: NXDOMAIN" "$SA/debug.log"
ok $? "SpamAssassin had the NXDOMAIN for $CLEAN (no hit is an answer, not a timeout)"
grep -q "info: 127.0.0.1 31.2.0.192.relays.example. A IN" "$T/unbound/unbound.log"
ok $? "unbound logged SpamAssassin's query for $CLEAN"

# The listed relay one hop further out: check_rbl looks up every
# untrusted relay, -lastexternal only the one that reached us.
msg deeper $LISTED $CLEAN
sa_expect deeper "Yes, score=6.5 required=5.0 tests=RCVD_IN_TESTRELAYS *"
ok $? "listed relay behind an unlisted one: only the all-relays rule hits"

# A trusted relay is never looked up, listed or not.
sa "trusted_networks $LISTED" <"$T/listed.eml" >"$T/trusted.out"
st=$(status trusted)
case "$st" in "No, score=0.0 required=5.0 tests=none"*)
	ok 0 "listed $LISTED in trusted_networks: no rule hits" ;;
*) ok 1 "listed $LISTED in trusted_networks: no rule hits"; echo "#   X-Spam-Status: $st" ;; esac
grep -q "dns: launching rule" "$SA/debug.log"
ok $((!$?)) "no DNS lookup for a trusted relay"

# Delisted: the resolver has it cached for the zone's TTL (2100 s here),
# so a fresh resolver shows the delisting at once.
check "loader delist $LISTED" -- loader delist $LISTED --reason "mta test: fixed"
stop_unbound
check "unbound restarts (an empty cache)" -- start_unbound
sa_config
sa <"$T/listed.eml" >"$T/delisted.out"
st=$(status delisted)
case "$st" in "No, score=0.0 required=5.0 tests=none"*)
	ok 0 "delisted $LISTED: no rule hits" ;;
*) ok 1 "delisted $LISTED: no rule hits"; echo "#   X-Spam-Status: $st" ;; esac
grep -q "dns: dns reply to [0-9]*/IN/A/30.2.0.192.relays.example: NXDOMAIN" "$SA/debug.log"
ok $? "SpamAssassin had the NXDOMAIN for delisted $LISTED"

stop_unbound
stop_dnsbld; ok $? "dnsbld stops cleanly"
done_testing
