from __future__ import annotations

from rest_framework import serializers

from reviews.models import Article


class ArticleSubmitSerializer(serializers.Serializer[dict[str, object]]):
    text = serializers.CharField(trim_whitespace=False, help_text="The article: plain text or HTML.")
    content_type = serializers.ChoiceField(
        choices=["text/plain", "text/html"], required=False, help_text="Sniffed from the text when omitted."
    )
    source_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)


class ArticleStatusSerializer(serializers.ModelSerializer[Article]):
    claim_count = serializers.IntegerField(read_only=True, required=False)

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
            "created_at",
            "claim_count",
        ]
        read_only_fields = fields
