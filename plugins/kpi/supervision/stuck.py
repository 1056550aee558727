"""Orders stuck in a status: open orders that took their status (``Order.status_changed_at``, set by the
event that changed it) more than ``days`` days before ``as_of``'s end. One list query.

The list walks the index of each status's orders by that moment (company, status, moment, id) from the
oldest: a page reads its rows and stops, whatever the number of orders or of their audit entries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from core.errors import ValidationError
from core.keyset import Kind
from core.listview import Column, Filter, FilterKind, ListSpec, order_column
from core.models import Company, Customer, Order, OrderStatus, User

OPEN = (OrderStatus.SUBMITTED, OrderStatus.APPROVED, OrderStatus.IN_PRODUCTION, OrderStatus.SHIPPED,
        OrderStatus.DELIVERED)
DEFAULT_DAYS = 7
MAX_DAYS = 3650


@dataclass(frozen=True)
class Stuck:
    as_of: date
    days: int

    def cutoff(self, company: Company) -> datetime:
        """An order waiting since before this moment is stuck."""
        return datetime.combine(self.as_of + timedelta(days=1), time.min, company.zone) - timedelta(days=self.days)

    def params(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "days": self.days}


def parse_stuck(company: Company, as_of: str | None, days: str | None) -> Stuck:
    today = company.today()
    day = today
    if as_of:
        try:
            day = date.fromisoformat(as_of.strip())
        except ValueError:
            raise ValidationError(_("as_of must be a date like %(example)s", example=today.isoformat()),
                                  field="as_of") from None
    count = DEFAULT_DAYS
    if days:
        text = days.strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DAYS:
            raise ValidationError(_("%(field)s must be a whole number from %(least)s to %(most)s",
                                    field="days", least=1, most=MAX_DAYS), field="days")
        count = int(text)
    return Stuck(day, count)


def stuck_spec(company: Company, asked: Stuck) -> ListSpec:
    since = Order.status_changed_at

    def source(user: User) -> Select[Any]:
        return (select(Order).join(Customer, Customer.id == Order.customer_id)
                .where(Order.company_id == user.company_id, Order.status.in_(OPEN),
                       since < asked.cutoff(company)))

    return ListSpec(
        name=f"stuck-orders-{asked.as_of.isoformat()}",
        source=source,
        id=Order.id,
        columns=(
            order_column(),
            Column("customer", _l("Customer"), Customer.name),
            Column("status", _l("Status"), Order.status, Kind.CODE, badge=True),
            Column("since", _l("In this status since"), since, Kind.DATETIME, sortable=True),
            Column("total", _l("Total"), Order.total, Kind.MONEY),
        ),
        search=(Order.number, Customer.name),
        filters=(Filter("status", _l("Status"), Order.status, FilterKind.CHOICE, choices=OrderStatus),),
        default_sort="since",
        carry={"order_id": Order.id},
    )
