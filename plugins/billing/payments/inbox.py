"""What finance's inbox says of the payments waiting: one task per order, its amount only to who sees prices."""
from __future__ import annotations

from flask_babel import gettext as _

from core import formatting
from core.auth.context import sees_prices
from core.contracts import Task
from core.models import User
from core.portal import order_url
from plugins.billing.payments.services import Receivable, receivables_due


def receivable_tasks(user: User, limit: int | None = None) -> list[Task]:
    """Prepayments to confirm and delivered orders still owing, due first."""
    return [Task(title=_task_title(row, user), url=order_url(row.order.id),
                 kind="prepayment" if row.prepayment else "collect_payment", due_at=row.due_at,
                 order_number=row.order.number)
            for row in receivables_due(user, limit)]


def _task_title(row: Receivable, user: User) -> str:
    """What an inbox task says; the amount only to a user who may see prices."""
    order = row.order
    if not sees_prices(user):
        return (_("Confirm the prepayment for %(number)s", number=order.display_number) if row.prepayment
                else _("Collect payment for %(number)s", number=order.display_number))
    figures = {"number": order.display_number, "amount": formatting.money(row.owed), "currency": order.currency}
    return (_("Confirm the prepayment for %(number)s: %(amount)s %(currency)s", **figures) if row.prepayment
            else _("Collect payment for %(number)s: %(amount)s %(currency)s", **figures))
