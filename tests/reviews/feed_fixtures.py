"""RSS and Atom documents and article pages for the feed tests (served by tests/reviews/page_server.py)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from tests.reviews.page_server import PageServer

RSS_TYPE = "application/rss+xml; charset=utf-8"
SUBJECTS = {
    "budget": "The city spent $12 million on roads in 2023, the mayor said on Tuesday.",
    "jobs": "Unemployment in the region fell to 4.1% last year, the statistics office reported.",
    "rents": "Average rents rose by 9% in 2024, according to the housing ministry.",
    "trains": "Only 61% of regional trains ran on time in March, the rail regulator found.",
}


def page(slug: str) -> str:
    return (
        f"<html><head><title>{slug.title()}</title></head><body><article><h1>{slug.title()}</h1>"
        f"<p>{SUBJECTS[slug]}</p><p>Critics said the figure for {slug} was 20% higher in 2019.</p>"
        "</article></body></html>"
    )


def rss(server: PageServer, slugs: list[str], *, extra: str = "") -> str:
    items = "".join(
        f"<item><title>{slug.title()}</title><link>{escape(server.url('/a/' + slug))}</link>"
        f'<guid isPermaLink="false">id-{slug}</guid></item>'
        for slug in slugs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>City news</title>'
        f"<link>{escape(server.url('/'))}</link><description>News</description>{items}{extra}</channel></rss>"
    )


def atom(server: PageServer, slugs: list[str]) -> str:
    entries = "".join(
        f'<entry><title>{slug.title()}</title><id>urn:x:{slug}</id><link href="/a/{slug}"/>'
        "<updated>2026-12-07T03:00:00Z</updated></entry>"
        for slug in slugs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>Atom news</title><id>urn:x:feed</id><updated>2026-12-07T03:00:00Z</updated>"
        f"{entries}</feed>"
    )


def serve_pages(server: PageServer, slugs: list[str]) -> None:
    for slug in slugs:
        server.serve(f"/a/{slug}", page(slug))


# An item with no link and no guid (malformed: nothing to fetch, nothing to tell it apart by), and one
# whose link is a javascript: URL.
MALFORMED_ITEMS = (
    "<item><title>Orphan</title><description>No link here.</description></item>"
    "<item><title>Script</title><link>javascript:alert(1)</link><guid>id-script</guid></item>"
)
