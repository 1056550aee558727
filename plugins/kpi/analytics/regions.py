"""Regional distribution: orders and amounts per province and city of the customer's address, against the
previous period of the same length, in one GROUP BY whatever the number of orders."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from core.extensions import db
from core.models import Company, Customer, Order
from plugins.kpi.analytics.period import Period
from plugins.kpi.analytics.sales import ZERO, amount, counted, growth


@dataclass
class RegionRow:
    """A province (``city`` None) or one of its cities, with the period's figures and the previous ones."""

    province: str | None
    city: str | None
    orders: int = 0
    amount: Decimal = ZERO
    previous_orders: int = 0
    previous_amount: Decimal = ZERO
    cities: list[RegionRow] = field(default_factory=list)

    @property
    def orders_growth(self) -> Decimal | None:
        return growth(self.orders, self.previous_orders)

    @property
    def amount_growth(self) -> Decimal | None:
        return growth(self.amount, self.previous_amount)

    def add(self, other: RegionRow) -> None:
        self.orders += other.orders
        self.amount += other.amount
        self.previous_orders += other.previous_orders
        self.previous_amount += other.previous_amount


@dataclass(frozen=True)
class RegionReport:
    period: Period
    provinces: list[RegionRow]  # the largest amount first, each with its cities the same way
    total: RegionRow


def regions(company: Company, period: Period) -> RegionReport:
    """The period's orders and amounts by province and city, and the previous period's: one statement."""
    now = Order.submitted_at >= period.start
    before = Order.submitted_at < period.start
    statement = (
        select(Customer.province, Customer.city,
               func.count(case((now, Order.id))), func.sum(case((now, Order.total))),
               func.count(case((before, Order.id))), func.sum(case((before, Order.total))))
        .join(Customer, Customer.id == Order.customer_id)
        .where(and_(counted(company, period.previous_start, period.end)))
        .group_by(Customer.province, Customer.city)
    )
    provinces: dict[str | None, RegionRow] = {}
    total = RegionRow(None, None)
    for province, city, orders, sold, previous_orders, previous_sold in db.session.execute(statement):
        row = RegionRow(_blank(province), _blank(city), int(orders), amount(sold), int(previous_orders),
                        amount(previous_sold))
        parent = provinces.setdefault(row.province, RegionRow(row.province, None))
        # Two spellings of no city ("" and NULL) are one row.
        same = next((known for known in parent.cities if known.city == row.city), None)
        if same is None:
            parent.cities.append(row)
        else:
            same.add(row)
        parent.add(row)
        total.add(row)
    ranked = sorted(provinces.values(), key=_rank)
    for province_row in ranked:
        province_row.cities.sort(key=_rank)
    return RegionReport(period, ranked, total)


def _blank(text: str | None) -> str | None:
    return text.strip() or None if text is not None else None


def _rank(row: RegionRow) -> tuple[Decimal, int, str]:
    return (-row.amount, -row.orders, row.city or row.province or "\uffff")
