"""Full-text search: the one place that turns what a person typed into a filter, for the API's `q`
parameters, the desk's search boxes and the reviewers' history.

Each function narrows a queryset its caller already restricted to what the caller may see (the
visibility selectors decide that, never search), annotates `search_rank` and orders by it, best first,
then by id, newest first.

PostgreSQL: the stored `search_vector` columns (English stemming; claim text, verdict summary, rationale,
citations and claim text, article title, author and publisher; kept by the triggers of migration 0023)
matched with `websearch_to_tsquery`, which accepts anything people type: words, "quoted phrases", `or`,
`-word` to leave a word out; every other character is a separator, so no input is a syntax error.
Only the first MAX_RANKED rows the GIN index finds are ranked (in storage order, so roughly the oldest
when more match): a common word matches a tenth of a million claims, and ranking them all would take
seconds (docs/benchmarks.md, search); more words narrow a search. A search of left-out words only
(`-tax`) finds nothing. The matches' ids are read once, when a function here is called (one
statement); the queryset it returns holds them, so its count and pages are look-ups by id.

SQLite (the demo database): no vectors; every word of the query must appear somewhere in the same
fields (case-insensitive LIKE), and `search_rank` is 0, so the newest come first.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Model, Q, QuerySet, Value
from django.db.models.functions import Cast

from reviews.models import Article, Claim, ReviewTask, Verdict

MAX_QUERY_CHARS = 200
# At most this many matches are ranked and counted; the rest are not shown.
MAX_RANKED = 1000
# The SQLite fallback looks for at most this many words.
MAX_FALLBACK_WORDS = 8
CONFIG = "english"
RANK = "search_rank"
ORDERING = (f"-{RANK}", "-id")
TOO_LONG = "Search for at most {limit} characters (this search has {length})."

_WORD = re.compile(r"\w+")

_M = TypeVar("_M", bound=Model)


def search_problem(text: str) -> str | None:
    """Why `text` cannot be searched for, in words for the person who typed it; None if it can."""
    if len(text) > MAX_QUERY_CHARS:
        return TOO_LONG.format(limit=MAX_QUERY_CHARS, length=len(text))
    if "\x00" in text:
        return "Null characters are not allowed."
    return None


def is_capped(queryset: QuerySet[Any]) -> bool:
    """Whether `queryset` is a full-text search's answer, which holds at most MAX_RANKED rows (and the
    one `or_id` adds) whatever other filters say: a caller may read all of its ids at once."""
    return RANK in queryset.query.annotations and connection.vendor == "postgresql"


def claims_matching(claims: QuerySet[Claim], text: str, *, or_id: int | None = None) -> QuerySet[Claim]:
    """Claims whose text matches, best first."""
    return _matching(claims, text, or_id=or_id, vector="search_vector", fallback=("text",))


def verdicts_matching(
    verdicts: QuerySet[Verdict], text: str, *, or_id: int | None = None
) -> QuerySet[Verdict]:
    """Verdicts whose claim, summary, rationale or citations match, best first."""
    return _matching(
        verdicts, text, or_id=or_id, vector="search_vector", fallback=("claim__text", "summary", "rationale")
    )


def articles_matching(
    articles: QuerySet[Article], text: str, *, or_id: int | None = None
) -> QuerySet[Article]:
    """Articles whose title (first), author or publisher match, best first."""
    return _matching(
        articles, text, or_id=or_id, vector="search_vector", fallback=("title", "author", "publisher")
    )


def tasks_matching(
    tasks: QuerySet[ReviewTask], text: str, *, or_id: int | None = None
) -> QuerySet[ReviewTask]:
    """Review tasks whose claim's text matches, best first."""
    return _matching(tasks, text, or_id=or_id, vector="claim__search_vector", fallback=("claim__text",))


def _matching(
    queryset: QuerySet[_M], text: str, *, or_id: int | None, vector: str, fallback: tuple[str, ...]
) -> QuerySet[_M]:
    """`queryset` narrowed to the matches (and the row `or_id`, the desk's search by id), annotated with
    `search_rank` (always, so ordering by it works on an empty answer too) and ordered by it."""
    zero: Any = Value(0.0, output_field=FloatField())
    text = text.strip()
    if search_problem(text) is not None:
        # Interfaces refuse such input with the reason first; a caller that did not gets nothing.
        return queryset.annotate(**{RANK: zero}).none()
    by_id = Q(pk=or_id) if or_id is not None else Q(pk__in=[])
    if connection.vendor != "postgresql":
        return queryset.filter(_words(text, fallback) | by_id).annotate(**{RANK: zero}).order_by(*ORDERING)
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    # The candidates: rows with the words to find, from the GIN index, at most MAX_RANKED of them in the
    # order the index hands them over (no sort of every match), taken from `queryset` so that only rows
    # the caller may see count. Only they are checked against the whole query (words left out, phrases)
    # and ranked: the cost of a search is bounded whatever it matches (a common word, `tax -taxes`).
    candidates = queryset.filter(**{vector: _WordsToFind(text, search_type="websearch", config=CONFIG)})
    # Read once, here: the ids of the matches among the candidates (one statement, no joins). A page
    # and its count, or a cursor's page, then look up at most MAX_RANKED rows by primary key instead of
    # each scanning the index again (docs/benchmarks.md, search: the scan is most of a search's cost).
    matches = list(
        queryset.filter(pk__in=candidates.order_by().values("pk")[:MAX_RANKED], **{vector: query})
        .order_by()
        .values_list("pk", flat=True)
    )
    found = queryset.filter(Q(pk__in=matches) | by_id)
    if "__" not in vector:
        # Nobody reads a vector in Python: a verdict's is bigger than its text.
        found = found.defer(vector)
    return (
        found
        # ts_rank is a `real`; as double precision it reaches Python and back (a cursor) unchanged.
        .annotate(**{RANK: Cast(SearchRank(F(vector), query), FloatField())}).order_by(*ORDERING)
    )


class _WordsToFind(SearchQuery):
    """The part of a web search an index can answer (PostgreSQL's `querytree`): its words and phrases to
    find, without those left out. A query of left-out words only (`-tax`) has none and finds nothing:
    it would otherwise read every row."""

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **kwargs: Any) -> Any:
        sql, params = super().as_sql(compiler, connection, *args, **kwargs)
        return f"NULLIF(querytree({sql}), 'T')::tsquery", params


def _words(text: str, fields: tuple[str, ...]) -> Q:
    """Every word somewhere in `fields` (SQLite); no word, no match."""
    words = _WORD.findall(text)[:MAX_FALLBACK_WORDS]
    if not words:
        return Q(pk__in=[])
    condition = Q()
    for word in words:
        anywhere = Q()
        for field in fields:
            anywhere |= Q(**{f"{field}__icontains": word})
        condition &= anywhere
    return condition
