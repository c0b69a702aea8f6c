"""The seeds' scraper: aiohttp with a semaphore bounding concurrency, lxml to read each page.

Run: python3 aiohttp_scraper.py URL_FILE [CONCURRENCY]   (prints pages, seconds and pages/s)
"""
import asyncio
import resource
import sys
import time

import aiohttp
from lxml import html as lxml_html


async def fetch(session, semaphore, url, results):
    async with semaphore:
        try:
            async with session.get(url, timeout=aiohttp.ClientTimeout(total=30)) as response:
                body = await response.read()
                if response.content_type == "text/html":
                    tree = lxml_html.fromstring(body)
                    title = tree.findtext(".//title")
                    links = {a for a in tree.xpath("//a/@href")}
                    results.append((url, response.status, title, len(links)))
                else:
                    results.append((url, response.status, None, 0))
        except Exception as e:  # a failing URL never fails the batch
            results.append((url, None, repr(e), 0))


async def main():
    urls = [line.strip() for line in open(sys.argv[1]) if line.strip()]
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 256
    semaphore = asyncio.Semaphore(concurrency)
    results = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    start = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(fetch(session, semaphore, url, results) for url in urls))
    elapsed = time.monotonic() - start
    ok = sum(1 for r in results if r[1] == 200)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_us = (usage.ru_utime + usage.ru_stime) * 1e6 / max(len(results), 1)
    print(f"RESULT pages={len(results)} ok={ok} seconds={elapsed:.2f} rate={len(results) / elapsed:.1f} cpu_us={cpu_us:.0f}")


if __name__ == "__main__":
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
