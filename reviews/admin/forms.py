"""Forms of the editors' desk (the admin). They parse what the browser sent into the services' input types
and put the services' field errors back next to the fields.

The rules and their messages live in `reviews.services.verdicts`. Length limits reach the browser only as
`maxlength`, and Django's own model validation is skipped in the verdict and citation forms on purpose:
it would refuse the same input first, in other words ("Enter a valid URL." instead of the service's
"Citation URLs must be absolute http:// or https:// links."), and the admin would disagree with the API.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.models import User
from django.forms import BaseFormSet, BaseInlineFormSet, formset_factory
from django.forms.models import construct_instance

from reviews.exceptions import ApplicationError
from reviews.models import Citation, RatingLabel, Verdict
from reviews.roles import reviewers
from reviews.selectors import rating_labels_offered
from reviews.services import verdicts as rules
from reviews.services.verdicts import CitationInput, VerdictInput

_CITATION_KEY = re.compile(r"^citations\[(\d+)\]\.(\w+)$")
CITATION_FIELDS = ("url", "title", "publisher", "published", "excerpt")


def text_field(
    label: str,
    *,
    max_length: int,
    rows: int | None = None,
    help_text: str = "",
    required: bool = False,
    width: int = 60,
) -> forms.CharField:
    """An optional text field; `width` in characters (citation rows are narrow, notes are wide)."""
    attrs: dict[str, Any] = {"maxlength": max_length}
    widget: forms.Widget = (
        forms.Textarea(attrs={**attrs, "rows": rows, "cols": width})
        if rows
        else forms.TextInput(attrs={**attrs, "size": width})
    )
    return forms.CharField(label=label, required=required, widget=widget, help_text=help_text)


class RatingField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.rating_value}/{obj.best_rating})"


def rating_field(current: RatingLabel | None = None) -> RatingField:
    """Active ratings, plus the verdict's own if it was retired since (publishing then says so)."""
    return RatingField(queryset=rating_labels_offered(current=current), required=False, label="Rating")


# --------------------------------------------------------------------------------------------------
# Service errors onto forms
# --------------------------------------------------------------------------------------------------


@dataclass
class SplitErrors:
    """A service's field errors, sorted by where the admin shows them."""

    fields: dict[str, list[str]] = field(default_factory=dict)  # on the form's own fields
    rows: dict[int, dict[str, list[str]]] = field(default_factory=dict)  # on citation row i, by field
    citations: list[str] = field(default_factory=list)  # about the citations as a whole
    general: list[str] = field(default_factory=list)  # anything else: shown on the form itself


def split_errors(exc: ApplicationError, form_fields: Sequence[str]) -> SplitErrors:
    out = SplitErrors()
    for key, messages in exc.field_errors.items():
        match = _CITATION_KEY.match(key)
        if key in form_fields:
            out.fields.setdefault(key, []).extend(messages)
        elif match and match.group(2) in CITATION_FIELDS:
            row = out.rows.setdefault(int(match.group(1)), {})
            row.setdefault(match.group(2), []).extend(messages)
        elif key == "citations":
            out.citations.extend(messages)
        else:
            out.general.extend(f"{key}: {message}" for message in messages)
    if not exc.field_errors:
        out.general.append(exc.message)
    return out


def live_citation_forms(forms_: Sequence[forms.BaseForm]) -> list[forms.BaseForm]:
    """The citation rows that count, in order: rows that were shown filled in or were typed into, minus
    those marked for deletion. Row i here is `citations[i]` in the service's errors."""
    live = []
    for form in forms_:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE"):
            continue
        if form.initial or form.has_changed():
            live.append(form)
    return live


def citation_inputs(forms_: Sequence[forms.BaseForm]) -> tuple[CitationInput, ...]:
    return tuple(
        CitationInput(
            url=form.cleaned_data.get("url") or "",
            title=form.cleaned_data.get("title") or "",
            publisher=form.cleaned_data.get("publisher") or "",
            published=form.cleaned_data.get("published"),
            excerpt=form.cleaned_data.get("excerpt") or "",
        )
        for form in live_citation_forms(forms_)
    )


def verdict_input_of_form(
    cleaned_data: Mapping[str, Any], citation_forms: Sequence[forms.BaseForm]
) -> VerdictInput:
    """What an admin verdict form and its citation rows say, as the services take it."""
    label = cleaned_data.get("rating")
    return VerdictInput(
        rating=label.slug if label is not None else "",
        summary=cleaned_data.get("summary") or "",
        rationale=cleaned_data.get("rationale") or "",
        citations=citation_inputs(citation_forms),
    )


def attach_row_errors(split: SplitErrors, citation_forms: Sequence[forms.BaseForm]) -> list[str]:
    """Put row errors on the live citation rows; returns the citation messages that belong to no row."""
    live = live_citation_forms(citation_forms)
    leftover = list(split.citations)
    for index, row in sorted(split.rows.items()):
        for name, messages in row.items():
            for message in messages:
                if index < len(live) and name in live[index].fields:
                    live[index].add_error(name, message)
                else:
                    leftover.append(f"citations[{index}].{name}: {message}")
    return leftover


def attach_errors(
    exc: ApplicationError, *, form: forms.BaseForm, citation_forms: Sequence[forms.BaseForm] = ()
) -> list[str]:
    """Put the service's messages on `form` and its citation rows. Returns the messages about the
    citations as a whole, which the page shows above them."""
    split = split_errors(exc, list(form.fields))
    for name, messages in split.fields.items():
        for message in messages:
            form.add_error(name, message)
    for message in split.general:
        form.add_error(None, message)
    return attach_row_errors(split, citation_forms)


# --------------------------------------------------------------------------------------------------
# The verdict change form and its citations inline
# --------------------------------------------------------------------------------------------------


class ShowsServiceRefusal(forms.BaseForm):
    """A change form shown again after the service refused its save as invalid input
    (`DeskAdminMixin.desk_save_refused` builds the subclass with `refusal` set): what was typed stays in the
    form and the service's messages sit on the fields they name, the rest above the form."""

    refusal: ClassVar[ApplicationError | None] = None

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.refusal is not None:
            split = split_errors(self.refusal, list(self.fields))
            for name, messages in split.fields.items():
                for message in messages:
                    self.add_error(name, message)
            for message in split.general:
                self.add_error(None, message)
        return cleaned


class ServiceValidatedModelForm(forms.ModelForm):
    """A ModelForm whose instance is filled in but not validated by Django: the service validates it."""

    def _post_clean(self) -> None:
        opts = self._meta
        self.instance = construct_instance(self, self.instance, opts.fields, opts.exclude)


class VerdictAdminForm(ShowsServiceRefusal, ServiceValidatedModelForm):
    summary = text_field(
        "Summary",
        max_length=rules.SUMMARY_MAX,
        rows=3,
        help_text="One or two sentences readers see with the rating.",
    )
    rationale = text_field(
        "Rationale", max_length=rules.RATIONALE_MAX, rows=8, help_text="The reasoning, with the evidence."
    )

    class Meta:
        model = Verdict
        fields = ["claim", "rating", "summary", "rationale"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "rating" in self.fields:
            current = self.instance.rating if self.instance.pk and self.instance.rating_id else None
            # A plain select of the active ratings (no add/change links: the scale is edited on its own page).
            self.fields["rating"] = rating_field(current)

    def verdict_input(self, citation_forms: Sequence[forms.BaseForm]) -> VerdictInput:
        return verdict_input_of_form(self.cleaned_data, citation_forms)


class CitationAdminForm(ServiceValidatedModelForm):
    url = text_field("URL", max_length=rules.CITATION_URL_MAX, width=26)
    title = text_field("Title", max_length=rules.CITATION_TITLE_MAX, width=20)
    publisher = text_field("Publisher", max_length=rules.CITATION_PUBLISHER_MAX, width=12)
    excerpt = text_field("Excerpt", max_length=rules.CITATION_EXCERPT_MAX, rows=1, width=18)

    class Meta:
        model = Citation
        fields = list(CITATION_FIELDS)


class CitationAdminFormSet(BaseInlineFormSet):
    refusal: ClassVar[ApplicationError | None] = None

    def clean(self) -> None:
        # No uniqueness check here (BaseModelFormSet would refuse duplicate URLs in its own words): the
        # service refuses them, and the refusal is put back on the row below.
        if self.refusal is None:
            return
        leftover = attach_row_errors(split_errors(self.refusal, []), self.forms)
        if leftover:
            raise forms.ValidationError(leftover)


# --------------------------------------------------------------------------------------------------
# Intermediate pages: notes, corrections, assignments
# --------------------------------------------------------------------------------------------------


class NoteForm(forms.Form):
    note = text_field("Note", max_length=rules.NOTE_MAX, rows=5)

    def __init__(self, *args: Any, label: str = "Note", help_text: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].label = label
        self.fields["note"].help_text = help_text


class CitationForm(forms.Form):
    url = text_field("URL", max_length=rules.CITATION_URL_MAX, width=26)
    title = text_field("Title", max_length=rules.CITATION_TITLE_MAX, width=20)
    publisher = text_field("Publisher", max_length=rules.CITATION_PUBLISHER_MAX, width=12)
    published = forms.DateField(
        label="Published", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    excerpt = text_field("Excerpt", max_length=rules.CITATION_EXCERPT_MAX, rows=1, width=18)


CitationFormSet: type[BaseFormSet[CitationForm]] = formset_factory(CitationForm, extra=2, can_delete=True)


class CorrectionForm(forms.Form):
    rating = forms.ModelChoiceField(queryset=RatingLabel.objects.none(), required=False)
    summary = text_field("Summary", max_length=rules.SUMMARY_MAX, rows=3)
    rationale = text_field("Rationale", max_length=rules.RATIONALE_MAX, rows=6)
    note = text_field(
        "Correction note",
        max_length=rules.NOTE_MAX,
        rows=3,
        help_text="Shown to readers with the corrected verdict: say what changed and why.",
    )

    def __init__(self, *args: Any, current: RatingLabel | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"] = rating_field(current)

    def verdict_input(self, citation_forms: Sequence[forms.BaseForm]) -> VerdictInput:
        return verdict_input_of_form(self.cleaned_data, citation_forms)


class AssignForm(forms.Form):
    reviewer = forms.ModelChoiceField(
        queryset=User.objects.none(), label="Reviewer", help_text="Only reviewers (who may work the queue)."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].queryset = reviewers()  # type: ignore[attr-defined]
