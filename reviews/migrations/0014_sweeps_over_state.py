"""The sweeps find their work by state, however old: verdicts whose published-cache invalidation was
lost (`cache_stale_since`, a partial index on the marked ones) and pending articles (a partial index).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0013_article_extract_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="verdict",
            name="cache_stale_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                models.F("updated_at"), condition=models.Q(("status", "pending")), name="article_pending_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="verdict",
            index=models.Index(
                condition=models.Q(("cache_stale_since__isnull", False)),
                fields=["cache_stale_since"],
                name="verdict_cache_stale_idx",
            ),
        ),
    ]
