#!/usr/bin/env bash
# t_dnsbld_batch.sh -- a batch of datagrams taken by one recvmmsg(2), some
# answered and some not, in a seeded random order: queries (listed and not),
# datagrams larger than any query that begin with a valid one, responses
# (QR set), runts and empty datagrams.  dnsbld is stopped while they queue,
# so that a worker takes them together.  Every query must get exactly its
# own answer (its ID, its question, the right rcode and address) and
# nothing else may come back: no answer for a dropped datagram, no empty
# datagram, no answer twice.  Queries go to loopback only.
source "$(dirname "$0")/lib.sh"

write_config
sed -i "s/^zones:/workers: 1\nzones:/" "$T/dnsbl.yaml"
start_dnsbld || { ok 1 "dnsbld starts"; done_testing; exit 1; }
SEED=${DNSBL_SEED:-$RANDOM}
echo "# seed $SEED (replay: DNSBL_SEED=$SEED bash $0)"

out=$($PY - $PORT $DNSBLD_PID $SEED <<'PY' 2>&1
import os, random, signal, socket, struct, sys, time
import dns.message, dns.rcode, dns.flags
port, pid, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
r = random.Random(seed)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
problems = []
for rnd in range(4):
    want, quiet, grams = {}, set(), []
    ids = r.sample(range(1, 65536), 200)
    for k in range(r.randrange(20, 120)):
        qid, kind = ids[k], r.choice(["listed", "unlisted", "unlisted", "big",
                                      "response", "runt", "empty"])
        name = ("2.0.0.127.relays.example" if kind == "listed" else
                "%d.%d.51.198.relays.example" % (r.randrange(256), r.randrange(256)))
        q = dns.message.make_query(name, "A")
        q.id = qid
        w = q.to_wire()
        if kind in ("listed", "unlisted"):
            want[qid] = (name, kind)
        elif kind == "big":		# past the receive buffer
            w += bytes(r.randrange(256) for _ in range(1400 + r.randrange(200)))
            quiet.add(qid)
        elif kind == "response":
            w = w[:2] + bytes([w[2] | 0x80]) + w[3:]
            quiet.add(qid)
        elif kind == "runt":
            w = w[:r.randrange(1, 12)]
        else:
            w = b""
        grams.append(w)
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(0.2)
        for w in grams:
            s.sendto(w, ("127.0.0.1", port))
        time.sleep(0.2)
    finally:
        os.kill(pid, signal.SIGCONT)
    got = {}
    s.settimeout(2)
    try:
        while True:
            d, _ = s.recvfrom(65535)
            if len(d) == 0:
                problems.append("round %d: an empty datagram" % rnd)
                continue
            try:
                m = dns.message.from_wire(d)
            except Exception as e:
                problems.append("round %d: an answer that does not parse: %r" % (rnd, e))
                continue
            if m.id in got:
                problems.append("round %d: ID %d answered twice" % (rnd, m.id))
            got[m.id] = m
            if len(got) >= len(want) and all(i in got for i in want):
                s.settimeout(0.5)	# then nothing more may come
    except socket.timeout:
        pass
    for qid, (name, kind) in want.items():
        m = got.get(qid)
        if m is None:
            problems.append("round %d: query %d (%s) not answered" % (rnd, qid, kind)); continue
        if str(m.question[0].name).rstrip(".") != name:
            problems.append("round %d: query %d answered for %s" % (rnd, qid, m.question[0].name))
        elif kind == "listed" and (m.rcode() != 0 or
                [x.to_text() for x in m.answer[0]] != ["127.0.0.2"]):
            problems.append("round %d: listed query %d: %s" % (rnd, qid, m.to_text()))
        elif kind == "unlisted" and m.rcode() != dns.rcode.NXDOMAIN:
            problems.append("round %d: unlisted query %d: rcode %d" % (rnd, qid, m.rcode()))
    for qid in got:
        if qid not in want:
            problems.append("round %d: ID %d answered, %s" % (rnd, qid,
                "a dropped datagram's" if qid in quiet else "never asked"))
    print("# round %d: %d datagrams, %d queries, %d answers" % (rnd, len(grams), len(want), len(got)))
print("\n".join(problems[:10]) if problems else "ok")
PY
)
echo "$out" | grep '^#'
is "$(echo "$out" | grep -v '^#')" "ok" \
    "4 batches of queries mixed with datagrams to drop (seed $SEED): each query its own answer, nothing else"
check_alive=$(dig +time=2 +tries=2 +short -p "$PORT" @127.0.0.1 2.0.0.127.relays.example A)
is "$check_alive" "127.0.0.2" "it answers after them"
stop_dnsbld; ok $? "dnsbld exits 0 on SIGTERM"
done_testing
