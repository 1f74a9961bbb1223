#!/usr/bin/env bash
# t_dnsbld_store.sh -- dnsbld and the store's life: started before the
# loader ever ran (dnsbld creates the empty store), then the loader's
# writes seen at once; a map that the loader grows far past map_size while
# dnsbld runs; and a burst of queries during a large import.
source "$(dirname "$0")/lib.sh"
dc() { $PY "$ROOT/tests/system/dnscheck.py" "$@"; }
Z=relays.example

write_config
echo "map_size: 1M" >>"$T/dnsbl.yaml"
[ ! -e "$T/db" ]; ok $? "no store yet"
start_dnsbld || { ok 1 "dnsbld starts without a store"; done_testing; exit 1; }
ok 0 "dnsbld starts without a store"
check "empty store: test entry answered" -- dc q $PORT 2.0.0.127.$Z A --rcode NOERROR --a 127.0.0.2
check "empty store: NXDOMAIN" -- dc q $PORT 1.2.0.192.$Z A --rcode NXDOMAIN --serial 1
check "loader writes the store dnsbld created" -- loader list 192.0.2.1
check "seen at once" -- dc q $PORT 1.2.0.192.$Z A --rcode NOERROR --a 127.0.0.2

# 30000 addresses: the 1 MB map must grow several times under dnsbld.
$PY -c "
for i in range(30000): print('10.%d.%d.%d' % (i >> 16, (i >> 8) & 255, i & 255))" >"$T/ips.txt"
# Queries all through the import (bounded: 400 at most), with a resolver's
# patience (3 tries of 2 s): a busy machine is slow, not wrong.  dnsbld
# never drops a batch: one it cannot read the store for is answered
# SERVFAIL and logged, which the log check below would show.
(for i in $(seq 1 400); do
	dig +time=2 +tries=3 +short -p $PORT @127.0.0.1 1.2.0.192.$Z A 2>/dev/null
done >"$T/during.out") &
qpid=$!
check "import 30000 addresses (map grows past 1 MB)" -- loader import --format lines "$T/ips.txt"
wait $qpid
n=$(grep -c '^127.0.0.2$' "$T/during.out")
is "$n" 400 "all 400 queries during the import answered"
! grep -q "store: " "$T/dnsbld.log"; ok $? "no batch failed to read the store"
size=$(mdb_stat -e "$T/db/serve" | awk '/Map size/ {print $3}')
[ "$size" -gt 1048576 ]; ok $? "the map grew ($size bytes)"
check "after growth: first imported" -- dc q $PORT 0.0.0.10.$Z A --rcode NOERROR --a 127.0.0.2
check "after growth: last imported" -- dc q $PORT 47.117.0.10.$Z A --rcode NOERROR --a 127.0.0.2
check "after growth: over TCP" -- dc q $PORT 47.117.0.10.$Z A --tcp --rcode NOERROR
check "after growth: one past the last" -- dc q $PORT 48.117.0.10.$Z A --rcode NXDOMAIN
check "after growth: ENT" -- dc q $PORT 117.0.10.$Z A --rcode NOERROR --an 0
kill -0 "$DNSBLD_PID"; ok $? "dnsbld still running"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
