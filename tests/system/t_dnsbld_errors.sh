#!/usr/bin/env bash
# t_dnsbld_errors.sh -- malformed and unusual queries, crafted byte by byte:
# NOTIMP for other opcodes, FORMERR for bad questions and OPT records,
# silence for responses and runts, REFUSED for other classes, the question
# echoed with its 0x20 case, and a burst of random packets that must leave
# the server answering.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }

write_config
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }

H=12340100		# id 0x1234, RD
Q=0672656c617973076578616d706c6500	# relays.example
SOA=00060001
OPT=0000290200000000000000		# root, OPT, 512, v0, no options

check "opcode NOTIFY: NOTIMP" -- dc raw $PORT 123420000001000000000000${Q}${SOA} --rcode NOTIMP --opcode 4
check "opcode STATUS: NOTIMP" -- dc raw $PORT 123410000001000000000000${Q}${SOA} --rcode NOTIMP --opcode 2
check "QDCOUNT 0: FORMERR" -- dc raw $PORT ${H}0000000000000000 --rcode FORMERR
check "QDCOUNT 2: FORMERR" -- dc raw $PORT ${H}0002000000000000${Q}${SOA}${Q}${SOA} --rcode FORMERR
check "question cut short: FORMERR" -- dc raw $PORT ${H}00010000000000000672656c6179 --rcode FORMERR
check "no QTYPE/QCLASS: FORMERR" -- dc raw $PORT ${H}0001000000000000${Q}0006 --rcode FORMERR
check "compressed question name: FORMERR" -- dc raw $PORT ${H}0001000000000000c00c${SOA} --rcode FORMERR
check "label type 01: FORMERR" -- dc raw $PORT ${H}000100000000000041${SOA} --rcode FORMERR
check "two OPT records: FORMERR" -- dc raw $PORT ${H}0001000000000002${Q}${SOA}${OPT}${OPT} --rcode FORMERR
check "OPT owner not root: FORMERR" -- dc raw $PORT ${H}0001000000000001${Q}${SOA}0161000029020000000000000000 --rcode FORMERR
check "OPT option past its RDATA: FORMERR" -- dc raw $PORT ${H}0001000000000001${Q}${SOA}0000290200000000000004000a0009 --rcode FORMERR
check "ARCOUNT beyond the packet: FORMERR" -- dc raw $PORT ${H}0001000000000003${Q}${SOA}${OPT} --rcode FORMERR
check "QTYPE OPT: FORMERR" -- dc raw $PORT ${H}0001000000000000${Q}00290001 --rcode FORMERR
check "unknown EDNS option ignored" -- dc raw $PORT ${H}0001000000000001${Q}${SOA}000029020000000000000006fde900020000 --rcode NOERROR
check "trailing bytes ignored" -- dc raw $PORT ${H}0001000000000000${Q}${SOA}deadbeef --rcode NOERROR
check "class CH: REFUSED" -- dc raw $PORT ${H}0001000000000000${Q}00060003 --rcode REFUSED
check "class ANY: answered" -- dc raw $PORT ${H}0001000000000000${Q}000600ff --rcode NOERROR
check "AXFR over UDP: REFUSED" -- dc raw $PORT ${H}0001000000000000${Q}00fc0001 --rcode REFUSED
check "QR set: no answer" -- dc raw $PORT 123481000001000000000000${Q}${SOA} --silent
check "shorter than a header: no answer" -- dc raw $PORT 12340100000100 --silent
check "empty datagram: no answer" -- dc raw $PORT "" --silent

check "0x20: question echoed byte for byte" -- dc q $PORT 2.0.0.127.ReLaYs.eXaMpLe A \
	--rcode NOERROR --aa --echo --a 127.0.0.2
check "0x20 with EDNS" -- dc q $PORT 2.0.0.127.RELAYS.EXAMPLE TXT --edns 1232 --echo --an 1
check "0x20 negative: question echoed" -- dc q $PORT 3.0.0.127.rElAyS.example A \
	--rcode NXDOMAIN --echo --soa-ttl 300

# 3000 random packets, some built on a valid header: none may stop the server.
$PY - "$PORT" <<'PY'
import random, socket, sys
port = int(sys.argv[1]); rnd = random.Random(7)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
base = bytes.fromhex("123401000001000000000000" "0672656c617973076578616d706c6500" "00060001")
for i in range(3000):
    if i % 2:
        b = bytearray(base + bytes(rnd.randrange(256) for _ in range(rnd.randrange(20))))
        for _ in range(rnd.randrange(1, 6)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
    else:
        b = bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 600)))
    s.sendto(bytes(b), ("127.0.0.1", port))
PY
sleep 0.5
kill -0 "$DNSBLD_PID"; ok $? "still running after 3000 random packets"
check "still answering after the burst" -- dc q $PORT relays.example SOA --rcode NOERROR --aa
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
