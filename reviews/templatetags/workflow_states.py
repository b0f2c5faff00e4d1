"""`{% if verdict|in_state_after:"verdict.publish" %}`: pages ask the workflow table (reviews.workflow)
which state an object is in, rather than comparing its status with a literal."""

from __future__ import annotations

from django import template

from reviews import workflow

register = template.Library()


@register.filter
def in_state_after(obj: workflow.Obj | None, name: str) -> bool:
    return obj is not None and workflow.in_state_after(name, obj)
