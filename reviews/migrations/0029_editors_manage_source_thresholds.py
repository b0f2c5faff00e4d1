"""Editors set claim thresholds per source at the desk (reviews/admin/thresholds.py).

SourceThreshold came with 0027. Editors add, change and remove them (a removed one leaves the default in
force; every change is in the audit log). Reviewers get nothing here."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMS = [
    "add_sourcethreshold",
    "change_sourcethreshold",
    "delete_sourcethreshold",
    "view_sourcethreshold",
]


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; create them now so the group can hold them.
    app_config = apps.get_app_config("reviews")
    previous = getattr(app_config, "models_module", None)
    app_config.models_module = previous or True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = previous

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    perms = Permission.objects.filter(content_type__app_label="reviews", codename__in=EDITOR_PERMS)
    missing = set(EDITOR_PERMS) - set(perms.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"permissions not found for Editors: {sorted(missing)}")
    group.permissions.add(*perms)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="reviews", codename__in=EDITOR_PERMS)
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0028_claim_thresholds")]

    operations = [migrations.RunPython(grant, revoke)]
