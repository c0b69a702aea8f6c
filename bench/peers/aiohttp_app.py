"""The aiohttp peer: the same endpoints with aiohttp's own server, an asyncpg pool and optional Redis cache-aside.

Run: PEER_DB=postgresql://... PEER_REDIS=... python3 aiohttp_app.py PORT
"""
import asyncio
import json
import os
import sys

import asyncpg
import redis.asyncio as aioredis
from aiohttp import web

SQL = ("SELECT id, name, description, price::text AS price, tags, version, created_at, updated_at "
       "FROM items WHERE id = $1")


def encode(row):
    return json.dumps({
        "id": row["id"], "name": row["name"], "description": row["description"], "price": row["price"],
        "tags": list(row["tags"]), "version": row["version"],
        "createdAt": row["created_at"].isoformat(), "updatedAt": row["updated_at"].isoformat(),
    })


async def get_item(request):
    item_id = int(request.match_info["item_id"])
    cache = request.app["redis"]
    key = f"peer:item:{item_id}"
    if cache is not None:
        hit = await cache.get(key)
        if hit is not None:
            return web.Response(body=hit, content_type="application/json")
    row = await request.app["pool"].fetchrow(SQL, item_id)
    if row is None:
        raise web.HTTPNotFound()
    body = encode(row)
    if cache is not None:
        await cache.set(key, body, ex=300)
    return web.Response(text=body, content_type="application/json")


async def sleep(request):
    seconds = float(request.match_info["seconds"])
    await asyncio.sleep(seconds)
    return web.json_response({"message": f"Slept for {seconds} seconds."})


async def live(request):
    return web.json_response({"status": "UP"})


async def startup(app):
    app["pool"] = await asyncpg.create_pool(os.environ["PEER_DB"], min_size=8, max_size=8)
    url = os.environ.get("PEER_REDIS", "")
    app["redis"] = aioredis.from_url(url) if url else None


def main():
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    app = web.Application()
    app.on_startup.append(startup)
    app.router.add_get("/items/{item_id}", get_item)
    app.router.add_get("/sleep/{seconds}", sleep)
    app.router.add_get("/health/live", live)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), backlog=4096, access_log=None, print=None)


if __name__ == "__main__":
    main()
