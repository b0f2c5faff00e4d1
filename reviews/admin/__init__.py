"""The editors' desk: the Django admin as the place to run fact-checking.

Admin classes display and call services; they hold no workflow rules. Every write goes through a service
in `reviews.services` (which checks the rules, locks rows and writes the audit row), and every refusal a
service raises becomes an admin message or a form error in one place, `DeskAdminMixin`.

Who sees what: Editors (staff, in the Editors group) get the desk through their group's permissions;
Reviewers are not staff and use the reviewer pages; superusers see everything. Nobody can add, change or
delete audit rows (ReviewEvent) here, superusers included.

Changelists cost a fixed number of queries whatever the number of rows shown: everything a row displays
comes from `list_select_related` or from annotations made in `get_queryset` (pinned in
tests/reviews/admin/test_changelists.py with 100+ rows per list). Article bodies are deferred wherever
articles are joined, because a list never shows them and they can be megabytes.

HTML lives in templates under reviews/templates/admin/reviews/: pages, panels and read-only fields that
are more than one link are rendered with `base.fragment`; only single links are built in Python.
"""

from reviews.admin import (
    articles,
    claims,
    events,
    exports,
    feeds,
    matching,
    notifications,
    ratings,
    scorecards,
    tasks,
    thresholds,
    verdicts,
    webhooks,
)

__all__ = [
    "articles",
    "claims",
    "events",
    "exports",
    "feeds",
    "matching",
    "notifications",
    "ratings",
    "scorecards",
    "tasks",
    "thresholds",
    "verdicts",
    "webhooks",
]
