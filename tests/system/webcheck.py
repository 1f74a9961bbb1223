#!/usr/bin/python3
"""webcheck.py -- HTTP clients for the web front end's tests
(t_web_http.sh), over loopback only.

  webcheck.py concurrent PORT IP CLIENTS REQUESTS
      CLIENTS threads, each REQUESTS lookups of IP on its own connection,
      each with its own X-Forwarded-For; prints "ok N bad M" and the first
      bad statuses.
  webcheck.py raw PORT FILE
      send FILE's bytes as they are, print the status line.
  webcheck.py partial PORT
      send a POST's headers and half its body, then print "sent" and
      wait (the test kills the server meanwhile).
"""
import http.client
import socket
import sys
import threading


def concurrent(port, ip, clients, requests):
    ok, bad, lock = [0], [], threading.Lock()

    def run(k):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(requests):
            try:
                conn.request("GET", "/lookup?ip=" + ip, headers={
                    "X-Forwarded-For": "10.%d.%d.%d" % (k, i // 250, i % 250 + 1)})
                r = conn.getresponse()
                body = r.read()
                good = r.status == 200 and b"is <span class=\"listed\">listed" in body
            except Exception as e:  # a failure is a result here
                good, r = False, e
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            with lock:
                if good:
                    ok[0] += 1
                else:
                    bad.append(getattr(r, "status", repr(r)))
        conn.close()

    ts = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print("ok %d bad %d %s" % (ok[0], len(bad), bad[:5]))


def raw(port, path):
    data = open(path, "rb").read()
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(data)
    got = b""
    try:
        while b"\r\n" not in got:
            c = s.recv(4096)
            if not c:
                break
            got += c
    except OSError:
        pass
    s.close()
    print(got.split(b"\r\n")[0].decode("latin-1") or "(closed)")


def partial(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    body = b"ip=192.0.2.10&contact=half%40example.org&csrf=x&note=" + b"n" * 100
    s.sendall(b"POST /retest HTTP/1.1\r\nHost: x\r\nContent-Type: "
              b"application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body[:40])
    print("sent", flush=True)
    try:
        s.recv(100)
    except OSError:
        pass


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "concurrent":
        concurrent(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif cmd == "raw":
        raw(int(sys.argv[2]), sys.argv[3])
    elif cmd == "partial":
        partial(int(sys.argv[2]))
