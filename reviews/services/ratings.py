"""Rating labels: an editor's new label or change to one, its audit row, and what a change means for what
was already published with it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews import roles
from reviews.exceptions import NotFound, ValidationFailed
from reviews.models import EventAction, RatingLabel, Verdict
from reviews.payloads import bidi_control_problem
from reviews.published_cache import published_changed_on_commit
from reviews.services.events import event_record
from reviews.services.scorecards import scorecards_mark_stale

# The fields a scorecard's verdict mix and accuracy score are computed from.
SCORING_FIELDS = frozenset({"rating_value", "best_rating", "worst_rating", "counts_toward_score", "name"})


def rating_label_changed(*, label: RatingLabel, changed_fields: Iterable[str]) -> None:
    """After `label` was saved with `changed_fields` changed: every published verdict with it shows it
    (name, values, slug), so their cached renderings go once this commits; scorecards that count it are
    marked stale when a field they are computed from changed."""
    changed = set(changed_fields)
    if not changed:
        return
    published = Verdict.objects.published().filter(rating=label)
    with transaction.atomic():
        published_changed_on_commit(verdict_ids=list(published.values_list("id", flat=True)))
        if changed & SCORING_FIELDS:
            articles = published.values_list("claim__article_id", flat=True).distinct()
            scorecards_mark_stale(article_ids=list(articles))


# What an editor may change on a label; its id is fixed.
EDITABLE_FIELDS = frozenset(
    field.name for field in RatingLabel._meta.concrete_fields if not field.primary_key
)


def _check_values(values: Mapping[str, Any]) -> None:
    """Refuse (ValidationFailed, per field) a field an editor may not set, and any text a reader would
    see with a bidirectional control in it, as verdict text is refused."""
    unknown = sorted(set(values) - EDITABLE_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"Rating labels have no editable field {', '.join(unknown)}.",
            field_errors={name: ["Not an editable field of a rating label."] for name in unknown},
        )
    # Readers see these strings on every verdict with the label (pages, API, ClaimReview).
    hidden = {
        name: [f"This {name.replace('_', ' ')} {problem}."]
        for name in sorted(values)
        if isinstance(values[name], str) and (problem := bidi_control_problem(values[name]))
    }
    if hidden:
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in hidden.items())
        raise ValidationFailed(summary, field_errors=hidden)


def _full_clean(label: RatingLabel) -> None:
    """The model's own validation (field rules and constraints), refused as ValidationFailed per field."""
    try:
        label.full_clean()
    except ValidationError as exc:
        errors = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        summary = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in errors.items())
        raise ValidationFailed(summary, field_errors=errors) from exc


@transaction.atomic
def rating_label_create(*, editor: User | AnonymousUser | None, values: Mapping[str, Any]) -> RatingLabel:
    """A new step of the rating scale from `values` (field name to value; the others keep the model's
    defaults), validated as `rating_label_update` validates a change, with one `rating_label.created`
    audit row holding the values it was created with, in this transaction. Nothing published carries a
    new label yet, so no cached rendering or scorecard changes.

    Refusals: NotAllowed for anyone but an editor (reviews.roles), ValidationFailed (per field).
    """
    user = roles.require_editor(editor, "create rating labels")
    _check_values(values)
    label = RatingLabel(**values)
    _full_clean(label)
    try:
        with transaction.atomic():
            label.save()
    except IntegrityError as exc:  # another editor created the same slug since `_full_clean` looked
        message = f"A rating label with slug {label.slug!r} already exists."
        raise ValidationFailed(message, field_errors={"slug": [message]}) from exc
    event_record(
        action=EventAction.RATING_LABEL_CREATED,
        actor=user,
        note=f"Rating label {label.slug!r} created.",
        data={
            "rating_label": label.pk,
            "slug": label.slug,
            "values": {name: getattr(label, name) for name in sorted(values)},
        },
    )
    return label


@transaction.atomic
def rating_label_update(
    *, label_id: int, editor: User | AnonymousUser | None, changes: Mapping[str, Any]
) -> RatingLabel:
    """Apply `changes` (field name to new value) to rating label `label_id`, validated as the model
    validates (its field rules and constraints), and record one `rating_label.changed` audit row with
    each changed field's old and new value, in this transaction. After commit the published verdicts
    carrying the label leave the published cache, and scorecards that count it are marked stale when a
    field they are computed from changed (`rating_label_changed`).

    Locks the label row. Idempotent: values equal to the stored ones change nothing and record nothing.
    Refusals: NotAllowed for anyone but an editor (reviews.roles), NotFound, ValidationFailed (per field).
    """
    user = roles.require_editor(editor, "edit rating labels")
    _check_values(changes)
    label = RatingLabel.objects.select_for_update().filter(pk=label_id).first()
    if label is None:
        raise NotFound(f"Rating label {label_id} does not exist.")
    before = {name: getattr(label, name) for name in changes}
    changed = [name for name, value in changes.items() if before[name] != value]
    if not changed:
        return label
    for name in changed:
        setattr(label, name, changes[name])
    _full_clean(label)
    label.save(update_fields=changed)
    event_record(
        action=EventAction.RATING_LABEL_CHANGED,
        actor=user,
        note=f"Rating label {label.slug!r}: changed {', '.join(changed)}.",
        data={
            "rating_label": label.pk,
            "slug": label.slug,
            "changes": {name: [before[name], getattr(label, name)] for name in changed},
        },
    )
    rating_label_changed(label=label, changed_fields=changed)
    return label
