"""Articles count their extraction runs (`extract_attempts`), so a poison message is failed after
FACTCHECK_EXTRACT_MAX_ATTEMPTS instead of re-sent for ever; the audit log records an editor's retry
(`article.retried`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0012_editors_manage_webhooks"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="reviewevent",
            name="reviewevent_action_valid",
        ),
        migrations.AddField(
            model_name="article",
            name="extract_attempts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="reviewevent",
            name="action",
            field=models.CharField(
                choices=[
                    ("article.ingested", "Article ingested"),
                    ("article.extracted", "Article extracted"),
                    ("article.failed", "Article extraction failed"),
                    ("article.reextracted", "Article re-extracted"),
                    ("article.retried", "Article extraction retried"),
                    ("claim.promoted", "Sentence promoted to claim"),
                    ("claim.demoted", "Claim demoted to sentence"),
                    ("task.leased", "Task leased"),
                    ("task.released", "Task released"),
                    ("task.skipped", "Task skipped"),
                    ("task.expired", "Lease expired"),
                    ("task.assigned", "Task assigned"),
                    ("task.requeued", "Task requeued"),
                    ("task.cancelled", "Task cancelled"),
                    ("task.priority_raised", "Task priority raised"),
                    ("task.draft_saved", "Draft saved"),
                    ("verdict.submitted", "Verdict submitted"),
                    ("verdict.edited", "Verdict edited by editor"),
                    ("verdict.returned", "Verdict returned"),
                    ("verdict.published", "Verdict published"),
                    ("verdict.corrected", "Verdict corrected"),
                    ("verdict.retracted", "Verdict retracted"),
                    ("verdict.reused", "Matched claim's verdict reused"),
                    ("match.confirmed", "Claim match confirmed"),
                    ("match.rejected", "Claim match rejected"),
                    ("conflict.resolved", "Conflict resolved"),
                    ("rating_label.changed", "Rating label changed"),
                ],
                max_length=40,
            ),
        ),
        migrations.AddConstraint(
            model_name="reviewevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "action__in",
                        [
                            "article.ingested",
                            "article.extracted",
                            "article.failed",
                            "article.reextracted",
                            "article.retried",
                            "claim.promoted",
                            "claim.demoted",
                            "task.leased",
                            "task.released",
                            "task.skipped",
                            "task.expired",
                            "task.assigned",
                            "task.requeued",
                            "task.cancelled",
                            "task.priority_raised",
                            "task.draft_saved",
                            "verdict.submitted",
                            "verdict.edited",
                            "verdict.returned",
                            "verdict.published",
                            "verdict.corrected",
                            "verdict.retracted",
                            "verdict.reused",
                            "match.confirmed",
                            "match.rejected",
                            "conflict.resolved",
                            "rating_label.changed",
                        ],
                    )
                ),
                name="reviewevent_action_valid",
            ),
        ),
    ]
