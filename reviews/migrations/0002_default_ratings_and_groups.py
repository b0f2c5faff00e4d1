"""Seed the default rating scale and the Editors / Reviewers groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

DEFAULT_SCALE = [
    # slug, name, rating_value, requires_citation, counts_toward_score, description
    ("true", "True", 5, True, True, "The claim is accurate and nothing significant is missing."),
    ("mostly-true", "Mostly true", 4, True, True, "Accurate, but needs clarification or extra information."),
    ("half-true", "Half true", 3, True, True, "Partially accurate; leaves out important details or context."),
    (
        "mostly-false",
        "Mostly false",
        2,
        True,
        True,
        "Contains an element of truth but ignores critical facts.",
    ),
    ("false", "False", 1, True, True, "The claim is not accurate."),
    ("misleading", "Misleading", 2, True, True, "Accurate facts presented so as to give a false impression."),
    ("unverifiable", "Unverifiable", 3, False, False, "No reliable evidence either way could be found."),
]

EDITOR_PERMS = [
    "ingest_article",
    "manage_queue",
    "publish_verdict",
    "view_article",
    "change_article",
    "view_claim",
    "change_claim",
    "view_reviewtask",
    "change_reviewtask",
    "view_verdict",
    "add_verdict",
    "change_verdict",
    "view_citation",
    "add_citation",
    "change_citation",
    "delete_citation",
    "view_ratinglabel",
    "add_ratinglabel",
    "change_ratinglabel",
    "view_scorecard",
    "view_reviewevent",
    "view_taskskip",
]
REVIEWER_PERMS = [
    "work_queue",
    "view_article",
    "view_claim",
    "view_reviewtask",
    "view_ratinglabel",
    "view_verdict",
    "add_verdict",
    "change_verdict",
    "view_citation",
    "add_citation",
    "change_citation",
    "delete_citation",
]


def seed(apps, schema_editor):
    RatingLabel = apps.get_model("reviews", "RatingLabel")
    for order, (slug, name, value, cites, scored, description) in enumerate(DEFAULT_SCALE):
        RatingLabel.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "order": order,
                "rating_value": value,
                "best_rating": 5,
                "worst_rating": 1,
                "alternate_name": name,
                "requires_citation": cites,
                "counts_toward_score": scored,
                "description": description,
            },
        )

    # Permissions are normally created after migrate; create them now so the groups can hold them.
    app_config = apps.get_app_config("reviews")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in (("Editors", EDITOR_PERMS), ("Reviewers", REVIEWER_PERMS)):
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = Permission.objects.filter(content_type__app_label="reviews", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions not found for {group_name}: {sorted(missing)}")
        group.permissions.add(*perms)


def unseed(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Editors", "Reviewers"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
