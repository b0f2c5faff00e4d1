"""The stale-scorecard sweep reads only flagged articles (`scorecard_stale`, a partial index). Every
article starts flagged, so the first sweeps check each once and clear the flags of current scorecards.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0014_sweeps_over_state"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="scorecard_stale",
            field=models.BooleanField(default=True),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                models.F("id"),
                condition=models.Q(("scorecard_stale", True), ("status", "ready")),
                name="article_scorecard_stale_idx",
            ),
        ),
    ]
