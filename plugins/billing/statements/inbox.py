"""What the inbox of sales and finance says of the statements' open disputes: one task per disputed line,
due ``ANSWER_WITHIN`` after the customer raised it, oldest first; counted in one aggregate query."""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from core.contracts import Task, TaskCount
from core.models import User
from core.portal import list_url
from plugins.billing.statements.services import ANSWER_WITHIN, RESOLVE, VIEW, count_open_disputes, open_disputes

KIND = "statement_dispute"


def counts(user: User, now: datetime) -> list[TaskCount]:
    if not user.can(RESOLVE) or user.customer_id is not None:
        return []
    total, late = count_open_disputes(user, now)
    if not total:
        return []
    return [TaskCount(KIND, _("Statement lines disputed"), total, late,
                      url=list_url(user, VIEW, "billing_statements.statements", status="disputed"))]


def tasks(user: User, limit: int | None) -> list[Task]:
    if not user.can(RESOLVE) or user.customer_id is not None:
        return []
    return [Task(title=_("Answer %(customer)s's dispute of line %(line)s on statement %(number)s",
                         customer=customer, line=dispute.line.line_no, number=number),
                 url=url_for("billing_statements.statement", statement_id=dispute.statement_id),
                 kind=KIND, due_at=dispute.disputed_at + ANSWER_WITHIN)
            for dispute, number, customer in open_disputes(user, limit)]
