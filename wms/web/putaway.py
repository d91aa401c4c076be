"""Putaway: the open putaway and move tasks (re-slotting moves) of the
operator's warehouses, and one task: scan the bin, say how many, confirm."""
from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from wms.errors import DomainError
from wms.inventory.tasks import complete_task, get_task, list_tasks
from wms.inventory.views import task_view, task_views
from wms.web.forms import PUTAWAY_FORM, load_form
from wms.web.pages import db, done, principal, render

LIST_LIMIT = 100


def task_list():
    tasks = sorted(list_tasks(db(), principal(), type="putaway", status="open", limit=LIST_LIMIT)
                   + list_tasks(db(), principal(), type="move", status="open", limit=LIST_LIMIT), key=lambda t: t.id)
    return render("putaway_list.html", tasks=task_views(db(), tasks[:LIST_LIMIT]), more=len(tasks) > LIST_LIMIT)


def task_screen(task_id: int, *, error: DomainError | None = None, form=None):
    task = get_task(db(), principal(), task_id)
    return render("putaway.html", error.status if error else 200, error=error, task=task_view(db(), task),
                  form=form or {})


def put_away(task_id: int):
    try:
        data = load_form(PUTAWAY_FORM, request.form)
        task = complete_task(db(), principal(), task_id, **data)
    except DomainError as error:
        return task_screen(task_id, error=error, form=request.form)
    view = task_view(db(), task)
    text = _("Put %(qty)s × %(sku)s in %(bin)s.", qty=data["qty"], sku=view["sku"], bin=data["location"])
    if task.status == "open":
        return done("web.putaway_screen", _("%(text)s %(qty)s still to put away.", text=text, qty=view["qty_open"]),
                    task_id=task_id)
    return done("web.putaway_list", text)
