"""Row locks shared by the services.

Lock order everywhere: claim, then its review task, then the verdict, then the article (last, inside
`scorecard_request`). Taking rows in one order is what keeps concurrent editors from deadlocking.

The claim is locked FOR NO KEY UPDATE, not FOR UPDATE. A reviewer's transaction locks only the task, yet
every row it inserts that points to the claim (a verdict, an audit event) makes PostgreSQL check that
foreign key at commit with FOR KEY SHARE on the claim row. FOR UPDATE blocks that check: an editor
holding the claim and waiting for the task, and a reviewer holding the task and committing, deadlocked
(an editor writing the verdict, demoting the claim or editing a returned verdict, against a reviewer's
first save or submission, or the lease-expiry sweep). FOR NO KEY UPDATE still excludes every other
claim lock and update, and lets the key check through. No service changes a claim's key.
"""

from __future__ import annotations

from reviews.exceptions import NotFound
from reviews.models import Claim


def claim_lock(claim_id: int) -> Claim:
    """Lock the claim row (with its article loaded, unlocked) or raise `NotFound`."""
    claim = (
        Claim.objects.select_for_update(of=("self",), no_key=True)
        .select_related("article")
        .filter(pk=claim_id)
        .first()
    )
    if claim is None:
        raise NotFound(f"Claim {claim_id} does not exist.")
    return claim
