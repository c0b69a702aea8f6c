#!/usr/bin/env python3
"""Load for scripts/chaos.sh and scripts/soak.sh, with the Python standard library only.

    chaos_load.py write|read|mixed BASE_URL SECONDS THREADS OUT_JSON [ITEM_IDS_FILE]

write: POST /items, recording every id answered 201.  read: GET /items/{id} for ids from ITEM_IDS_FILE,
checking the answer is that item.  mixed: reads, writes, item lists and cache puts/gets.
Writes a JSON summary: requests, statuses, wrong answers, slowest request (s), acknowledged ids.
"""
import http.client
import json
import random
import sys
import threading
import time
from urllib.parse import urlparse

TIMEOUT = 30.0


def main():
    mode, base, seconds, threads, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    ids = [int(x) for x in open(sys.argv[6]).read().split()] if len(sys.argv) > 6 else []
    target = urlparse(base)
    lock = threading.Lock()
    stats = {"requests": 0, "statuses": {}, "wrong": 0, "slowest": 0.0, "acknowledged": [], "errors": 0,
             "timeline": []}
    deadline = time.monotonic() + seconds
    start = time.monotonic()

    def record(status, elapsed, ack=None, wrong=False):
        with lock:
            stats["requests"] += 1
            stats["statuses"][str(status)] = stats["statuses"].get(str(status), 0) + 1
            stats["slowest"] = max(stats["slowest"], elapsed)
            stats["timeline"].append([round(time.monotonic() - start, 2), status])
            if ack is not None:
                stats["acknowledged"].append(ack)
            if wrong:
                stats["wrong"] += 1

    def worker(n):
        rnd = random.Random(n)
        conn = None
        while time.monotonic() < deadline:
            if conn is None:
                conn = http.client.HTTPConnection(target.hostname, target.port, timeout=TIMEOUT)
            kind = mode if mode != "mixed" else rnd.choice(["read", "read", "read", "write", "list", "cache"])
            began = time.monotonic()
            try:
                if kind == "write":
                    body = json.dumps({"name": f"chaos {n} {rnd.random()}", "price": "9.99"})
                    conn.request("POST", "/items", body, {"Content-Type": "application/json"})
                    resp = conn.getresponse()
                    data = resp.read()
                    ack = json.loads(data)["id"] if resp.status == 201 else None
                    record(resp.status, time.monotonic() - began, ack=ack)
                elif kind == "read":
                    item = rnd.choice(ids)
                    conn.request("GET", f"/items/{item}")
                    resp = conn.getresponse()
                    data = resp.read()
                    wrong = resp.status != 200 or json.loads(data).get("id") != item
                    record(resp.status, time.monotonic() - began, wrong=wrong)
                elif kind == "list":
                    conn.request("GET", "/items?limit=20&sort=-price")
                    resp = conn.getresponse()
                    resp.read()
                    record(resp.status, time.monotonic() - began)
                else:
                    key = f"soak-{rnd.randint(1, 500)}"
                    conn.request("PUT", f"/cache/{key}?ttl=60", "value", {"Content-Type": "text/plain"})
                    resp = conn.getresponse()
                    resp.read()
                    record(resp.status, time.monotonic() - began)
            except Exception:
                record("error", time.monotonic() - began)
                conn.close()
                conn = None

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    with open(out, "w") as f:
        json.dump(stats, f)


if __name__ == "__main__":
    main()
