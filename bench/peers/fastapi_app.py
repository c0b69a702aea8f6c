"""The FastAPI peer, written the way the seeds teach: an asyncpg pool, and Redis cache-aside for items.

Run: PEER_DB=postgresql://... PEER_REDIS=redis://... (empty = no cache) \
     python3 -m uvicorn fastapi_app:app --loop uvloop --http httptools --port 8101
"""
import asyncio
import json
import os

import asyncpg
import redis.asyncio as aioredis
from fastapi import FastAPI, HTTPException, Response

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
