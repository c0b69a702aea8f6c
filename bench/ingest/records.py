"""Writes N NDJSON records to stdout: devices dev-0000..dev-0099, one record a millisecond from
2026-12-01T00:00:00Z, a tenth with attributes (the same data as WriteBench.java).

    python3 bench/ingest/records.py 1000000 > records.ndjson
"""
import random
import sys
from datetime import datetime, timedelta, timezone

n = int(sys.argv[1])
t0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
rnd = random.Random(42)
out = sys.stdout
chunk = []
for k in range(n):
    t = (t0 + timedelta(milliseconds=k)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    value = round(rnd.gauss(0, 10), 2)
    attrs = ',"attrs":{"unit":"C","site":"north"}' if k % 10 == 0 else ""
    chunk.append('{"device":"dev-%04d","time":"%s","value":%s%s}\n' % (k % 100, t, value, attrs))
    if len(chunk) == 10000:
        out.write("".join(chunk))
        chunk = []
out.write("".join(chunk))
