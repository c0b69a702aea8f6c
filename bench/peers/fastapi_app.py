"""The FastAPI peer, written the way the seeds teach: an asyncpg pool, and Redis cache-aside for items.

POST /streams/{stream}/records is the streaming-ingest peer: the NDJSON body read chunk by chunk
(request.stream()), checked line by line, and written in batches of 2,000 with asyncpg's
copy_records_to_table, each batch in a transaction that takes the stream's seqs first (Loopline's table and
seq rule, migration V6). It answers once every batch is committed.

Run: PEER_DB=postgresql://... PEER_REDIS=redis://... (empty = no cache) \
     python3 -m uvicorn fastapi_app:app --loop uvloop --http httptools --port 8101
"""
import asyncio
import json
import math
import os
from datetime import datetime, timezone

import asyncpg
import redis.asyncio as aioredis
from fastapi import FastAPI, HTTPException, Request, Response

SQL = ("SELECT id, name, description, price::text AS price, tags, version, created_at, updated_at "
       "FROM items WHERE id = $1")

app = FastAPI()
state = {}


@app.on_event("startup")
async def startup():
    state["pool"] = await asyncpg.create_pool(os.environ["PEER_DB"], min_size=8, max_size=8)
    url = os.environ.get("PEER_REDIS", "")
    state["redis"] = aioredis.from_url(url) if url else None


def encode(row):
    return json.dumps({
        "id": row["id"], "name": row["name"], "description": row["description"], "price": row["price"],
        "tags": list(row["tags"]), "version": row["version"],
        "createdAt": row["created_at"].isoformat(), "updatedAt": row["updated_at"].isoformat(),
    })


@app.get("/items/{item_id}")
async def get_item(item_id: int):
    cache = state["redis"]
    key = f"peer:item:{item_id}"
    if cache is not None:
        hit = await cache.get(key)
        if hit is not None:
            return Response(content=hit, media_type="application/json")
    row = await state["pool"].fetchrow(SQL, item_id)
    if row is None:
        raise HTTPException(status_code=404)
    body = encode(row)
    if cache is not None:
        await cache.set(key, body, ex=300)
    return Response(content=body, media_type="application/json")


@app.get("/sleep/{seconds}")
async def sleep(seconds: float):
    await asyncio.sleep(seconds)
    return {"message": f"Slept for {seconds} seconds."}


@app.get("/health/live")
async def live():
    return {"status": "UP"}


TAKE_SEQS = """
INSERT INTO streams AS s (name, records, first_time, last_time) VALUES ($1, $2, $3, $4)
ON CONFLICT (name) DO UPDATE SET records = s.records + EXCLUDED.records,
  first_time = least(s.first_time, EXCLUDED.first_time), last_time = greatest(s.last_time, EXCLUDED.last_time),
  updated_at = now()
RETURNING s.records - $2"""
COLUMNS = ["stream", "seq", "device", "recorded_at", "value", "attrs"]
FIELDS = {"device", "time", "value", "attrs"}
BATCH = 2000


def record(line):
    """The record on one line as (device, time, value, attrs), or the reason it is not one."""
    try:
        obj = json.loads(line)
    except ValueError:
        return "not JSON"
    if not isinstance(obj, dict):
        return "a record must be a JSON object"
    if not FIELDS.issuperset(obj):
        return "unknown field"
    device = obj.get("device")
    if not isinstance(device, str) or not 1 <= len(device) <= 128:
        return "device: 1 to 128 characters"
    value = obj.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "value: must be a finite number"
    time = obj.get("time")
    if time is None:
        when = datetime.now(timezone.utc)
    else:
        try:
            when = datetime.fromisoformat(time)
        except (TypeError, ValueError):
            return "time: must be RFC 3339"
        if when.tzinfo is None:
            return "time: needs an offset"
    attrs = obj.get("attrs")
    if attrs is not None:
        if not isinstance(attrs, dict):
            return "attrs: must be an object"
        attrs = json.dumps(attrs)
        if len(attrs.encode()) > 4096:
            return "attrs: at most 4 KiB"
    return (device, when, float(value), attrs)


async def store(conn, stream, batch):
    first = min(r[1] for r in batch)
    last = max(r[1] for r in batch)
    async with conn.transaction():
        base = await conn.fetchval(TAKE_SEQS, stream, len(batch), first, last)
        await conn.copy_records_to_table(
            "stream_records", columns=COLUMNS,
            records=[(stream, base + i + 1, r[0], r[1], r[2], r[3]) for i, r in enumerate(batch)])


@app.post("/streams/{stream}/records")
async def upload(stream: str, request: Request):
    accepted = rejected = 0
    errors = []
    batch = []
    number = 0
    rest = b""
    async with state["pool"].acquire() as conn:
        async def take(line):
            nonlocal number, accepted, rejected, batch
            number += 1
            line = line.rstrip(b"\r")
            if not line:
                return
            parsed = record(line)
            if isinstance(parsed, str):
                rejected += 1
                if len(errors) < 100:
                    errors.append({"line": number, "detail": parsed})
                return
            batch.append(parsed)
            if len(batch) >= BATCH:
                await store(conn, stream, batch)
                accepted += len(batch)
                batch = []

        async for chunk in request.stream():
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                await take(line)
        if rest:
            await take(rest)
        if batch:
            await store(conn, stream, batch)
            accepted += len(batch)
    return {"accepted": accepted, "rejected": rejected, "errors": errors}
