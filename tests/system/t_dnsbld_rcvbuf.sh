#!/usr/bin/env bash
# t_dnsbld_rcvbuf.sh -- udp_receive_buffer: each of dnsbld's UDP sockets
# (one a worker and endpoint) gets the receive buffer asked for, by
# default 1M, past net.core.rmem_max when dnsbld starts as root; 0 leaves
# the system's default.  Read back from the kernel with ss(8), whose rb
# is what the kernel keeps: twice the bytes asked for.  TCP sockets keep
# theirs.  And a burst of queries larger than the system's default buffer
# holds, sent while dnsbld cannot read (stopped), is answered in full
# once it runs again, where the system's default buffer loses most of it.
source "$(dirname "$0")/lib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "# skipped: a buffer past net.core.rmem_max needs root"
	done_testing
	exit 0
fi
if ! command -v ss >/dev/null; then
	echo "# skipped: no ss(8)"
	done_testing
	exit 0
fi

# rbs PROTO: the rb of every socket of dnsbld bound to $PORT, one a line.
rbs() {
	ss -H -n -m -p "-$1" -a "sport = :$PORT" 2>/dev/null |
	    awk -v pid="pid=$DNSBLD_PID," '
	    /users:/ { mine = index($0, pid) > 0 }
	    /skmem:/ { if (mine && match($0, /rb[0-9]+/))
		print substr($0, RSTART + 2, RLENGTH - 2) }'
}
rmem_default=$(cat /proc/sys/net/core/rmem_default)
rmem_max=$(cat /proc/sys/net/core/rmem_max)
echo "# net.core.rmem_default $rmem_default, rmem_max $rmem_max"

# try_buf WORKERS SETTING WANT: with that many workers and the setting
# (empty: the default), every UDP socket has rb WANT: 2 endpoints a worker.
try_buf() {
	local workers=$1 setting=$2 want=$3 got n
	write_config "workers: $workers${setting:+
udp_receive_buffer: $setting}"
	start_dnsbld || { ok 1 "dnsbld starts (${setting:-default})"; return; }
	got=$(rbs u | sort -u | tr '\n' ' ')
	n=$(rbs u | wc -l)
	is "$n/$got" "$((workers * 2))/$want " \
	    "$workers worker(s), udp_receive_buffer ${setting:-(default 1M)}: $n UDP sockets, rb $want"
	[ "$(rbs t | sort -u | tr -d '\n')" != "$want" ] || [ "$want" = "$rmem_default" ]
	ok $? "the TCP sockets keep their own buffer ($(rbs t | sort -u | tr '\n' ' '))"
	a=$(dig +short +time=2 +tries=2 -p "$PORT" @127.0.0.1 2.0.0.127.relays.example A)
	is "$a" 127.0.0.2 "answers the test entry"
	stop_dnsbld
}
try_buf 1 "" $((2 * 1048576))
try_buf 2 "" $((2 * 1048576))
try_buf 2 3M $((2 * 3 * 1048576))
# Past rmem_max: root may.
big=$(( (rmem_max / 1048576 + 2) ))
try_buf 1 "${big}M" $((2 * big * 1048576))
try_buf 1 0 "$rmem_default"

# A burst while dnsbld is stopped: 1500 queries (about 1.2 MB of the
# kernel's bookkeeping at loopback sizes) wait in the default buffer and
# are all answered after SIGCONT; with udp_receive_buffer 0 the system's
# default buffer (208 KB here) holds a few hundred and the rest is lost.
# burst: prints how many of the 1500 were answered.
burst() {
	kill -STOP "$DNSBLD_PID"
	$PY - "$PORT" "$DNSBLD_PID" <<'PY2'
import os, select, signal, socket, struct, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.connect(("127.0.0.1", port))
n = 1500
name = b"\x012\x010\x010\x03127\x06relays\x07example\x00"
try:
    for i in range(n):
        s.send(struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + name +
               struct.pack(">HH", 1, 1))
    time.sleep(0.2)
finally:
    os.kill(pid, signal.SIGCONT)
got = set()
end = time.time() + 20
while len(got) < n and time.time() < end:
    r, _, _ = select.select([s], [], [], 1)
    if r:
        a = s.recv(4096)
        if len(a) >= 12 and a[2] & 0x80 and a[3] & 0xF == 0:
            got.add(struct.unpack(">H", a[:2])[0])
print(len(got))
PY2
	kill -CONT "$DNSBLD_PID" 2>/dev/null
}
# udp FIELD: a figure of the status's "udp" object (loader server status
# --json, from dnsbld's control socket); metric NAME: a line of /metrics.
udp() {
	loader server status --json 2>/dev/null | $PY -c '
import json, sys
print(json.load(sys.stdin)["udp"][sys.argv[1]])' "$1"
}
metric() {
	$PY -c '
import sys, urllib.request
page = urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=10).read()
for line in page.decode().splitlines():
    f = line.split()
    if len(f) == 2 and f[0] == sys.argv[2]:
        print(f[1])' "$MP" "$1"
}
MP=$(free_port)
ctl="control: $T/control.sock
metrics: 127.0.0.1@$MP"
write_config "workers: 1
rrl: {enabled: false}
$ctl"
if start_dnsbld; then
	is "$(udp receive_buffer_bytes)/$(metric dnsbl_udp_receive_buffer_bytes)" \
	    "2097152/2097152" "status and /metrics: the buffer as the kernel counts it"
	is "$(burst)" 1500 "a burst of 1500 queries while stopped: every one answered (default buffer)"
	is "$(udp receive_drops)/$(metric dnsbl_udp_receive_drops_total)" 0/0 \
	    "none dropped, say status and /metrics"
	stop_dnsbld
else
	ok 1 "dnsbld starts for the burst"
fi
write_config "workers: 1
udp_receive_buffer: 0
rrl: {enabled: false}
$ctl"
if start_dnsbld; then
	n=$(burst)
	[ -n "$n" ] && [ "$n" -lt 1500 ]
	ok $? "the same burst with the system's buffer: $n of 1500 answered, the rest lost"
	# Each dropped query is counted: the burst went to one socket.
	is "$(udp receive_drops)/$(metric dnsbl_udp_receive_drops_total)" \
	    "$((1500 - n))/$((1500 - n))" "status and /metrics count the $((1500 - n)) dropped"
	is "$(udp receive_queue_bytes)" 0 "nothing left waiting"
	stop_dnsbld
else
	ok 1 "dnsbld starts for the burst"
fi
done_testing
