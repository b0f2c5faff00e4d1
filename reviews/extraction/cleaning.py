"""Turn a scraped article (plain text with page clutter, or HTML) into a `CleanedArticle`.

Why this exists: claims are sentences of `CleanedArticle.body`, so everything that is not the
article's own prose -- share widgets, cookie banners, breadcrumbs, bylines, dates, repeated photo
captions, "Related Articles" and whatever follows it -- has to go before sentence splitting, and the
metadata hidden in those lines (title, author, date, publisher, URL) has to be kept.

Guarantees:

* Deterministic and pure: the same input always gives the same output; no network, no Django.
* `body` is paragraphs separated by exactly one blank line ("\\n\\n"); each paragraph is a single
  line with runs of whitespace collapsed to one space and no leading/trailing whitespace.
* Metadata lines (byline, date, "Source: ...", a bare URL) and the title are *not* in `body`:
  they are metadata, not claims.
* Every clutter rule is a row of `CLUTTER_RULES` (one table, each row commented); the structural
  rules (title, captions, signature, dateline) are small named functions below it.

Processing order (text): normalise -> blocks -> cut at footer marker -> drop clutter rows ->
lift metadata lines -> drop captions -> title (+ subtitle) -> author signature -> outlet dateline.
HTML: trafilatura extracts main text and metadata, then the same text pipeline runs on its output.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reviews.extraction.types import CleanedArticle

if TYPE_CHECKING:
    import lxml.html

logger = logging.getLogger(__name__)

__all__ = ["CLUTTER_RULES", "MONTHS", "clean_article", "parse_date"]

# --------------------------------------------------------------------------------------------------
# Dates: one small explicit parser (no dateparser: it is slow, locale-dependent and guesses).
# --------------------------------------------------------------------------------------------------

#: English month names and abbreviations -> month number (also used by annotate.py).
MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th)?"

#: The date shapes we accept, as (regex, field order). Ambiguity rules, documented once:
#:   * dotted "02.03.2020" is day.month.year (the European convention; it is what dotted dates mean
#:     on the sites we scrape, e.g. New Eastern Outlook's "02.02.2020 Author: ...").
#:   * slashed "02/03/2020" is month/day/year (US convention) unless the first number is > 12, in
#:     which case it can only be day/month/year.
#:   * ISO "2020-02-03" (optionally with a time) is year-month-day.
#:   * "May 21, 2015", "21 May 2015", "Jan. 5 2024" name the month, so they are unambiguous.
_DATE_FORMS: tuple[tuple[str, str], ...] = (
    (r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})", "dotted"),
    (
        r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
        r"(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?",
        "iso",
    ),
    (rf"(?P<mon>{_MONTH_ALT})\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})", "month_first"),
    (rf"(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>{_MONTH_ALT})\.?,?\s+(?P<y>\d{{4}})", "day_first"),
    (r"(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>\d{4})", "slashed"),
)
_DATE_RES = tuple((re.compile(rf"(?i:{pattern})"), form) for pattern, form in _DATE_FORMS)
#: One alternation of every date shape, for embedding in the metadata-line patterns below.
_DATE = "(?i:" + "|".join(f"(?:{re.sub(r'[(][?]P<[a-z]+>', '(?:', p)})" for p, _ in _DATE_FORMS) + ")"
_WEEKDAY = r"(?i:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_TIME = r"(?:,?\s*(?i:at\s+)?\d{1,2}[:.]\d{2}(?i:\s*[ap]\.?m\.?)?(?:\s*[A-Z]{2,4})?)?"


def parse_date(text: str) -> dt.date | None:
    """Parse the first date in `text` using the explicit shapes above; None if none or invalid.

    Never guesses beyond the documented ambiguity rules; an impossible date (31.02.2020) is None.
    """
    for regex, form in _DATE_RES:
        match = regex.search(text)
        if match is not None:
            return _date_from_match(match, form)
    return None


def _date_from_match(match: re.Match[str], form: str) -> dt.date | None:
    groups = match.groupdict()
    year = int(groups["y"])
    if form == "slashed":
        first, second = int(groups["a"]), int(groups["b"])
        month, day = (second, first) if first > 12 else (first, second)
    else:
        month = MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
        day = int(groups["d"])
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------------
# Clutter: ONE table. Each row is matched against a whole block (one paragraph line, stripped).
# --------------------------------------------------------------------------------------------------


class Action(enum.Enum):
    DROP = "drop"  # drop this block only
    CUT_REST = "cut_rest"  # page footer: drop this block and everything after it


@dataclass(frozen=True, slots=True)
class ClutterRule:
    """A clutter pattern. `fullmatch` rows must match the whole block; the others need only occur in
    it, but only in blocks of at most `max_words` words, so prose that mentions e.g. cookies survives."""

    name: str
    pattern: re.Pattern[str]
    action: Action
    fullmatch: bool = True
    max_words: int = 1_000_000


def _rule(
    name: str, pattern: str, action: Action = Action.DROP, *, max_words: int | None = None
) -> ClutterRule:
    """Build a row; a `max_words` limit makes it a search (substring) row, otherwise a full match."""
    compiled = re.compile(rf"(?i:{pattern})")
    if max_words is None:
        return ClutterRule(name, compiled, action)
    return ClutterRule(name, compiled, action, fullmatch=False, max_words=max_words)


_SOCIAL = (
    r"(?:facebook|twitter|x|linkedin|whatsapp|telegram|reddit|pinterest|vk|email|e-mail|print|messenger)"
)

CLUTTER_RULES: tuple[ClutterRule, ...] = (
    # --- page footers: everything after these is other articles, comments or legal text -------------
    _rule(
        "related",
        r"(?:related|more|similar|recommended|popular|latest|trending)\s+"
        r"(?:articles?|posts?|stories|news|content|reads?|videos?)(?:\s+for you)?\s*:?",
        Action.CUT_REST,
    ),
    _rule(
        "you_may_like",
        r"you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be interested in)\W*",
        Action.CUT_REST,
    ),
    _rule("most_read", r"most\s+(?:read|popular|viewed|shared|commented)\W*", Action.CUT_REST),
    _rule("more_from", r"more\s+(?:from|in|on)\s+[^.!?]{1,40}", Action.CUT_REST),  # not "More on that later."
    _rule(
        "comments",
        r"(?:\d+\s+)?comments?\W*|leave\s+a\s+(?:reply|comment)\W*|join the discussion\W*",
        Action.CUT_REST,
    ),
    _rule("about_author", r"about\s+the\s+author\W*", Action.CUT_REST),
    _rule("digest", r"please\s+select\s+digest\s+to\s+download\W*", Action.CUT_REST),  # New Eastern Outlook
    # copyright footer: "© 2020 Foo", "Copyright 2015 ...", "... All rights reserved."
    _rule(
        "copyright",
        r"(?:\u00a9|\(c\)\s*\d{4}|copyright\s+(?:\u00a9\s*|\(c\)\s*)?\d{4}|all\s+rights\s+reserved)",
        Action.CUT_REST,
        max_words=30,
    ),
    # --- share / print / follow widgets -----------------------------------------------------------------
    _rule("print_friendly", r"print\s+friendly,?\s+pdf\s*(?:&|and)\s*email"),
    _rule(
        "share",
        r"(?:please\s+)?share(?:\s+(?:this|on|via|it))?(?:\s+(?:article|post|story|page))?"
        rf"(?:\s+(?:on|via)\s+{_SOCIAL})?\s*:?",
    ),
    _rule("share_counts", r"\d+\s+(?:shares?|views?|likes?)"),
    # a row of network names: "Facebook Twitter Email", "Share on Facebook | Tweet"
    _rule("social_row", rf"(?:(?:share\s+on\s+|tweet\s*|{_SOCIAL})[\s|,\u00b7\u2022/]*)+"),
    _rule("tweet", r"(?:tweet|pin\s+it|like|email\s+this|print\s+this(?:\s+(?:article|page))?)\W*"),
    _rule("follow", r"follow\s+us(?:\s+on\b.*)?", max_words=12),
    _rule(
        "subscribe",
        r"\b(?:subscribe|sign\s+up)\b.{0,60}\b(?:newsletter|updates|channel|alerts)\b",
        max_words=20,
    ),
    # --- loading spinners, cookie banners, paywall prompts ------------------------------------------------
    _rule("loading", r"loading(?:,?\s*please\s+wait)?\W*"),
    # banner phrasing only ("This site uses cookies ...", "We use cookies", "Accept all cookies"), so prose
    # about cookies survives
    _rule(
        "cookies",
        r"\b(?:(?:site|website|we)\s+uses?\s+cookies|cookie\s+(?:settings|preferences|consent|banner)|"
        r"accept\s+(?:all\s+)?cookies|by\s+(?:continuing|using)\b.{0,60}\bcookies)\b",
        max_words=40,
    ),
    _rule("js_prompt", r"\b(?:enable\s+javascript|ad\s*blocker|disable\s+your\s+ad)", max_words=30),
    _rule("click_here", r"click\s+here\b.*", max_words=20),
    _rule(
        "read_more",
        r"(?:read|see|view)\s+(?:more|also|full\s+(?:story|article))\b.{0,80}|continue\s+reading\W*"
        r"|also\s+read\s*:.*",
    ),
    _rule("tags", r"(?:tags?|topics?|categories|category|filed\s+under)\s*:.*"),
    # --- breadcrumbs: "Home > World > Middle East", "Home / OPINION / Analysis / Title" --------------------
    _rule("breadcrumb_home", r"(?:home|you\s+are\s+here:?)\s*[/>\u00bb\u203a|].*"),
    _rule("breadcrumb", r"[^/>\u00bb\u203a|.]{1,40}(?:\s[/>\u00bb\u203a]\s[^/>\u00bb\u203a|]{1,80}){2,}"),
    # --- photo credits / captions announced as such ---------------------------------------------------------
    _rule(
        "photo_credit",
        r"^\(?\s*(?:photo|image|picture|photograph|credit|illustration)(?:\s+credit)?\s*:.*",
        max_words=40,
    ),
    # --- lone menu / navigation words -----------------------------------------------------------------------
    _rule(
        "menu_word",
        r"(?:home|menu|search|continue|next|previous|prev|back(?:\s+to\s+top)?|top|more|login|log\s+in|"
        r"sign\s+in|sign\s+up|register|subscribe|close|skip\s+to\s+(?:main\s+)?content|advertisement|"
        r"sponsored(?:\s+content)?|newsletter|print|email|share|related|video|photos?|gallery|listen|"
        r"(?:\d+\s+)?min(?:ute)?s?\s+read|accept|ok|got\s+it|show\s+more|load\s+more)\W*",
    ),
    _rule("no_letters", r"[^A-Za-z]*"),  # separators, bullets, lone numbers, empty widgets
)

# --------------------------------------------------------------------------------------------------
# Metadata lines: a block is lifted into metadata only if the WHOLE block matches one of these.
# --------------------------------------------------------------------------------------------------

#: A name in a byline: capitalised words, Arabic/European particles, initials, "and"/"&" joining names.
_NAME = (
    r"[A-Z][\w'\u2019.-]*"
    r"(?:\s+(?:[A-Z][\w'\u2019.-]*|(?:al|el|bin|ibn|de|da|del|van|von|der|la|le)(?:-\w+)?|and|&))*"
)
_URL = r"https?://[^\s<>\"']+"
_OUTLET = r"[\w\u201c\u201d\"'\u2019&.,:-]+(?:\s+[\w\u201c\u201d\"'\u2019&.,:-]+){0,7}"

_META_RULES: tuple[re.Pattern[str], ...] = (
    # "02.02.2020 Author: Dmitry Bokarev" (New Eastern Outlook), "Published on May 21, 2015 | By Jane Doe"
    re.compile(
        rf"(?:(?i:published|posted|updated|date|last\s+updated)(?:\s+(?i:on))?\s*:?\s*)?{_WEEKDAY}"
        rf"(?P<date>{_DATE}){_TIME}"
        rf"(?:\s*[|,\u00b7\u2022\u2014\u2013-]?\s*(?i:author|by|written\s+by)\s*:?\s*(?P<byline>{_NAME}))?",
    ),
    # "By Adam Garrie", "Author: Dmitry Bokarev", "By Jane Doe | May 21, 2015", "By Alwaght"
    re.compile(
        rf"(?i:by|author|written\s+by|posted\s+by|words\s+by)\s*:?\s*(?P<byline>{_NAME})"
        rf"(?:\s*[|,\u00b7\u2022\u2014\u2013-]\s*{_WEEKDAY}(?P<date>{_DATE}){_TIME})?",
    ),
    # "Source: The Duran", "Source: https://...", "Originally published by Foo"
    re.compile(
        rf"(?i:source|via|originally\s+published\s+(?:by|at|on|in))\s*:?\s*(?:(?P<url>{_URL})|(?P<publisher>{_OUTLET}))"
    ),
    # a bare URL line, optionally labelled: "https://example.com/a", "URL: https://..."
    re.compile(rf"(?:(?i:url|link|permalink|source\s+url)\s*:?\s*)?(?P<url>{_URL})"),
)

#: Words that make a byline name an outlet rather than a person ("By Alwaght", "By CBS News").
_OUTLET_WORDS = frozenset(
    """news times post press agency media magazine journal herald tribune gazette daily weekly tv radio
    network staff desk editorial editors wire online report reuters ap afp bbc cnn""".split()  # noqa: SIM905
)  # (a word list reads better as text than as 28 quoted literals)


def _is_outlet(name: str) -> bool:
    """Rule: a byline is an outlet when it is one word ("By Alwaght", "By Reuters" -- a person's byline
    carries at least a given and a family name) or contains an outlet word ("By CBS News", "By Staff").
    Trade-off: a one-name person ("By Madonna") is recorded as the publisher."""
    words = name.split()
    return len(words) == 1 or any(word.lower().strip(".,") in _OUTLET_WORDS for word in words)


# --------------------------------------------------------------------------------------------------
# Structural rules: captions, title, signature, dateline.
# --------------------------------------------------------------------------------------------------

_TERMINAL = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")
#: A photo caption ends with a bare date: "... in Moscow, May 21, 2015." / "... Anbar province July 22, 2015."
#: A sentence that ends "on July 22, 2015." is prose, so prepositions before the date disqualify it.
_CAPTION_DATE = re.compile(
    rf"(?<!\bon)(?<!\bsince)(?<!\buntil)(?<!\bby)(?<!\bof)(?<!\bfrom)(?<!\bbefore)(?<!\bafter)(?<!\bto)"
    rf"(?<!\band)(?<!\bbetween)(?<!\bin)[,]?\s+(?i:{_MONTH_ALT})\.?\s+\d{{1,2}},\s+\d{{4}}\.$"
)
_SENTENCE_BREAK = re.compile(r"[.!?][\"'\u201d\u2019)]*\s+(?=[\"\u201c\u2018A-Z])")
#: "Dmitry Bokarev, political observer, exclusively for the online magazine “New Eastern Outlook“."
_SIGNATURE_OUTLET = re.compile(
    r"\bfor\s+(?:the\s+)?(?:online\s+)?(?:magazine|newspaper|journal|website|site|outlet|portal)?\s*"
    r"[\"\u201c\u201d](?P<outlet>[^\"\u201c\u201d]{2,60})[\"\u201c\u201d]"
)
#: Wire dateline: "BAGHDAD (Reuters) - ", "MOSCOW, Jan 5 (AFP) — ".
_WIRE_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{2,40}(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?\s*"
    r"\((?P<outlet>[A-Z][\w .&-]{1,30})\)\s*[-\u2013\u2014]\s*"
)
_MAX_HEADLINE_WORDS = 20
_MIN_PROSE_WORDS = 8


def _words(block: str) -> int:
    return len(block.split())


def _is_prose(block: str) -> bool:
    """A block that reads like article text: long enough and ending like a sentence."""
    return _words(block) >= _MIN_PROSE_WORDS and _TERMINAL.search(block) is not None


def _is_headline(block: str) -> bool:
    """Short, starts capitalised, and does not end with a full stop or colon (a '?' or '!' is fine)."""
    stripped = block.rstrip("\"'\u201d\u2019)")
    return (
        0 < _words(block) <= _MAX_HEADLINE_WORDS
        and (block[0].isupper() or block[0].isdigit() or block[0] in "\"\u201c\u2018'")
        and not stripped.endswith((".", ":", ";", ","))
    )


def _is_dated_caption(block: str) -> bool:
    """A single sentence that ends with a bare date, as photo captions do."""
    return (
        _words(block) <= 60
        and _CAPTION_DATE.search(block) is not None
        and _SENTENCE_BREAK.search(block[:-1]) is None
    )


# --------------------------------------------------------------------------------------------------
# The pipeline.
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Meta:
    """Metadata being collected; the first value found for a field wins."""

    title: str = ""
    author: str = ""
    publisher: str = ""
    published: dt.date | None = None
    source_url: str = ""

    def offer(self, field_name: str, value: object) -> None:
        if value and not getattr(self, field_name):
            setattr(self, field_name, value)


def clean_article(raw: str, *, content_type: str = "text/plain", filename: str = "") -> CleanedArticle:
    """Clean one scraped article. `filename` is only used to sniff HTML (".html"/".htm")."""
    if _is_html(raw, content_type, filename):
        return _clean_html(raw)
    meta = _Meta()
    blocks = _clean_blocks(_blocks(_normalise(raw), merge_wrapped=True), meta)
    return _article(blocks, meta)


# Markup starts with a tag, a comment, a doctype or an XML declaration; plain text may start with "<" too
# ("<< Back to news", "<3"), which made a scraped text page be read as HTML and lose its sentences.
_MARKUP_START = re.compile(r"<(?:!doctype|!--|\?xml|/?[a-z][a-z0-9-]*[\s/>])")


def _is_html(raw: str, content_type: str, filename: str) -> bool:
    head = raw[:2048].lstrip().lower()
    return (
        "html" in content_type.lower()
        or filename.lower().endswith((".html", ".htm"))
        or _MARKUP_START.match(head) is not None
        or "<html" in head
    )


def _article(blocks: list[str], meta: _Meta) -> CleanedArticle:
    return CleanedArticle(
        body="\n\n".join(blocks),
        title=meta.title,
        author=meta.author,
        publisher=meta.publisher,
        published=meta.published,
        source_url=meta.source_url,
    )


_SPACES = re.compile(r"[^\S\n]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _normalise(raw: str) -> str:
    """NFC, unified newlines, invisible characters removed, every other whitespace run -> one space."""
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
    text = text.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))


def _blocks(text: str, *, merge_wrapped: bool) -> list[str]:
    """Split into one-line blocks. Blank lines always separate blocks; a single newline separates
    blocks too (short widget lines like "Share\\nTweet"), except that, in plain text, a hard-wrapped
    line (>= 50 chars, no sentence-final punctuation) or a line continuing in lowercase is re-joined."""
    blocks: list[str] = []
    for chunk in re.split(r"\n{2,}", text):
        current = ""
        for line in chunk.split("\n"):
            if not line:
                continue
            if current and merge_wrapped and _continues(current, line):
                current = f"{current} {line}"
                continue
            if current:
                blocks.append(current)
            current = line
        if current:
            blocks.append(current)
    return blocks


def _continues(previous: str, line: str) -> bool:
    wrapped = len(previous) >= 50 and _TERMINAL.search(previous) is None and not previous.endswith(":")
    return wrapped or line[0].islower()


def _clean_blocks(blocks: list[str], meta: _Meta, *, find_title: bool = True) -> list[str]:
    """The shared text pipeline (plain text and HTML-extracted text)."""
    blocks = _drop_clutter(blocks)
    blocks = _lift_metadata(blocks, meta)
    blocks = _drop_captions(blocks)
    blocks = _take_title(blocks, meta, find_title=find_title)
    blocks = _drop_signature(blocks, meta)
    return _strip_dateline(blocks, meta)


def _match_clutter(block: str) -> ClutterRule | None:
    for rule in CLUTTER_RULES:
        if rule.fullmatch:
            if rule.pattern.fullmatch(block):
                return rule
        elif _words(block) <= rule.max_words and rule.pattern.search(block):
            return rule
    return None


def _drop_clutter(blocks: list[str]) -> list[str]:
    """Drop clutter rows; at a footer row, drop everything after too -- but only once some prose has
    been seen, so a stray "Comments" menu word at the top of a page cannot wipe the article."""
    kept: list[str] = []
    seen_prose = False
    for block in blocks:
        rule = _match_clutter(block)
        if rule is None:
            kept.append(block)
            seen_prose = seen_prose or _is_prose(block)
        elif rule.action is Action.CUT_REST and seen_prose:
            break
    return kept


def _lift_metadata(blocks: list[str], meta: _Meta) -> list[str]:
    """Remove whole-line metadata blocks (bylines, dates, "Source: X", URLs), recording their values."""
    kept: list[str] = []
    for block in blocks:
        match = next((m for rule in _META_RULES if (m := rule.fullmatch(block)) is not None), None)
        if match is None or _words(block) > 16:
            kept.append(block)
            continue
        groups = {k: v for k, v in match.groupdict().items() if v}
        if "date" in groups:
            meta.offer("published", parse_date(groups["date"]))
        if "byline" in groups:
            byline = groups["byline"].strip(" .,")
            meta.offer("publisher" if _is_outlet(byline) else "author", byline)
        meta.offer("publisher", groups.get("publisher", "").strip(" .,\u201c\u201d\"'"))
        meta.offer("source_url", groups.get("url", "").rstrip(".,)"))
    return kept


def _drop_captions(blocks: list[str]) -> list[str]:
    """Photo captions: (1) a block repeated inside another block is page chrome (a caption shown twice,
    a pull quote) -- drop the copy; when the copy is a dated caption that prefixes the other block, strip
    it from there too (the remainder is kept). (2) A single-sentence block ending in a bare date."""
    kept = list(blocks)
    for i, block in enumerate(blocks):
        if _words(block) < 6:
            continue
        for j, other in enumerate(kept):
            if i == j or len(other) <= len(block) or block not in other:
                continue
            kept[i] = ""
            if other.startswith(block) and _is_dated_caption(block):
                kept[j] = other[len(block) :].strip()
            break
    return [block for block in kept if block and not _is_dated_caption(block)]


def _take_title(blocks: list[str], meta: _Meta, *, find_title: bool) -> list[str]:
    """Title = the first block if it looks like a headline (and no title came from HTML metadata).
    Any headline-like blocks right after it, before the first prose block, are subtitles (deks) and are
    dropped too; so is any later block that just repeats the title. The title is never in the body."""
    if not blocks:
        return blocks
    rest = blocks
    if find_title and not meta.title and _is_headline(blocks[0]):
        meta.title = blocks[0]
        rest = blocks[1:]
        while rest and _is_headline(rest[0]) and not _is_prose(rest[0]) and len(rest) > 1:
            rest = rest[1:]
    title = meta.title.casefold()
    return [block for block in rest if block.casefold() != title]


def _drop_signature(blocks: list[str], meta: _Meta) -> list[str]:
    """An author sign-off ("Dmitry Bokarev, political observer, exclusively for ... “New Eastern Outlook“.")
    is metadata: drop it, and take the outlet it names as the publisher."""
    if not meta.author:
        return blocks
    kept: list[str] = []
    for block in blocks:
        if block.startswith(f"{meta.author},") and _words(block) <= 40:
            outlet = _SIGNATURE_OUTLET.search(block)
            meta.offer("publisher", outlet.group("outlet").strip() if outlet else "")
            continue
        kept.append(block)
    return kept


def _strip_dateline(blocks: list[str], meta: _Meta) -> list[str]:
    """Strip an outlet dateline from the first body block: "Alwaght- Since ..." when Alwaght is the
    publisher, or a wire dateline "BAGHDAD (Reuters) - " (whose outlet becomes the publisher if none)."""
    if not blocks:
        return blocks
    first = blocks[0]
    wire = _WIRE_DATELINE.match(first)
    if wire is not None:
        meta.offer("publisher", wire.group("outlet").strip())
        first = first[wire.end() :]
    elif meta.publisher:
        first = re.sub(rf"^{re.escape(meta.publisher)}\s*[-\u2013\u2014:]\s*", "", first, flags=re.IGNORECASE)
    return [first, *blocks[1:]] if first else blocks[1:]


# --------------------------------------------------------------------------------------------------
# HTML.
# --------------------------------------------------------------------------------------------------

_BOILERPLATE_TAGS = (
    "nav",
    "header",
    "footer",
    "aside",
    "script",
    "style",
    "noscript",
    "form",
    "iframe",
    "svg",
)


def _clean_html(raw: str) -> CleanedArticle:
    """trafilatura finds the main text and the metadata (no network: it is given the markup); the text
    then goes through the same clutter pipeline. HTML metadata wins over anything found in the text."""
    import trafilatura  # local import: only the HTML path pays for loading it

    source: object = raw
    if _parse_html(raw, huge=False)[1] is not None:
        # trafilatura's parser would stop at this depth and keep only what came before it: it gets the
        # page parsed with the higher limit instead.
        tree, ceiling = _parse_html(raw, huge=True)
        if tree is not None:
            source = tree
        if ceiling is not None:
            return CleanedArticle(
                body="",
                unreadable=(
                    f"the HTML nests elements more than {ceiling} levels deep (unclosed tags?), deeper "
                    "than the HTML parser reads; repair the markup or submit the article as plain text"
                ),
            )
    try:
        document = trafilatura.bare_extraction(
            source,
            with_metadata=True,
            include_comments=False,
            include_tables=False,
            include_images=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception:
        # Scraped markup can break the parser (an XML declaration before a page of scripts made lxml fail
        # an assertion): the fallback below reads such a page.
        logger.warning("trafilatura could not read an HTML article; using the fallback", exc_info=True)
        document = None
    meta = _Meta()
    text = ""
    if document is not None and not isinstance(document, dict):
        text = document.text or ""
        meta.offer("title", _normalise(document.title or ""))
        meta.offer("author", _normalise(document.author or ""))
        meta.offer("publisher", _normalise(document.sitename or ""))
        meta.offer("published", parse_date(document.date or ""))
        meta.offer("source_url", document.url or "")
    if not text.strip():
        text = _fallback_html_text(raw)
    blocks = _clean_blocks(_blocks(_normalise(text), merge_wrapped=False), meta, find_title=True)
    return _article(blocks, meta)


# libxml2 reads HTML nested at most 256 elements deep, or 2048 with its "huge" option; past the limit it
# stops and keeps only what came before. Unclosed inline tags (<font>, <span>) in old CMS pages nest that
# deep, and trafilatura parses with the default limit: such a page kept its headline and lost its text.
_DEPTH_ERROR = re.compile(r"Excessive depth in document: (\d+)")


def _parse_html(raw: str, *, huge: bool) -> tuple[lxml.html.HtmlElement | None, int | None]:
    """`raw` parsed as trafilatura parses it (no ids, comments or processing instructions), and the
    depth limit the parser ran into (256, or 2048 when `huge`), if it did."""
    import lxml.etree
    import lxml.html

    parser = lxml.html.HTMLParser(
        encoding="utf-8",
        collect_ids=False,
        default_doctype=False,
        remove_comments=True,
        remove_pis=True,
        huge_tree=huge,
    )
    try:
        # As UTF-8 bytes: lxml refuses a str whose markup declares an encoding.
        root = lxml.html.fromstring(raw.encode("utf-8", "replace"), parser=parser)
    except (ValueError, lxml.etree.ParserError):
        root = None
    for entry in parser.error_log:
        found = _DEPTH_ERROR.search(entry.message)
        if found:
            return root, int(found.group(1))
    return root, None


def _fallback_html_text(raw: str) -> str:
    """When trafilatura finds nothing (e.g. a very short page): the text of paragraphs and headings,
    outside navigation, headers, footers and scripts. One block per element."""
    root, _ = _parse_html(raw, huge=True)
    if root is None:
        return ""
    for element in root.xpath("//" + " | //".join(_BOILERPLATE_TAGS)):
        element.drop_tree()
    parts = (" ".join(el.text_content().split()) for el in root.xpath("//h1|//h2|//h3|//p|//li|//blockquote"))
    return "\n".join(part for part in parts if part)
