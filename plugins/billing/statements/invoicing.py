"""When monthly-settlement orders are invoiced: the company's policy, and the statement run's invoices.

A company invoices its monthly-settlement orders either at delivery, as every
other order (``at_delivery``, the default), or in the monthly statement
(``with_statement``): then delivering such an order issues nothing, and the
statement run, before it lists a customer's entries, issues one invoice per
order of theirs signed for in the period and not invoiced yet, dated on the
statement day (its last second in the company's time zone), so the statement
lists each beside its delivery. Issuing is idempotent: an order is invoiced
once (``invoices.services.issue_invoice``), so a second run issues nothing.
Nothing here commits.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, select

from core import audit
from core.contracts import Stage
from core.db import flush
from core.errors import ValidationError
from core.extensions import db
from core.models import Order, OrderStatus, PaymentTerms, User
from core.modules import pinned
from plugins.billing.invoices.models import Invoice
from plugins.billing.invoices.services import issue_invoice
from plugins.billing.payments.services import apply_credit
from plugins.billing.statements.models import LAST_DAY, MonthlyInvoicing, StatementSetting

# Delivered monthly orders the statement invoices: signed for, settled or not, never cancelled.
SIGNED_FOR = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
LAST_SECOND = timedelta(seconds=1)


def monthly_invoicing(company_id: int) -> MonthlyInvoicing:
    """The company's policy for invoicing its monthly-settlement orders."""
    setting = db.session.get(StatementSetting, company_id)
    return setting.monthly_invoicing if setting is not None else MonthlyInvoicing.AT_DELIVERY


def set_monthly_invoicing(company_id: int, policy: MonthlyInvoicing | str, actor: User) -> MonthlyInvoicing:
    """Set when the company invoices its monthly-settlement orders; the orders already delivered keep what
    they had (invoiced, or waiting for the next statement)."""
    try:
        value = MonthlyInvoicing(policy)
    except ValueError:
        allowed = ", ".join(member.value for member in MonthlyInvoicing)
        raise ValidationError(_("the invoicing of monthly orders is one of %(allowed)s", allowed=allowed),
                              field="monthly_invoicing") from None
    setting = db.session.get(StatementSetting, company_id) or StatementSetting(company_id=company_id,
                                                                               statement_day=LAST_DAY)
    setting.monthly_invoicing = value
    db.session.add(setting)
    audit.record(company_id=company_id, entity="statement_setting", entity_id=None,
                 action="monthly_invoicing_set", actor=actor, after={"monthly_invoicing": value.value})
    flush()
    return value


def invoiced_with_statement(order: Order) -> bool:
    """The order is a monthly-settlement one of a company that invoices those in the monthly statement."""
    return (order.payment_terms == PaymentTerms.MONTHLY
            and monthly_invoicing(order.company_id) == MonthlyInvoicing.WITH_STATEMENT)


def invoice_deliveries(company_id: int, before: datetime, end_of: Callable[[int], datetime | None]) -> list[Invoice]:
    """Issue the invoices of the monthly orders signed for before their customer's period ends and not
    invoiced yet. ``before``: the latest end of any customer's period; ``end_of``: a customer's period end
    (None: no statement of theirs is made now). Each is dated on the last second of its statement day; the
    customer's credit pays what it can of it at once."""
    if monthly_invoicing(company_id) != MonthlyInvoicing.WITH_STATEMENT:
        return []
    waiting = list(db.session.execute(
        select(Order).where(Order.company_id == company_id, Order.payment_terms == PaymentTerms.MONTHLY,
                            Order.status.in_(SIGNED_FOR), Order.delivered_at.is_not(None),
                            Order.delivered_at < before, pinned(Stage.BILLING),
                            ~exists().where(Invoice.order_id == Order.id))
        .order_by(Order.delivered_at, Order.id)).scalars())
    issued = []
    for order in waiting:
        end = end_of(order.customer_id)
        if end is None or order.delivered_at is None or order.delivered_at >= end:
            continue  # signed for after the customer's period: the next statement invoices it
        invoice = issue_invoice(order, issued_at=end - LAST_SECOND)
        apply_credit(invoice)
        issued.append(invoice)
    return issued
