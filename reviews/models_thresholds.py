"""Claim thresholds editors set per source (a site, by host), and where an article's threshold came from.

The precedence (feed > source > `FACTCHECK_CLAIM_THRESHOLD` > the model's news threshold) is applied by
`reviews.selectors_thresholds.claim_threshold_for`; the writers are the services in
`reviews.services.thresholds`. Kept beside `reviews.models` (which imports these classes).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone


class ThresholdOrigin(models.TextChoices):
    FEED = "feed", "The feed's threshold"
    SOURCE = "source", "The source's threshold"
    SETTING = "setting", "FACTCHECK_CLAIM_THRESHOLD"
    MODEL = "model", "The model's news threshold"


def threshold_in_unit_range(field: str) -> Q:
    """A score cut is a probability: outside [0, 1] every sentence, or none, would become a claim."""
    return Q(**{f"{field}__gte": 0.0, f"{field}__lte": 1.0})


class SourceThreshold(models.Model):
    # The site's host as `reviews.selectors_thresholds.source_host` normalises it: lower case, no port, no
    # trailing dot and no leading "www.". An article matches when its source URL's host normalises to
    # exactly this (subdomains other than "www." are sources of their own).
    host = models.CharField(max_length=253)
    threshold = models.FloatField()
    note = models.CharField(max_length=300, blank=True, help_text="Why this source has its own threshold.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("host",)
        constraints = [
            # One threshold per source: two would leave the choice to the order rows are read in.
            models.UniqueConstraint(fields=["host"], name="sourcethreshold_unique_host"),
            models.CheckConstraint(
                condition=threshold_in_unit_range("threshold"), name="sourcethreshold_threshold_range"
            ),
            # Stored normalised (the service normalises): a host in capitals or with "www." would match no
            # article.
            models.CheckConstraint(
                condition=~Q(host="") & ~Q(host__startswith="www.") & Q(host=Lower("host")),
                name="sourcethreshold_host_normalised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host} ({self.threshold:.2f})"
