"""Scrapy spider for the extraction bench (s1x): the same crawl as the
shared bench spider plus what `crawlfleet crawl --text --extract ...` is
asked for: three selectors and the page's visible text (Scrapy has no
readable-text extractor; the body's text nodes outside script, style,
template and noscript, whitespace collapsed, is the same work)."""
from urllib.parse import urlsplit

import scrapy
from scrapy.http import HtmlResponse
from scrapy.linkextractors import LinkExtractor


def _hp(url):
    p = urlsplit(url)
    try:
        port = p.port
    except ValueError:
        return None
    return ((p.hostname or '').lower(), port or (443 if p.scheme == 'https' else 80))


TEXT = ('//body//text()[not(ancestor::script or ancestor::style or '
        'ancestor::template or ancestor::noscript)]')


class ExtractSpider(scrapy.Spider):
    name = 'bench_extract'
    custom_settings = {
        'CONCURRENT_REQUESTS': 64,
        'CONCURRENT_REQUESTS_PER_DOMAIN': 64,
        'CONCURRENT_REQUESTS_PER_IP': 0,
        'DOWNLOAD_DELAY': 0,
        'RANDOMIZE_DOWNLOAD_DELAY': False,
        'AUTOTHROTTLE_ENABLED': False,
        'HTTPCACHE_ENABLED': False,
        'ROBOTSTXT_OBEY': False,
        'DEPTH_LIMIT': 0,
        'TELNETCONSOLE_ENABLED': False,
        'REQUEST_FINGERPRINTER_IMPLEMENTATION': '2.7',
        'LOG_LEVEL': 'INFO',
    }

    def __init__(self, start, hosts, **kw):
        super().__init__(**kw)
        self.start_urls = [start]
        self.scope = {_hp('http://' + h + '/') for h in hosts.split(',')}
        self.allowed_domains = sorted({h for h, _ in self.scope})
        self.links = LinkExtractor()

    def parse(self, response):
        if not isinstance(response, HtmlResponse):
            return
        text = ' '.join(' '.join(response.xpath(TEXT).getall()).split())
        yield {
            'url': response.url,
            'fields': {
                'h1': response.css('h1::text').getall(),
                'num': response.css('table.data td.num::text').getall(),
                'related': response.xpath(
                    '//aside[@class="related"]//a/@href').getall(),
            },
            'text': text,
        }
        for link in self.links.extract_links(response):
            if _hp(link.url) in self.scope:
                yield scrapy.Request(link.url, callback=self.parse)
