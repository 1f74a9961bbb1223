#!/usr/bin/env bash
# t_mta_rspamd.sh -- a real rspamd, with the rbl module configured as
# docs/operations.md shows, scores a message from a client dnsbld lists,
# through a real Unbound resolver, and does not score one from an unlisted
# client.
#
#   dnsbld   127.0.0.1@$PORT, zone relays.example: 192.0.2.30 listed
#            (127.0.0.2), 192.0.2.40 listed with code 127.0.0.4
#   unbound  $RESOLVER:53 (mta.sh), stub zone relays.example -> dnsbld
#   rspamd   in the foreground as nobody, from a private rspamd.conf in
#            $T/rspamd that configures the rbl module only (every other
#            module is unconfigured, so disabled) and names Unbound as
#            its only name server; one normal worker on 127.0.0.1:$RSPAMD
#   rspamc   sends each message with -i CLIENT-ADDRESS
#
# rspamd skips loopback and private clients, so the clients are
# documentation addresses (192.0.2.0/24) given to rspamc; only the request
# carries them, and every DNS query goes to Unbound on loopback.  Needs
# rspamd and unbound (tests/packages.txt): fails without them.
# run.sh timeout: 900
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/mta.sh"

need rspamd rspamd
need rspamc rspamd
need unbound unbound

RSPAMD_PID=
stop_rspamd() {
	[ -n "$RSPAMD_PID" ] || return 0
	kill -TERM "$RSPAMD_PID" 2>/dev/null
	local i
	for i in $(seq 1 100); do
		kill -0 "$RSPAMD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$RSPAMD_PID" 2>/dev/null
	wait "$RSPAMD_PID" 2>/dev/null
	RSPAMD_PID=
}
trap 'stop_rspamd; stop_unbound; cleanup' EXIT
chmod 755 "$T"	# rspamd reads its configuration as nobody

LISTED=192.0.2.30
CLEAN=192.0.2.31
CODED=192.0.2.40
write_config
check "dnsbld starts" -- start_dnsbld
check "loader list $LISTED" -- loader list $LISTED --reason "mta test"
check "loader list $CODED with code 127.0.0.4" -- \
    loader list $CODED --code 127.0.0.4 --reason "mta test"
check "unbound starts" -- start_unbound "	log-queries: yes"
is "$(rdig 30.2.0.192.relays.example A)" 127.0.0.2 "unbound: $LISTED is listed"
is "$(rdig 40.2.0.192.relays.example A)" 127.0.0.4 "unbound: $CODED is listed with 127.0.0.4"
is "$(rstatus 31.2.0.192.relays.example A)" NXDOMAIN "unbound: $CLEAN is not listed"

RS=$T/rspamd
RSPAMD=$(free_port)
mkdir -p "$RS"
chmod 777 "$RS"	# its database and run directory, for nobody
cat >"$RS/rspamd.conf" <<EOF
options {
	pidfile = "$RS/rspamd.pid";
	# Its compiled hyperscan caches: not /var/lib/rspamd.
	hs_cache_dir = "$RS";
	dns {
		nameserver = ["$RESOLVER:53"];
		timeout = 5s;
		retransmits = 3;
	}
	# Every client is external, documentation addresses too.
	local_addrs = [];
}
logging {
	type = "console";
	level = "info";
}
worker "normal" {
	bind_socket = "127.0.0.1:$RSPAMD";
	count = 1;
	task_timeout = 30s;
}
modules {
	path = "\${PLUGINSDIR}";
}
actions {
	reject = 15;
	"add header" = 6;
	greylist = 4;
}

# The snippet of docs/operations.md (local.d/rbl.conf and
# local.d/rbl_group.conf).
rbl {
	rbls {
		relays_example {
			symbol = "RBL_RELAYS_EXAMPLE";
			rbl = "relays.example";
			ipv4 = true;
			ipv6 = true;
			from = true;
			received = false;
			unknown = true;
			returncodes {
				RBL_RELAYS_EXAMPLE_OPEN = "127.0.0.2";
			}
		}
	}
}
group "rbl" {
	symbols {
		"RBL_RELAYS_EXAMPLE_OPEN" {
			weight = 6.5;
			description = "Listed in relays.example";
		}
		"RBL_RELAYS_EXAMPLE" {
			weight = 2.0;
			description = "Listed in relays.example, another code";
		}
	}
}
EOF
chmod -R a+rX "$RS"

start_rspamd() {
	rspamd -f -u nobody -g nogroup -c "$RS/rspamd.conf" --var DBDIR="$RS" \
	    --var RUNDIR="$RS" --var LOGDIR="$RS" >"$RS/rspamd.log" 2>&1 &
	RSPAMD_PID=$!
	local i
	# It compiles its TLD list before it listens: half a minute here.
	for i in $(seq 1 300); do
		rspamc -h "127.0.0.1:$RSPAMD" -t 5 stat >/dev/null 2>&1 && return 0
		$PY -c "import socket; socket.create_connection(('127.0.0.1', $RSPAMD), 1).close()" \
		    2>/dev/null && return 0
		kill -0 "$RSPAMD_PID" 2>/dev/null || break
		sleep 1
	done
	echo "# rspamd did not start:"
	grep -v 'unconfigured lua module\|has not been configured' "$RS/rspamd.log" |
	    tail -n 20 | sed 's/^/#   /'
	return 1
}

check "rspamd starts (127.0.0.1:$RSPAMD)" -- start_rspamd
grep -q "added rbl rule RBL_RELAYS_EXAMPLE" "$RS/rspamd.log"
ok $? "rspamd loaded the rbl rule"

cat >"$T/msg.eml" <<'EOF'
From: sender@client.mta.test
To: postmaster@mta.test
Subject: mta test
Date: Mon, 30 Nov 2026 13:00:00 +0000
Message-ID: <rspamd@client.mta.test>

hello
EOF

scan() {	# scan NAME CLIENT: rspamc's JSON for the message from CLIENT
	rspamc -h "127.0.0.1:$RSPAMD" -t 60 -j -i "$2" symbols <"$T/msg.eml" >"$T/$1.json" 2>"$T/$1.err"
	echo $? >"$T/$1.rc"
}
# sym NAME: the symbols rspamd found, "SYMBOL=SCORE" sorted, then the score
sym() {
	$PY - "$T/$1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d.get("symbols", {})
print(" ".join(sorted("%s=%.2f" % (k, v.get("score", 0)) for k, v in s.items())
               + ["score=%.2f" % d.get("score", -1)]))
PY
}

scan listed $LISTED
is "$(cat "$T/listed.rc")" 0 "rspamc (listed $LISTED): exit 0"
is "$(sym listed)" "RBL_RELAYS_EXAMPLE_OPEN=6.50 score=6.50" \
    "listed $LISTED: RBL_RELAYS_EXAMPLE_OPEN (6.5), nothing else"
grep -q "info: 127.0.0.1 30.2.0.192.relays.example. A IN" "$T/unbound/unbound.log"
ok $? "unbound logged rspamd's query for $LISTED"

scan clean $CLEAN
is "$(cat "$T/clean.rc")" 0 "rspamc (unlisted $CLEAN): exit 0"
is "$(sym clean)" "score=0.00" "unlisted $CLEAN: no symbol"
grep -q "info: 127.0.0.1 31.2.0.192.relays.example. A IN" "$T/unbound/unbound.log"
ok $? "unbound logged rspamd's query for $CLEAN"

# A code the returncodes do not name: with unknown = true, the rule's own
# symbol, not _OPEN.
scan coded $CODED
is "$(sym coded)" "RBL_RELAYS_EXAMPLE=2.00 score=2.00" \
    "$CODED (127.0.0.4): RBL_RELAYS_EXAMPLE (2.0), not _OPEN"

stop_rspamd
stop_unbound
stop_dnsbld; ok $? "dnsbld stops cleanly"
done_testing
