"""Serializers: the shapes the API reads and writes. Formatting only; the rules live in services.

The read serializers expect the querysets of `reviews.selectors_public` (joins and prefetches in place);
they never query on their own for a list.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reviews.api.claimreview import SiteUrls
from reviews.links import web_link
from reviews.models import Article, Citation, Claim, RatingLabel, ThresholdOrigin, Verdict
from reviews.selectors_public import superseded_by_id
from reviews.workflow import in_state_after

# --- errors ----------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer[Any]):
    """Every error the API returns (reviews.api.errors): a sentence, a code, and the fields at fault."""

    # Declared here rather than as class attributes: a field called `errors` would hide Serializer.errors.
    def get_fields(self) -> dict[str, Any]:
        return {
            "detail": serializers.CharField(help_text="A readable sentence saying what went wrong."),
            "code": serializers.CharField(
                help_text="Stable machine-readable code: `invalid`, `not_found`..."
            ),
            "errors": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text="Messages per field or query parameter; empty when no single field is at fault.",
            ),
        }


# --- articles --------------------------------------------------------------------------------------


def _source_url() -> serializers.CharField:
    # A string, not format: uri, in the schema: it is empty when the article came without a URL.
    return serializers.CharField(
        read_only=True, help_text="Where the article was published; empty if unknown."
    )


TEXT_OR_URL = "Send the article's text, or a url to fetch it from."
TEXT_AND_URL = "Send either text or url, not both."
URL_WITH_SOURCE_URL = "The url fetched is the article's source URL; leave source_url out."


def _followable(value: str) -> str:
    link = web_link(value)
    if link is None:  # a URL Django accepts but readers cannot follow: ftp://, a bad port
        raise serializers.ValidationError("Enter an absolute http:// or https:// link.")
    return link


class ArticleSubmitSerializer(serializers.Serializer[dict[str, object]]):
    text = serializers.CharField(
        trim_whitespace=False, required=False, help_text="The article: plain text or HTML."
    )
    url = serializers.URLField(
        required=False,
        max_length=2000,
        help_text=(
            "Instead of `text`: an http(s) page to fetch now (timeouts, a size limit, HTML or plain text "
            "only, private addresses refused; docs/ingest.md). It becomes the article's source URL."
        ),
    )
    content_type = serializers.ChoiceField(
        choices=["text/plain", "text/html"],
        required=False,
        help_text="Sniffed from the text when omitted.",
        # Not DRF's message, which repeats the value: a lone surrogate ("\ud800") in it could not be
        # encoded into the JSON answer (a 500).
        error_messages={"invalid_choice": "Choose text/plain or text/html."},
    )
    source_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)

    def validate_source_url(self, value: str) -> str:
        return _followable(value) if value else ""

    def validate_url(self, value: str) -> str:
        return _followable(value)

    def validate(self, attrs: dict[str, object]) -> dict[str, object]:
        if "text" in attrs and "url" in attrs:
            raise serializers.ValidationError(TEXT_AND_URL)
        if "text" not in attrs and "url" not in attrs:
            raise serializers.ValidationError(TEXT_OR_URL)
        if "url" in attrs and attrs.get("source_url"):
            raise serializers.ValidationError({"source_url": [URL_WITH_SOURCE_URL]})
        return attrs


class ArticleStatusSerializer(serializers.ModelSerializer[Article]):
    """What an editor gets back on submitting an article (its extraction status)."""

    claim_count = serializers.IntegerField(read_only=True, required=False)
    source_url = _source_url()
    # Declared for its empty value, which the schema's enum must list too (an article not extracted yet).
    claim_threshold_origin = serializers.ChoiceField(
        choices=[("", "Not extracted yet"), *ThresholdOrigin.choices],
        read_only=True,
        help_text=(
            "Where that threshold came from: its feed's, its source's, the FACTCHECK_CLAIM_THRESHOLD setting "
            "or the model's news threshold; empty until extracted (docs/extraction.md)."
        ),
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "status",
            "failure_reason",
            "title",
            "author",
            "publisher",
            "published_on",
            "source_url",
            "source_encoding",
            "source_encoding_guessed",
            "claim_threshold",
            "claim_threshold_origin",
            "created_at",
            "claim_count",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "claim_threshold": {
                "help_text": "The check-worthiness threshold its extraction used; null until extracted."
            },
            "source_encoding": {
                "help_text": (
                    "The encoding its bytes were read in (utf-8, windows-1252, iso-8859-1, ...); empty "
                    "when the text was sent as text."
                )
            },
            "source_encoding_guessed": {
                "help_text": "True when that encoding was detected from the bytes rather than declared."
            },
        }


class ArticleSubmittedSerializer(ArticleStatusSerializer):
    duplicate = serializers.BooleanField(
        read_only=True, help_text="True when the same text was already ingested (HTTP 200)."
    )

    class Meta(ArticleStatusSerializer.Meta):
        fields = [*ArticleStatusSerializer.Meta.fields, "duplicate"]
        read_only_fields = fields


class ArticleSerializer(ArticleStatusSerializer):
    """An article with its check-worthy claim count and how many of them have a published verdict."""

    claim_count = serializers.IntegerField(read_only=True, help_text="Check-worthy claims found in it.")
    published_verdict_count = serializers.IntegerField(
        read_only=True, help_text="Its claims with a published verdict."
    )

    class Meta(ArticleStatusSerializer.Meta):
        fields = [*ArticleStatusSerializer.Meta.fields, "published_verdict_count"]
        read_only_fields = fields


class ArticleSummarySerializer(serializers.ModelSerializer[Article]):
    source_url = _source_url()

    class Meta:
        model = Article
        fields = ["id", "title", "author", "publisher", "published_on", "source_url"]
        read_only_fields = fields


# --- ratings ---------------------------------------------------------------------------------------


class RatingSerializer(serializers.ModelSerializer[RatingLabel]):
    class Meta:
        model = RatingLabel
        fields = [
            "slug",
            "name",
            "description",
            "order",
            "rating_value",
            "best_rating",
            "worst_rating",
            "alternate_name",
            "requires_citation",
            "counts_toward_score",
            "is_active",
        ]
        read_only_fields = fields


class RatingSummarySerializer(serializers.ModelSerializer[RatingLabel]):
    class Meta:
        model = RatingLabel
        fields = ["slug", "name", "rating_value", "best_rating", "worst_rating", "alternate_name"]
        read_only_fields = fields


# --- verdicts --------------------------------------------------------------------------------------


class CitationSerializer(serializers.ModelSerializer[Citation]):
    class Meta:
        model = Citation
        fields = ["url", "title", "publisher", "published", "excerpt"]
        read_only_fields = fields


class ClaimSummarySerializer(serializers.ModelSerializer[Claim]):
    class Meta:
        model = Claim
        fields = ["id", "text", "claim_type", "score"]
        read_only_fields = fields


def site_urls(serializer: serializers.BaseSerializer[Any]) -> SiteUrls:
    """The request's SiteUrls, made once and kept in the (shared) serializer context."""
    context = serializer.context
    if "site_urls" not in context:
        context["site_urls"] = SiteUrls.for_request(context["request"])
    urls: SiteUrls = context["site_urls"]
    return urls


def _public_url(serializer: serializers.Serializer[Any], verdict: Verdict) -> str | None:
    if not in_state_after("verdict.publish", verdict):
        return None
    return site_urls(serializer).page(verdict.pk)


class VerdictSerializer(serializers.ModelSerializer[Verdict]):
    """A verdict, one version of it: corrections are new versions that point at the one they replace.

    Expects the verdicts of `reviews.selectors_public` (claim, article and rating joined, citations
    prefetched, the correction's id annotated); any other verdict costs a query or two more.
    """

    claim = ClaimSummarySerializer(read_only=True)
    article = ArticleSummarySerializer(source="claim.article", read_only=True)
    rating = RatingSummarySerializer(read_only=True, allow_null=True)
    citations = CitationSerializer(many=True, read_only=True, source="citations_in_order")
    previous = serializers.IntegerField(
        source="previous_id",
        read_only=True,
        allow_null=True,
        help_text="The version this one corrects (superseded: readable by editors only).",
    )
    superseded_by = serializers.SerializerMethodField(help_text="The correction that replaced this version.")
    public_url = serializers.SerializerMethodField(help_text="Public page; null unless published.")

    class Meta:
        model = Verdict
        fields = [
            "id",
            "status",
            "version",
            "previous",
            "superseded_by",
            "claim",
            "article",
            "rating",
            "summary",
            "rationale",
            "citations",
            "correction_note",
            "retraction_note",
            "created_at",
            "updated_at",
            "published_at",
            "retracted_at",
            "public_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_superseded_by(self, verdict: Verdict) -> int | None:
        return superseded_by_id(verdict)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_public_url(self, verdict: Verdict) -> str | None:
        return _public_url(self, verdict)


class PublishedVerdictSummarySerializer(serializers.ModelSerializer[Verdict]):
    rating = RatingSummarySerializer(read_only=True)
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Verdict
        fields = ["id", "version", "rating", "summary", "published_at", "public_url"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField())
    def get_public_url(self, verdict: Verdict) -> str | None:
        return _public_url(self, verdict)


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    article = ArticleSummarySerializer(read_only=True)
    verdict = PublishedVerdictSummarySerializer(
        read_only=True,
        allow_null=True,
        source="latest_published_verdict",
        help_text="The latest published version; null if none.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "claim_type",
            "score",
            "status",
            "sentence_index",
            "mentions",
            "article",
            "verdict",
            "created_at",
        ]
        read_only_fields = fields


# --- ClaimReview (schema.org JSON-LD) --------------------------------------------------------------
# These describe the JSON-LD for the OpenAPI schema (keys such as `@type` are not Python names, hence
# get_fields); the document itself comes from reviews.api.claimreview, the one builder.


def _ld_type(example: str) -> serializers.CharField:
    return serializers.CharField(help_text=f"JSON-LD type: `{example}`.")


class LdOrganizationSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, Any]:
        return {
            "@type": _ld_type("Organization"),
            "name": serializers.CharField(),
            "url": serializers.URLField(required=False),
        }


class LdAuthorSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, Any]:
        return {"@type": _ld_type("Person` or `Organization"), "name": serializers.CharField()}


class LdRatingSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, Any]:
        return {
            "@type": _ld_type("Rating"),
            "ratingValue": serializers.IntegerField(),
            "bestRating": serializers.IntegerField(),
            "worstRating": serializers.IntegerField(),
            "alternateName": serializers.CharField(help_text="The rating in words, e.g. `Mostly false`."),
        }


class LdAppearanceSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, Any]:
        return {
            "@type": _ld_type("CreativeWork"),
            "url": serializers.URLField(help_text="The article's URL, else the verdict's public page."),
            "headline": serializers.CharField(required=False),
            "publisher": LdOrganizationSerializer(required=False),
        }


class LdClaimSerializer(serializers.Serializer[Any]):
    def get_fields(self) -> dict[str, Any]:
        return {
            "@type": _ld_type("Claim"),
            "appearance": LdAppearanceSerializer(),
            "author": LdAuthorSerializer(required=False, help_text="Who made the claim, when known."),
            "datePublished": serializers.DateField(),
        }


class ClaimReviewSerializer(serializers.Serializer[Verdict]):
    """A published verdict as schema.org ClaimReview JSON-LD."""

    def get_fields(self) -> dict[str, Any]:
        return {
            "@context": serializers.CharField(help_text="`https://schema.org`"),
            "@type": _ld_type("ClaimReview"),
            "url": serializers.URLField(help_text="The verdict's public page."),
            "claimReviewed": serializers.CharField(),
            "itemReviewed": LdClaimSerializer(),
            "author": LdOrganizationSerializer(help_text="The fact-checking organisation."),
            "datePublished": serializers.DateField(),
            "reviewRating": LdRatingSerializer(),
            "reviewBody": serializers.CharField(required=False, help_text="The verdict's summary."),
        }

    def to_representation(self, instance: Verdict) -> dict[str, Any]:
        return site_urls(self).claimreview(instance)
