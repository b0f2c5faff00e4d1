"""Drop the single-column indexes of four user keys that composite (user, status) indexes already cover
(see ReviewTask in reviews/models.py).

Only the indexes go: `AlterField(db_index=False)` alone would also drop and re-create each foreign key
constraint, and re-creating one validates every row of the table under an exclusive lock, which on a
large queue stops it for as long. The index names are the ones Django gave them (the same on every
database)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (table, column, index)
INDEXES = [
    ("reviews_reviewtask", "assignee_id", "reviews_reviewtask_assignee_id_c7b992bd"),
    ("reviews_reviewtask", "lease_holder_id", "reviews_reviewtask_lease_holder_id_ed6c2fb3"),
    ("reviews_reviewtask", "reviewer_id", "reviews_reviewtask_reviewer_id_865af7f9"),
    ("reviews_verdict", "reviewer_id", "reviews_verdict_reviewer_id_4b5d64e5"),
]


def user_key(related_name: str) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        blank=True,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.PROTECT,
        related_name=related_name,
        to=settings.AUTH_USER_MODEL,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_verdict_updated_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "{table}" ("{column}")',
                )
                for table, column, index in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="reviewtask", name="assignee", field=user_key("assigned_tasks")
                ),
                migrations.AlterField(
                    model_name="reviewtask", name="lease_holder", field=user_key("leased_tasks")
                ),
                migrations.AlterField(
                    model_name="reviewtask", name="reviewer", field=user_key("reviewed_tasks")
                ),
                migrations.AlterField(model_name="verdict", name="reviewer", field=user_key("verdicts")),
            ],
        )
    ]
