#!/usr/bin/python3
"""driver.py -- the soak test's writer and checker (tests/soak/soak.sh).

  driver.py LOADER CONFIG PORT ZONE SECS SEED PIDFILE OUTDIR

Every second, for SECS seconds: one `loader list` of 50 addresses and one
`loader delist` of 50 others (100 changes a second, two commits), chosen
at random (seeded) from a pool of 20,000 addresses under 10.200/16 whose
expected state the driver keeps.  After each commit, every address it
changed and 50 random ones of the pool are asked over UDP, and each answer
is compared with the model: a change must be visible to the next query.
Every 10 s it writes a line to OUTDIR/rss: seconds and dnsbld's VmRSS.
At the end it prints "changes N checked M wrong W unanswered U".
"""
import random
import socket
import subprocess
import sys
import time

import dns.message
import dns.rcode
import dns.rdatatype

loader, config, port, zone, secs, seed, pidfile, outdir = sys.argv[1:9]
port, secs, seed = int(port), float(secs), int(seed)
pid = int(open(pidfile).read().split()[0])
rnd = random.Random(seed)
pool = ["10.200.%d.%d" % (i // 250, i % 250 + 1) for i in range(20000)]
listed = set()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(2)
changes = checked = wrong = unanswered = 0


def rname(a):
    return ".".join(reversed(a.split("."))) + "." + zone


def ask(a):
    q = dns.message.make_query(rname(a), "A")
    for _ in range(5):
        try:
            sock.sendto(q.to_wire(), ("127.0.0.1", port))
            while True:
                m = dns.message.from_wire(sock.recv(4096))
                if m.id == q.id:
                    return m
        except socket.timeout:
            continue
    return None


def check(addrs):
    global checked, wrong, unanswered
    for a in addrs:
        m = ask(a)
        checked += 1
        if m is None:
            unanswered += 1
            print("no answer for", a, flush=True)
            continue
        got = m.rcode() == dns.rcode.NOERROR and any(
            rr.rdtype == dns.rdatatype.A for rr in m.answer)
        if got != (a in listed) or (not got and m.rcode() != dns.rcode.NXDOMAIN):
            wrong += 1
            print("WRONG %s: want %s, got %s" % (
                a, "listed" if a in listed else "NXDOMAIN",
                dns.rcode.to_text(m.rcode())), flush=True)


def run(args):
    r = subprocess.run([loader, "-c", config] + args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print("loader %s failed: %s" % (args[0], r.stderr.strip()), flush=True)
        return False
    return True


def rss():
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


start = time.time()
next_rss = start
with open(outdir + "/rss", "w") as rf:
    while time.time() - start < secs:
        t0 = time.time()
        add = rnd.sample([a for a in pool if a not in listed], 50)
        if run(["list", "--reason", "soak"] + add):
            listed.update(add)
            changes += len(add)
        drop = rnd.sample(sorted(listed), min(50, len(listed)))
        if drop and run(["delist", "--reason", "soak"] + drop):
            listed.difference_update(drop)
            changes += len(drop)
        check(add + drop + rnd.sample(pool, 50))
        if time.time() >= next_rss:
            rf.write("%d %d\n" % (int(time.time() - start), rss()))
            rf.flush()
            next_rss += 10
        time.sleep(max(0, 1 - (time.time() - t0)))
print("changes %d checked %d wrong %d unanswered %d" % (
    changes, checked, wrong, unanswered))
