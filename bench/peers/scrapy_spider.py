"""The Scrapy peer: the same URLs, title and links read with Scrapy's selectors.

Run: URL_FILE=urls.txt scrapy runspider scrapy_spider.py -s CONCURRENT_REQUESTS=256   (prints a RESULT line)
"""
import os
import resource
import time

import scrapy


class BenchSpider(scrapy.Spider):
    name = "bench"
    custom_settings = {
        "ROBOTSTXT_OBEY": False,
        "LOG_LEVEL": "WARNING",
        "CONCURRENT_REQUESTS": 256,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 256,
        "DOWNLOAD_DELAY": 0,
        "COOKIES_ENABLED": False,
        "RETRY_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
    }

    def start_requests(self):
        self.started = time.monotonic()
        self.pages = 0
        with open(os.environ["URL_FILE"]) as urls:
            for url in urls:
                if url.strip():
                    yield scrapy.Request(url.strip(), callback=self.parse, dont_filter=True)

    def parse(self, response):
        self.pages += 1
        yield {"url": response.url, "title": response.css("title::text").get(),
               "links": len(set(response.css("a::attr(href)").getall()))}

    def closed(self, reason):
        elapsed = time.monotonic() - self.started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_us = (usage.ru_utime + usage.ru_stime) * 1e6 / max(self.pages, 1)
        print(f"RESULT pages={self.pages} ok={self.pages} seconds={elapsed:.2f} rate={self.pages / elapsed:.1f} cpu_us={cpu_us:.0f}")
