"""Forms of the reviewer pages. They parse what the browser sent into the services' input types and put the
services' field errors back next to the fields; the rules themselves (what a verdict needs, how long a
summary may be, which URLs can be cited) live in `reviews.services.verdicts` and `reviews.services.queue`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BaseFormSet, formset_factory

from reviews.models import RatingLabel, Verdict
from reviews.selectors_search import MAX_QUERY_CHARS
from reviews.services import verdicts as verdict_rules
from reviews.services.queue import SKIP_REASON_MAX
from reviews.services.verdicts import CitationInput, VerdictInput

CITATION_PREFIX = "citations"
# Blank citation rows rendered under the filled ones, so a reviewer without JavaScript can add citations;
# the script (static/reviews/citations.js) trims them to one and adds rows on demand.
CITATION_EXTRA_ROWS = 3
CITATION_FIELDS = ("url", "title", "publisher", "published", "excerpt")

_CITATION_KEY = re.compile(r"^citations\[(\d+)\]\.(\w+)$")


def _text(label: str, *, max_length: int, rows: int | None = None, help_text: str = "") -> forms.CharField:
    """An optional text field. Length limits go to the browser only (`maxlength`): the services check them
    with the same message on every surface."""
    attrs: dict[str, Any] = {"maxlength": max_length}
    widget: forms.Widget = forms.Textarea(attrs={**attrs, "rows": rows}) if rows else forms.TextInput(attrs)
    return forms.CharField(label=label, required=False, strip=False, widget=widget, help_text=help_text)


class _Form(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class HistorySearchForm(_Form):
    """The search box over a reviewer's own verdicts (reviews.selectors_search: web search syntax). The
    field refuses more than MAX_QUERY_CHARS characters and NUL characters with Django's messages."""

    q = forms.CharField(
        label="Search my verdicts",
        required=False,
        max_length=MAX_QUERY_CHARS,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'words, "a phrase", -leave-out'}),
    )


class VerdictForm(_Form):
    rating = forms.ChoiceField(label="Rating", required=False)
    summary = _text(
        "Summary",
        max_length=verdict_rules.SUMMARY_MAX,
        rows=3,
        help_text="One or two sentences readers will see with the rating.",
    )
    rationale = _text(
        "Rationale (optional)",
        max_length=verdict_rules.RATIONALE_MAX,
        rows=6,
        help_text="How you reached the rating: what you checked and what you found.",
    )

    def __init__(self, *args: Any, ratings: Sequence[RatingLabel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rating = self.fields["rating"]
        assert isinstance(rating, forms.ChoiceField)
        rating.choices = [("", "Choose a rating…"), *((label.slug, label.name) for label in ratings)]


class CitationForm(_Form):
    url = forms.CharField(
        label="URL",
        required=False,
        widget=forms.URLInput(attrs={"maxlength": verdict_rules.CITATION_URL_MAX, "inputmode": "url"}),
    )
    title = _text("Title", max_length=verdict_rules.CITATION_TITLE_MAX)
    publisher = _text("Publisher", max_length=verdict_rules.CITATION_PUBLISHER_MAX)
    published = forms.DateField(
        label="Date published",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    excerpt = _text("Quoted excerpt", max_length=verdict_rules.CITATION_EXCERPT_MAX, rows=2)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any(data.get(name) for name in CITATION_FIELDS)

    def is_removed(self) -> bool:
        return bool(getattr(self, "cleaned_data", {}).get("DELETE"))


CitationFormSet = formset_factory(
    CitationForm,
    extra=CITATION_EXTRA_ROWS,
    can_delete=True,
    # Rows beyond the limit are not rendered; the service refuses more than CITATIONS_MAX with its message.
    max_num=verdict_rules.CITATIONS_MAX,
)


class SkipForm(_Form):
    reason = forms.CharField(
        label="Reason for skipping",
        required=False,
        widget=forms.TextInput(attrs={"maxlength": SKIP_REASON_MAX}),
        help_text="Required to skip, e.g. “conflict of interest” or “needs a specialist”. "
        "A skipped task is not offered to you again.",
    )


@dataclass
class TaskForms:
    """The forms of one task page: all fields travel in one HTML form, the button pressed says what to do."""

    verdict: VerdictForm
    citations: BaseFormSet[CitationForm]
    skip: SkipForm
    non_field_errors: list[str]
    citation_errors: list[str]
    # The citation rows sent to the service, in order: ValidationFailed's "citations[i]" index this list.
    sent_rows: list[CitationForm]

    @classmethod
    def blank(cls, *, ratings: Sequence[RatingLabel], verdict: Verdict | None) -> TaskForms:
        """Unbound forms, filled in from the reviewer's open verdict when there is one."""
        initial: dict[str, Any] = {}
        rows: list[dict[str, Any]] = []
        if verdict is not None:
            initial = {
                "rating": verdict.rating.slug if verdict.rating else "",
                "summary": verdict.summary,
                "rationale": verdict.rationale,
            }
            rows = [{name: getattr(c, name) for name in CITATION_FIELDS} for c in verdict.citations.all()]
        return cls(
            verdict=VerdictForm(initial=initial, ratings=ratings),
            citations=CitationFormSet(initial=rows, prefix=CITATION_PREFIX),
            skip=SkipForm(),
            non_field_errors=[],
            citation_errors=[],
            sent_rows=[],
        )

    @classmethod
    def bound(cls, data: Mapping[str, Any], *, ratings: Sequence[RatingLabel]) -> TaskForms:
        return cls(
            verdict=VerdictForm(data, ratings=ratings),
            citations=CitationFormSet(data, prefix=CITATION_PREFIX),
            skip=SkipForm(data),
            non_field_errors=[],
            citation_errors=[],
            sent_rows=[],
        )

    def verdict_input(self) -> VerdictInput | None:
        """What the reviewer wrote, for `task_save_draft` / `task_submit`; None when a field could not be
        parsed (a malformed date): the errors are then on the forms.

        Citation rows left blank or marked "remove" are not sent.
        """
        valid = self.verdict.is_valid()
        valid = self.citations.is_valid() and valid
        if not valid:
            return None
        self.sent_rows = [row for row in self.citations.forms if not row.is_removed() and not row.is_blank()]
        data = self.verdict.cleaned_data
        return VerdictInput(
            rating=data["rating"],
            summary=data["summary"],
            rationale=data["rationale"],
            citations=tuple(
                CitationInput(
                    url=row.cleaned_data["url"],
                    title=row.cleaned_data["title"],
                    publisher=row.cleaned_data["publisher"],
                    published=row.cleaned_data["published"],
                    excerpt=row.cleaned_data["excerpt"],
                )
                for row in self.sent_rows
            ),
        )

    def skip_reason(self) -> str:
        return str(self.skip.cleaned_data["reason"]) if self.skip.is_valid() else ""

    def show_errors(self, field_errors: Mapping[str, Sequence[str]], *, message: str) -> None:
        """Put a service's field errors next to their fields: "summary", "rating", "rationale", "reason",
        "citations" (the list as a whole) and "citations[i].url" (row i of `sent_rows`). Anything else, or a
        refusal without field errors, goes on top of the page."""
        if not field_errors:
            self.non_field_errors.append(message)
        for key, messages in field_errors.items():
            row_match = _CITATION_KEY.match(key)
            if key in VerdictForm.base_fields:
                for text in messages:
                    self.verdict.add_error(key, text)
            elif key in SkipForm.base_fields:
                for text in messages:
                    self.skip.add_error(key, text)
            elif key == "citations":
                self.citation_errors.extend(messages)
            elif (
                row_match
                and int(row_match[1]) < len(self.sent_rows)
                and row_match[2] in CitationForm.base_fields
            ):
                for text in messages:
                    self.sent_rows[int(row_match[1])].add_error(row_match[2], text)
            else:
                self.non_field_errors.extend(messages)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.non_field_errors
            or self.citation_errors
            or (self.verdict.is_bound and self.verdict.errors)
            or (self.skip.is_bound and self.skip.errors)
            or (self.citations.is_bound and not self.citations.is_valid())
        )
