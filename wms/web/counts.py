"""Counts on the operations pages: each count of a warehouse with its
variances, and for those too large to post by themselves the evidence (what
the system held, what was counted, the latest movements of the SKU in the
bin), with the admin's approve or reject."""
from __future__ import annotations

from flask import request
from flask_babel import gettext

from wms.errors import DomainError, NotFound, ValidationFailed
from wms.facility.services import list_warehouses
from wms.inventory.counts import approve_count, list_counts
from wms.inventory.models import COUNT_STATUSES, Count
from wms.inventory.queries import variance_evidence
from wms.inventory.views import count_views
from wms.messages import M_
from wms.web.pages import db, done, principal, render

LIMIT = 100


def counts(*, error: DomainError | None = None):
    actor = principal()
    actor.require("admin", "operator")
    status = request.args.get("status") or "pending_approval"
    if status not in COUNT_STATUSES:
        raise ValidationFailed(status=f"must be one of {', '.join(COUNT_STATUSES)}")
    warehouse = request.args.get("warehouse") or None
    warehouse_id = None
    if warehouse:
        wh = next((w for w in list_warehouses(db(), actor, limit=200) if w.code == warehouse), None)
        if wh is None:
            raise NotFound(M_('warehouse %(warehouse)s not found', warehouse=warehouse))
        warehouse_id = wh.id
    after = request.args.get("after", "0")
    if not after.isdigit() or len(after) > 18:
        raise ValidationFailed(after=M_('must be a count id'))
    # Filtered in the query, so a page holds LIMIT counts of this warehouse.
    found: list[Count] = list_counts(db(), actor, status=status, warehouse_id=warehouse_id, after_id=int(after),
                                     limit=LIMIT)
    more = len(found) > LIMIT
    found = found[:LIMIT]
    return render("counts.html", error.status if error else 200, error=error, counts=count_views(db(), found),
                  count_status=status, warehouse=warehouse, statuses=COUNT_STATUSES,
                  evidence=variance_evidence(db(), found), can_approve=actor.is_admin,
                  next_after=found[-1].id if more else None)


def decide(count_id: int):
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        return counts(error=ValidationFailed(decision=gettext("choose approve or reject")))
    try:
        approve_count(db(), principal(), count_id, approve=decision == "approve")
    except DomainError as error:
        return counts(error=error)
    if decision == "approve":
        return done("web.counts", gettext("Count %(id)s: the variances were posted.", id=count_id))
    return done("web.counts", gettext("Count %(id)s: the variances were rejected.", id=count_id))
