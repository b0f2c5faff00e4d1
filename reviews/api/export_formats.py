"""The files of exports (reviews.services.exports), one verdict at a time: the API's own serializers and
ClaimReview builder, so a row of an export is what GET /api/v1/verdicts/<id>/ (or .../claimreview/) shows.

Each writer writes bytes to a binary stream as it goes and keeps nothing per row, so the memory an export
takes does not grow with the number of verdicts. URLs come from FACTCHECK_SITE_URL (`SiteUrls.configured`):
a worker has no request to take a host from.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any, BinaryIO

from reviews.api.claimreview import SCHEMA_ORG_CONTEXT, SiteUrls
from reviews.api.renderers import JSONRenderer
from reviews.api.serializers import ClaimReviewSerializer, VerdictSerializer
from reviews.models import ExportFormat, Verdict
from reviews.payloads import bidi_controls_removed

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such cells get a
# leading apostrophe, which spreadsheets show as text and never evaluate.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

FILE_EXTENSIONS = {ExportFormat.CSV: "csv", ExportFormat.JSONL: "jsonl", ExportFormat.CLAIMREVIEW: "jsonld"}
CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.JSONL: "application/jsonl; charset=utf-8",
    ExportFormat.CLAIMREVIEW: "application/ld+json; charset=utf-8",
}

# CSV columns: header, and how to read it from the verdict's API representation.
CSV_COLUMNS: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("verdict_id", lambda v: v["id"]),
    ("version", lambda v: v["version"]),
    ("previous_version_id", lambda v: v["previous"]),
    ("published_at", lambda v: v["published_at"]),
    ("public_url", lambda v: v["public_url"]),
    ("rating", lambda v: (v["rating"] or {}).get("slug")),
    ("rating_name", lambda v: (v["rating"] or {}).get("name")),
    ("summary", lambda v: v["summary"]),
    ("rationale", lambda v: v["rationale"]),
    ("correction_note", lambda v: v["correction_note"]),
    ("citation_urls", lambda v: "\n".join(citation["url"] for citation in v["citations"])),
    ("claim_id", lambda v: v["claim"]["id"]),
    ("claim_text", lambda v: v["claim"]["text"]),
    ("claim_type", lambda v: v["claim"]["claim_type"]),
    ("claim_score", lambda v: v["claim"]["score"]),
    ("article_id", lambda v: v["article"]["id"]),
    ("article_title", lambda v: v["article"]["title"]),
    ("article_author", lambda v: v["article"]["author"]),
    ("article_publisher", lambda v: v["article"]["publisher"]),
    ("article_published_on", lambda v: v["article"]["published_on"]),
    ("article_url", lambda v: v["article"]["source_url"]),
]


def csv_cell(value: Any) -> Any:
    """A value as a CSV cell: text without bidirectional controls, and never read as a formula."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    value = bidi_controls_removed(value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class ExportWriter:
    """Writes one export to `out`: `begin()`, `write(verdict)` for each, `end()`."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.context: dict[str, Any] = {"site_urls": SiteUrls.configured()}
        self.renderer = JSONRenderer()
        # Rows are streamed, so not `many=True` (its `.data` is the whole export as one list): each row
        # goes through this one serializer's to_representation, as a ListSerializer serializes its items
        # through its one child.
        self.serializer = VerdictSerializer(context=self.context)

    def begin(self) -> None:
        pass

    def write(self, verdict: Verdict) -> None:
        raise NotImplementedError

    def end(self) -> None:
        pass

    def verdict_data(self, verdict: Verdict) -> dict[str, Any]:
        data: dict[str, Any] = self.serializer.to_representation(verdict)
        return data


class CsvWriter(ExportWriter):
    """A header row, then one row per verdict (RFC 4180: quoted where needed, CRLF line ends, UTF-8)."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__(out)
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer)

    def _row(self, cells: list[Any]) -> None:
        self.buffer.seek(0)
        self.buffer.truncate()
        self.csv.writerow(cells)
        self.out.write(self.buffer.getvalue().encode())

    def begin(self) -> None:
        self._row([header for header, _read in CSV_COLUMNS])

    def write(self, verdict: Verdict) -> None:
        data = self.verdict_data(verdict)
        self._row([csv_cell(read(data)) for _header, read in CSV_COLUMNS])


class JsonLinesWriter(ExportWriter):
    """One verdict per line, as the API's verdict detail renders it."""

    def write(self, verdict: Verdict) -> None:
        self.out.write(self.renderer.render(self.verdict_data(verdict)) + b"\n")


class ClaimReviewWriter(ExportWriter):
    """One JSON-LD document: `{"@context": "https://schema.org", "@graph": [ClaimReview, ...]}`, the array
    written one document at a time. Each document is the API's ClaimReview without its own `@context`
    (the graph's applies)."""

    def begin(self) -> None:
        self.claimreview = ClaimReviewSerializer(context=self.context)
        head = self.renderer.render({"@context": SCHEMA_ORG_CONTEXT})
        self.out.write(head[:-1] + b',"@graph":[\n')
        self.first = True

    def write(self, verdict: Verdict) -> None:
        document = dict(self.claimreview.to_representation(verdict))
        document.pop("@context", None)
        self.out.write((b"" if self.first else b",\n") + self.renderer.render(document))
        self.first = False

    def end(self) -> None:
        self.out.write(b"\n]}\n")


WRITERS: dict[str, type[ExportWriter]] = {
    ExportFormat.CSV: CsvWriter,
    ExportFormat.JSONL: JsonLinesWriter,
    ExportFormat.CLAIMREVIEW: ClaimReviewWriter,
}
