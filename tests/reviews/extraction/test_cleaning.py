"""clean_article: metadata lifted out of the seeds, clutter gone, HTML main text extracted."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from reviews.extraction import cleaning
from reviews.extraction.cleaning import CLUTTER_RULES, clean_article, parse_date
from tests.reviews.extraction.seeds import CLUTTER, all_seeds, seed


@pytest.mark.parametrize(
    ("prefix", "title", "author", "publisher", "published"),
    [
        ("000", "Russia Continues Push to Remove U.S. Influence from Middle East", "", "", None),
        ("001", "Who will Protect Iraq?", "Dmitry Bokarev", "New Eastern Outlook", dt.date(2020, 2, 2)),
        ("002", "Russian military presence in Iraq, reality or illusion", "", "Alwaght", None),
        ("003", "Iraq Seeks Russia\u2019s Military and Political Alliance", "Adam Garrie", "The Duran", None),
        ("004", "Putin's Next Conquest", "", "", None),
    ],
)
def test_seed_metadata(
    prefix: str, title: str, author: str, publisher: str, published: dt.date | None
) -> None:
    article = clean_article(seed(prefix))
    assert (article.title, article.author, article.publisher, article.published) == (
        title,
        author,
        publisher,
        published,
    )


@pytest.mark.parametrize(
    ("prefix", "first_words", "last_words"),
    [
        ("000", "Reuters reports that Russia", "to secure an Iran nuclear deal."),
        ("001", "After Afghanistan, the Republic", "in the Middle East in recent years."),
        ("002", "Since Russia started", "in the areas around Russia."),  # "Alwaght- " dateline stripped
        ("003", "Iraq is embracing Iran", "since the fall of South Vietnam in 1975."),
        ("004", "Frustrated with the United States", "the very best. I know that"),  # cut off by the paywall
    ],
)
def test_seed_body_starts_and_ends_with_the_article_prose(
    prefix: str, first_words: str, last_words: str
) -> None:
    body = clean_article(seed(prefix)).body
    assert body.startswith(first_words)
    assert body.endswith(last_words)


@pytest.mark.parametrize("raw", all_seeds())
def test_seed_body_has_no_clutter_metadata_or_title(raw: str) -> None:
    article = clean_article(raw)
    for clutter in CLUTTER:
        assert clutter not in article.body
    assert article.title
    assert article.title not in article.body


@pytest.mark.parametrize("raw", all_seeds())
def test_body_shape_is_one_line_paragraphs_separated_by_one_blank_line(raw: str) -> None:
    body = clean_article(raw).body
    paragraphs = body.split("\n\n")
    assert all(p and p == p.strip() and "\n" not in p and "  " not in p for p in paragraphs)
    assert "\xa0" not in body


def test_repeated_photo_caption_is_dropped_and_its_remainder_kept() -> None:
    body = clean_article(seed("004")).body
    assert "Putin shakes hands" not in body
    assert "Why Iraq Wants Russian Help" not in body  # the subtitle is a headline, not prose
    assert (
        "Moscow and Baghdad are expanding military cooperation, Putin said during talks with al-Abadi."
        in body
    )


def test_cleaning_is_deterministic() -> None:
    # Its speed is measured by bench/extract.py (docs/benchmarks.md), not by a timed test.
    raws = all_seeds()
    assert [clean_article(r) for r in raws] == [clean_article(r) for r in raws]


ARTICLE = (
    "Iraq signed an arms deal with Russia worth $4.2 billion in 2012, officials said on Tuesday.\n\n"
    "The deal includes air defence systems and attack helicopters, according to the defence ministry."
)


@pytest.mark.parametrize(
    "clutter",
    [
        "Home > World > Middle East",
        "Share this article",
        "Share on Facebook",
        "Facebook Twitter Email",
        "Tweet",
        "Follow us on Twitter",
        "Read more",
        "Tags: Iraq, Russia, arms",
        "This website uses cookies to improve your experience. Accept all cookies",
        "Advertisement",
        "Menu",
        "Print Friendly, PDF & Email",
        "Loading, please wait...",
        "***",
    ],
)
def test_clutter_lines_are_dropped_wherever_they_are(clutter: str) -> None:
    closing = "A closing paragraph that is prose too."
    raw = f"Iraq buys Russian arms\n\n{clutter}\n\n{ARTICLE}\n\n{clutter}\n\n{closing}"
    body = clean_article(raw).body
    assert clutter not in body
    assert body == f"{ARTICLE}\n\n{closing}"


@pytest.mark.parametrize(
    "footer",
    ["Related Articles", "Related Posts", "You may also like", "© 2024 Example News", "Leave a Reply"],
)
def test_everything_after_a_footer_marker_is_dropped(footer: str) -> None:
    raw = f"Title here\n\n{ARTICLE}\n\n{footer}\n\nAnother story: Russia signed a deal with Iran in 2019."
    assert clean_article(raw).body == ARTICLE


def test_footer_marker_before_any_prose_only_drops_itself() -> None:
    raw = f"Comments\n\n{ARTICLE}"
    assert clean_article(raw).body == ARTICLE


@pytest.mark.parametrize(
    "prose",
    [
        "More on that later.",
        "The court ruled on a copyright dispute in 2019.",
        "Russia had a credit: a loan of $2 billion.",
    ],
)
def test_short_prose_that_resembles_a_footer_does_not_cut_the_article(prose: str) -> None:
    raw = f"Headline\n\n{ARTICLE}\n\n{prose}\n\nThe final paragraph of the article stays in place."
    assert (
        clean_article(raw).body
        == f"{ARTICLE}\n\n{prose}\n\nThe final paragraph of the article stays in place."
    )


def test_prose_that_mentions_cookies_or_starts_with_by_is_kept() -> None:
    prose = (
        "By the time the troops arrived, the bakery had sold its cookies to the soldiers, "
        "who later said the cookie policy of the camp was strict."
    )
    assert clean_article(f"{ARTICLE}\n\n{prose}").body == f"{ARTICLE}\n\n{prose}"


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("By John Smith", "author", "John Smith"),
        ("Author: Jane van der Berg", "author", "Jane van der Berg"),
        ("By Reuters", "publisher", "Reuters"),
        ("By CBS News Staff", "publisher", "CBS News Staff"),
        ("Source: The Duran", "publisher", "The Duran"),
        ("Source: https://example.com/iraq-deal", "source_url", "https://example.com/iraq-deal"),
        ("https://example.com/a/b?c=1", "source_url", "https://example.com/a/b?c=1"),
        ("Published: May 21, 2015", "published", dt.date(2015, 5, 21)),
        ("02.02.2020 Author: Dmitry Bokarev", "published", dt.date(2020, 2, 2)),
        ("2015-05-21T10:30:00Z", "published", dt.date(2015, 5, 21)),
    ],
)
def test_metadata_lines_are_lifted_out_of_the_body(line: str, field: str, value: object) -> None:
    article = clean_article(f"Some Headline\n\n{line}\n\n{ARTICLE}")
    assert getattr(article, field) == value
    assert article.body == ARTICLE


def test_byline_and_date_on_one_line() -> None:
    article = clean_article(f"Some Headline\n\nPublished on May 21, 2015 | By Jane Doe\n\n{ARTICLE}")
    assert (article.author, article.published) == ("Jane Doe", dt.date(2015, 5, 21))


def test_wire_dateline_is_stripped_and_names_the_publisher() -> None:
    article = clean_article(f"Some Headline\n\nBAGHDAD (Reuters) - {ARTICLE}")
    assert article.publisher == "Reuters"
    assert article.body == ARTICLE


def test_hard_wrapped_plain_text_is_rejoined_into_paragraphs() -> None:
    raw = (
        "Headline\n\nIraq signed an arms deal with Russia worth $4.2 billion in\n2012, officials said on "
        "Tuesday, in a ceremony held in\nBaghdad.\n\nSecond paragraph is short."
    )
    body = clean_article(raw).body
    assert body.split("\n\n")[0] == (
        "Iraq signed an arms deal with Russia worth $4.2 billion in 2012, officials said on Tuesday, "
        "in a ceremony held in Baghdad."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("02.02.2020", dt.date(2020, 2, 2)),  # dotted = day.month.year
        ("02.03.2020", dt.date(2020, 3, 2)),
        ("May 21, 2015", dt.date(2015, 5, 21)),
        ("Jan. 5 2024", dt.date(2024, 1, 5)),
        ("21st May 2015", dt.date(2015, 5, 21)),
        ("2015-05-21", dt.date(2015, 5, 21)),
        ("2015-05-21T10:30:00+03:00", dt.date(2015, 5, 21)),
        ("03/04/2020", dt.date(2020, 3, 4)),  # slashed = month/day/year ...
        ("13/04/2020", dt.date(2020, 4, 13)),  # ... unless the first number cannot be a month
        ("31.02.2020", None),
        ("no date here", None),
    ],
)
def test_parse_date(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_clutter_table_rows_are_named_and_unique() -> None:
    names = [rule.name for rule in CLUTTER_RULES]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z_]+", name) for name in names)


HTML = """<!doctype html>
<html><head><title>Iraq signs arms deal with Russia | Example News</title>
<meta name="author" content="Jane Smith">
<meta property="article:published_time" content="2013-10-17T08:00:00Z">
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://example.com/iraq-deal"></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World news menu</a></li></ul></nav>
<header><p>Subscribe to our newsletter for daily updates</p></header>
<article>
<h1>Iraq signs arms deal with Russia</h1>
<p>Iraq signed a $4.2 billion arms deal with Russia in 2012, officials said on Tuesday in Baghdad.</p>
<p>The deal includes Pantsir-S1 air defence systems and attack helicopters, according to the ministry.</p>
<p>Print Friendly, PDF &amp; Email</p>
<p>Russia has supplied Iraq with weapons since the 1970s, according to the Stockholm institute.</p>
</article>
<aside><h3>Related Articles</h3><p>Another story about something else entirely in Syria.</p></aside>
<footer><p>Copyright 2013 Example News. All rights reserved.</p><a href="/privacy">Privacy policy</a></footer>
</body></html>"""


def test_html_main_text_and_metadata_are_extracted() -> None:
    article = clean_article(HTML, content_type="text/html; charset=utf-8")
    assert article.body.split("\n\n") == [
        "Iraq signed a $4.2 billion arms deal with Russia in 2012, officials said on Tuesday in Baghdad.",
        "The deal includes Pantsir-S1 air defence systems and attack helicopters, according to the ministry.",
        "Russia has supplied Iraq with weapons since the 1970s, according to the Stockholm institute.",
    ]
    assert article.title == "Iraq signs arms deal with Russia"
    assert article.author == "Jane Smith"
    assert article.publisher == "Example News"
    assert article.published == dt.date(2013, 10, 17)
    assert article.source_url == "https://example.com/iraq-deal"


def test_html_is_sniffed_without_a_content_type() -> None:
    assert clean_article(HTML) == clean_article(HTML, content_type="text/html")
    assert clean_article(HTML, filename="page.html") == clean_article(HTML, content_type="text/html")


def test_tiny_html_page_falls_back_to_paragraph_text_without_navigation() -> None:
    html = (
        "<html><body><nav><a href='/'>Home</a> World</nav><p>Iraq bought arms.</p>"
        "<footer>(c) 2020</footer></body></html>"
    )
    article = clean_article(html, content_type="text/html")
    assert article.body == "Iraq bought arms."


def test_html_the_main_text_extractor_cannot_read_falls_back_instead_of_raising(caplog) -> None:
    # trafilatura (through htmldate and lxml) failed an assertion on this page.
    page = '<?xml version="1.0" encoding="utf-8"?><html><body><script>x</script></body></html>'
    assert clean_article(page, content_type="text/html").body == ""
    assert "trafilatura could not read an HTML article; using the fallback" in caplog.text


def _nested_page(depth: int) -> str:
    """A headline, then the story inside `depth` unclosed-then-closed inline tags, as old CMS pages nest."""
    story = "".join(
        f"<p>The ministry said exports rose {n}% in 2020, according to the national statistics office.</p>"
        for n in (4, 5, 6)
    )
    return (
        "<html><head><title>Exports report</title></head><body><h1>Exports</h1>"
        + "<span>" * depth
        + story
        + "</span>" * depth
        + "</body></html>"
    )


@pytest.mark.parametrize("depth", [10, 300, 2000])
def test_html_nested_deeper_than_lxmls_default_limit_keeps_its_text(depth: int) -> None:
    # Past 256 levels libxml2 stopped by default and kept only what came before: the headline.
    article = clean_article(_nested_page(depth), content_type="text/html")
    assert article.body.split("\n\n") == [
        f"The ministry said exports rose {n}% in 2020, according to the national statistics office."
        for n in (4, 5, 6)
    ]
    assert article.unreadable == ""


def test_html_nested_past_the_parsers_ceiling_is_unreadable_with_the_reason() -> None:
    article = clean_article(_nested_page(2100), content_type="text/html")
    assert article.body == ""
    assert article.unreadable == (
        "the HTML nests elements more than 2048 levels deep (unclosed tags?), deeper than the HTML parser "
        "reads; repair the markup or submit the article as plain text"
    )


def test_html_fallback_reads_deep_pages_too() -> None:
    # No main text for trafilatura (one short paragraph), deeper than the default limit.
    page = "<html><body>" + "<div>" * 400 + "<p>Iraq bought arms.</p>" + "</div>" * 400 + "</body></html>"
    assert clean_article(page, content_type="text/html").body == "Iraq bought arms."


@pytest.mark.parametrize(
    ("raw", "html"),
    [
        ("<!DOCTYPE html><p>Text.</p>", True),
        ("  <html><body>Text.</body></html>", True),
        ("<p>The ministry said exports rose 4% in 2020.</p>", True),
        ("<div class='story'>Text.</div>", True),
        ("<!-- saved page --><p>Text.</p>", True),
        ('<?xml version="1.0"?><html><body>Text.</body></html>', True),
        # Plain text that happens to start with "<" (it used to be read as HTML and lose its sentences).
        ("<< Back to news\n\nThe ministry said exports rose 4% in 2020.", False),
        ("<3 to all our readers\n\nThe ministry said exports rose 4% in 2020.", False),
        ("The ministry said exports rose 4% in 2020.", False),
    ],
)
def test_what_is_read_as_html(raw: str, html: bool) -> None:
    assert cleaning._is_html(raw, "text/plain", "article.txt") is html


def test_plain_text_starting_with_a_less_than_sign_keeps_its_sentences() -> None:
    body = clean_article(
        "<< Back to news\n\nThe ministry said exports rose 4% in 2020 after two bad years."
    ).body
    assert "The ministry said exports rose 4% in 2020 after two bad years." in body
