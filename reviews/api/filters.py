"""Query-string filters for the read API (django-filter FilterSets) and strict ordering.

Every filter validates its value as a form field does, so a bad value is a 400 with the field's message
(never a database error): numbers in range, ISO 8601 dates, known choices, bounded text without NUL.
Filters that follow a multi-valued relation (citations) use EXISTS, so a row never appears twice.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.db.models import Exists, OuterRef, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.views import APIView

from reviews.models import (
    Article,
    ArticleStatus,
    Citation,
    Claim,
    ClaimStatus,
    ClaimType,
    RatingLabel,
    Verdict,
    VerdictStatus,
)
from reviews.selectors_search import (
    MAX_QUERY_CHARS,
    ORDERING,
    articles_matching,
    claims_matching,
    verdicts_matching,
)

MAX_TEXT_QUERY = MAX_QUERY_CHARS
SEARCH_PARAM = "q"
# What `q` accepts, in the schema of every list that has it.
SEARCH_HELP = (
    "Full-text search, English stemming (`taxes` finds `tax`), best match first unless `ordering` is "
    'given. Web search syntax: words (all must appear), "a quoted phrase", `or` between alternatives, '
    f"`-word` to leave a word out; other punctuation is ignored. At most {MAX_QUERY_CHARS} characters; "
    "blank searches nothing (the whole list)."
)
MAX_RATINGS = 20
MAX_ID = 2**63 - 1  # bigint: larger ids cannot exist, and the database would refuse to compare them

# A host name as people type it: letters, digits, dots and hyphens (no scheme, path or port).
_domain_validator = RegexValidator(
    r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$",
    message="Enter a domain name such as example.org (no scheme, path or port).",
)
_slug_re = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")


class DomainField(forms.CharField):
    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().lower().rstrip(".")


class DomainFilter(django_filters.CharFilter):
    field_class = DomainField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [_domain_validator])
        kwargs.setdefault("max_length", 253)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.Filter):
    """A row id: a whole number the database can hold (a decimal or an overflowing id is a 400).

    A plain Filter, so the schema takes the type (integer) from the model field it filters on."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def cited_domain_regex(domain: str) -> str:
    """Case-insensitive regex for http(s) URLs on `domain` or any of its subdomains."""
    return r"^https?://([^/?#@]*@)?([^/?#@]*\.)?" + re.escape(domain) + r"(:[0-9]+)?([/?#]|$)"


def _citations_on(domain: str) -> QuerySet[Citation]:
    return Citation.objects.filter(url__iregex=cited_domain_regex(domain))


_score: dict[str, Any] = {"min_value": 0, "max_value": 1}


class UtcDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC here: PostgreSQL refuses offsets beyond 15:59 that Python
    accepts (up to 23:59), and a date at the edge of the calendar can leave it once converted."""

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class RatingSlugsField(django_filters.fields.ModelMultipleChoiceField):
    """Slugs from repeated parameters or comma-separated; anything not slug-shaped is refused before the
    database sees it (PostgreSQL rejects NUL characters with an error, not a miss)."""

    def clean(self, value: Any) -> Any:
        if value:
            value = [part.strip() for item in value for part in str(item).split(",") if part.strip()]
            if len(value) > MAX_RATINGS:
                raise forms.ValidationError(f"Ask for at most {MAX_RATINGS} ratings.", code="max_ratings")
            for slug in value:
                if not _slug_re.match(slug):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": slug}
                    )
        return super().clean(value)


class RatingSlugsFilter(django_filters.ModelMultipleChoiceFilter):
    """`?rating=false&rating=mostly-false` or `?rating=false,mostly-false`: validated against the scale."""

    field_class = RatingSlugsField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", RatingLabel.objects.all())
        kwargs.setdefault("to_field_name", "slug")
        kwargs.setdefault(
            "help_text", "Rating slug(s) from /api/v1/ratings/: repeat the parameter or separate with commas."
        )
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": list(value)})


# --- verdicts --------------------------------------------------------------------------------------


class PublishedVerdictFilter(django_filters.FilterSet):
    """Filters that make sense on published verdicts (the ClaimReview feed uses exactly these)."""

    article = IdFilter(field_name="claim__article_id", help_text="Article id: verdicts on its claims.")
    claim = IdFilter(field_name="claim_id", help_text="Claim id.")
    claim_type = django_filters.ChoiceFilter(
        field_name="claim__claim_type", choices=ClaimType.choices, help_text="Type of the claim."
    )
    score_min = django_filters.NumberFilter(
        field_name="claim__score", lookup_expr="gte", help_text="Claim check-worthiness at least.", **_score
    )
    score_max = django_filters.NumberFilter(
        field_name="claim__score", lookup_expr="lte", help_text="Claim check-worthiness at most.", **_score
    )
    rating = RatingSlugsFilter(field_name="rating")
    published_after = UtcDateTimeFilter(
        field_name="published_at", lookup_expr="gte", help_text="Published at or after (ISO 8601)."
    )
    published_before = UtcDateTimeFilter(
        field_name="published_at", lookup_expr="lt", help_text="Published before (ISO 8601)."
    )
    cited_domain = DomainFilter(
        method="filter_cited_domain", help_text="Cites a URL on this domain or one of its subdomains."
    )
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_TEXT_QUERY,
        help_text=f"Searches the claim, the summary, the rationale and the citations. {SEARCH_HELP}",
    )

    class Meta:
        model = Verdict
        fields: list[str] = []

    def filter_cited_domain(self, queryset: QuerySet[Verdict], name: str, value: str) -> QuerySet[Verdict]:
        return queryset.filter(Exists(_citations_on(value).filter(verdict=OuterRef("pk"))))

    def filter_text(self, queryset: QuerySet[Verdict], name: str, value: str) -> QuerySet[Verdict]:
        return verdicts_matching(queryset, value) if value.strip() else queryset


class VerdictFilter(PublishedVerdictFilter):
    status = django_filters.ChoiceFilter(
        choices=VerdictStatus.choices,
        help_text="Verdict status. Only editors see anything but `published`.",
    )


# --- claims ----------------------------------------------------------------------------------------


def _published_verdict_of_claim() -> QuerySet[Verdict]:
    return Verdict.objects.published().filter(claim=OuterRef("pk"))


class ClaimFilter(django_filters.FilterSet):
    """Verdict-based filters (rating, published dates, cited domain) look at the claim's published verdict."""

    article = IdFilter(field_name="article_id", help_text="Article id.")
    claim_type = django_filters.ChoiceFilter(choices=ClaimType.choices, help_text="Type of the claim.")
    status = django_filters.ChoiceFilter(
        choices=ClaimStatus.choices,
        help_text="`claim` (check-worthy) or `sentence`. Only editors see sentences without a verdict.",
    )
    score_min = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", help_text="Check-worthiness at least.", **_score
    )
    score_max = django_filters.NumberFilter(
        field_name="score", lookup_expr="lte", help_text="Check-worthiness at most.", **_score
    )
    rating = RatingSlugsFilter(method="filter_rating")
    published_after = UtcDateTimeFilter(
        method="filter_published_after", help_text="Verdict published at or after (ISO 8601)."
    )
    published_before = UtcDateTimeFilter(
        method="filter_published_before", help_text="Verdict published before (ISO 8601)."
    )
    cited_domain = DomainFilter(
        method="filter_cited_domain", help_text="The published verdict cites a URL on this domain."
    )
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_TEXT_QUERY,
        help_text=f"Searches the claim's text. {SEARCH_HELP}",
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        return claims_matching(queryset, value) if value.strip() else queryset

    def filter_rating(self, queryset: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        if not value:
            return queryset
        return queryset.filter(Exists(_published_verdict_of_claim().filter(rating__in=list(value))))

    def filter_published_after(self, queryset: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        return queryset.filter(Exists(_published_verdict_of_claim().filter(published_at__gte=value)))

    def filter_published_before(self, queryset: QuerySet[Claim], name: str, value: Any) -> QuerySet[Claim]:
        return queryset.filter(Exists(_published_verdict_of_claim().filter(published_at__lt=value)))

    def filter_cited_domain(self, queryset: QuerySet[Claim], name: str, value: str) -> QuerySet[Claim]:
        citations = _citations_on(value).filter(
            verdict__claim=OuterRef("pk"), verdict__status=VerdictStatus.PUBLISHED
        )
        return queryset.filter(Exists(citations))


# --- articles --------------------------------------------------------------------------------------


class ArticleFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=ArticleStatus.choices, help_text="Extraction status. Others than editors see `ready` only."
    )
    published_after = django_filters.DateFilter(
        field_name="published_on", lookup_expr="gte", help_text="Article published on or after (YYYY-MM-DD)."
    )
    published_before = django_filters.DateFilter(
        field_name="published_on", lookup_expr="lte", help_text="Article published on or before (YYYY-MM-DD)."
    )
    publisher = django_filters.CharFilter(
        lookup_expr="iexact", max_length=300, help_text="Publisher name (case-insensitive, exact)."
    )
    cited_domain = DomainFilter(
        method="filter_cited_domain", help_text="A published verdict on the article cites this domain."
    )
    q = django_filters.CharFilter(
        method="filter_text",
        max_length=MAX_TEXT_QUERY,
        help_text=f"Searches the title (first), the author and the publisher. {SEARCH_HELP}",
    )

    class Meta:
        model = Article
        fields: list[str] = []

    def filter_cited_domain(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        citations = _citations_on(value).filter(
            verdict__claim__article=OuterRef("pk"), verdict__status=VerdictStatus.PUBLISHED
        )
        return queryset.filter(Exists(citations))

    def filter_text(self, queryset: QuerySet[Article], name: str, value: str) -> QuerySet[Article]:
        return articles_matching(queryset, value) if value.strip() else queryset


class RatingFilter(django_filters.FilterSet):
    is_active = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="`true`: ratings editors can still choose; `false`: retired ones.",
    )

    class Meta:
        model = RatingLabel
        fields: list[str] = []


# --- ordering --------------------------------------------------------------------------------------


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that builds the FilterSet (a form of a dozen fields) only when the request has
    one of its parameters: most feed requests have none."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _searching(request: Request, view: APIView) -> bool:
    """Whether the list is a search (its FilterSet has `q` and the request a non-blank one): then it is
    ordered by relevance (`search_rank`, annotated by reviews.selectors_search), unless `ordering` says."""
    filterset_class = getattr(view, "filterset_class", None)
    return (
        filterset_class is not None
        and SEARCH_PARAM in filterset_class.base_filters
        and bool(request.query_params.get(SEARCH_PARAM, "").strip())
    )


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` that refuses unknown fields with a 400 instead of silently ignoring them."""

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",")]
            valid = {name for name, _label in self.get_valid_fields(queryset, view, {"request": request})}
            # One "-" at most: `--id` is no field (lstrip would have passed it on to order_by, a 500).
            unknown = [field for field in fields if field.removeprefix("-") not in valid]
            if unknown:
                choices = ", ".join(sorted(valid))
                raise serializers.ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown ordering field: {unknown[0][:50]}. Choose from: {choices}."
                        ]
                    }
                )
            return fields
        if _searching(request, view):
            return list(ORDERING)
        return self.get_default_ordering(view)

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        # A unique last key, so numbered pages never repeat or skip rows that tie on the sort field.
        if not any(term.removeprefix("-") in ("id", "pk") for term in ordering):
            ordering = [*ordering, "-id" if ordering[-1].startswith("-") else "id"]
        return queryset.order_by(*ordering)

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        default = ",".join(getattr(view, "ordering", None) or [])
        choice = "-?(" + "|".join(re.escape(field) for field in fields) + ")"
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Sort by {', '.join(fields)}; `-` in front for descending, commas to combine "
                    f"(default `{default}`, or best match first with `q`; ties are broken by id)."
                ),
                "schema": {"type": "string", "pattern": f"^{choice}(,{choice})*$"},
            }
        ]
