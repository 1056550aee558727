"""Fapiao records: the statutory 增值税发票 the tax system issued, recorded by finance against an invoice.

Ordo does not issue fapiao. Finance records each one the tax system issued:
its type (专票, 普票, 电子), code (发票代码; a 全电 fapiao has none), number
(发票号码), date and amount (价税合计). An invoice may have several whose
amounts add up to at most the invoice's total; a red-letter (红字) fapiao is
recorded against a credit note of the invoice, up to the credit note's total. A
fapiao's code and number are recorded once per company. Every refusal names
its field; nothing is saved then. Nothing here commits.
"""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, exists, func, select

from core import audit, formatting
from core.auth.context import VIEW_PRICES, check
from core.db import flush
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.figures import MONEY
from core.models import Company, User
from core.models.types import MONEY_PLACES
from plugins.billing.invoices.models import CreditNote, FapiaoRecord, FapiaoType, Invoice, InvoiceStatus

RECORD_PERMISSION = "billing.fapiao.record"
NUMBER = re.compile(r"\d{8}|\d{20}")  # 8 digits on a paper or electronic fapiao, 20 on a 全电 one
CODE = re.compile(r"\d{10}|\d{12}")  # 10 digits on a 专票, 12 on a 普票 or electronic one


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(_("enter the amount as a number, for example 1250.00"), field="amount") from None
    if not amount.is_finite() or amount <= 0:
        raise ValidationError(_("the amount must be greater than zero"), field="amount")
    if amount > MONEY.largest:
        raise ValidationError(_("the amount is too large"), field="amount")
    if amount != amount.quantize(MONEY_PLACES):
        raise ValidationError(_("the amount has at most two decimal places"), field="amount")
    return amount.quantize(MONEY_PLACES)


def _type(value: Any) -> FapiaoType:
    try:
        return FapiaoType(value)
    except ValueError:
        raise ValidationError(_("the fapiao type must be one of %(allowed)s",
                                allowed=", ".join(kind.value for kind in FapiaoType)), field="fapiao_type") from None


def recorded_on(invoice: Invoice) -> list[FapiaoRecord]:
    """The fapiao recorded against an invoice and its credit notes, in the order they were recorded."""
    return recorded_against([invoice.id])


def recorded_against(invoice_ids: list[int]) -> list[FapiaoRecord]:
    """The fapiao recorded against any of the invoices (an order's versions), in one query."""
    if not invoice_ids:
        return []
    return list(db.session.execute(select(FapiaoRecord).where(FapiaoRecord.invoice_id.in_(invoice_ids))
                                   .order_by(FapiaoRecord.issued_on, FapiaoRecord.id)).scalars())


def record_fapiao(invoice: Invoice, *, fapiao_type: Any, number: Any, code: Any = None, issued_on: date | None,
                  amount: Any, credit_note_id: int | None = None, actor: User) -> FapiaoRecord:
    """Record a fapiao against ``invoice``, or a red-letter one against its credit note ``credit_note_id``."""
    check(actor, RECORD_PERMISSION)
    check(actor, VIEW_PRICES)  # the refusal of too large an amount would tell the invoice's
    kind = _type(fapiao_type)
    number = str(number or "").strip()
    if not NUMBER.fullmatch(number):
        raise ValidationError(_("the fapiao number is 8 or 20 digits"), field="number")
    code = str(code or "").strip()
    if code and not CODE.fullmatch(code):
        raise ValidationError(_("the fapiao code is 10 or 12 digits, or empty for a fapiao without one"),
                              field="code")
    if not isinstance(issued_on, date):
        raise ValidationError(_("give the date the fapiao was issued"), field="issued_on")
    if issued_on > db.session.get_one(Company, invoice.company_id).today():
        raise ValidationError(_("a fapiao cannot be issued in the future"), field="issued_on")
    value = _amount(amount)
    if invoice.status == InvoiceStatus.CANCELLED:
        raise Conflict(_("invoice %(number)s is cancelled; it takes no fapiao", number=invoice.number),
                       field="invoice")
    if db.session.execute(select(exists().where(
            FapiaoRecord.company_id == invoice.company_id, FapiaoRecord.code == code,
            FapiaoRecord.number == number))).scalar():
        raise ValidationError(_("fapiao %(number)s is already recorded", number=f"{code} {number}".strip()),
                              field="number")
    # One finance clerk at a time per invoice, so that two records cannot both fit the same remainder.
    db.session.execute(select(Invoice.id).where(Invoice.id == invoice.id).with_for_update())
    credit_note = None
    if credit_note_id is not None:
        credit_note = db.session.get(CreditNote, credit_note_id)
        if credit_note is None or credit_note.invoice_id != invoice.id:
            raise ValidationError(_("invoice %(number)s has no such credit note", number=invoice.number),
                                  field="credit_note_id")
        ceiling, what = credit_note.total, credit_note.number
    else:
        ceiling, what = invoice.total, invoice.number
    taken = db.session.execute(select(func.coalesce(func.sum(FapiaoRecord.amount), 0)).where(
        FapiaoRecord.invoice_id == invoice.id,
        FapiaoRecord.credit_note_id == credit_note_id if credit_note_id is not None
        else FapiaoRecord.credit_note_id.is_(None))).scalar_one()
    left = ceiling - Decimal(taken).quantize(MONEY_PLACES)
    if value > left:
        raise ValidationError(
            _("the fapiao of %(amount)s is more than the %(left)s %(currency)s of %(document)s not yet covered "
              "by fapiao", amount=formatting.money(value), left=formatting.money(left), currency=invoice.currency,
              document=what), field="amount")
    record = FapiaoRecord(company_id=invoice.company_id, invoice_id=invoice.id, credit_note_id=credit_note_id,
                          fapiao_type=kind, code=code, number=number, issued_on=issued_on, amount=value,
                          recorded_by_id=actor.id)
    db.session.add(record)
    flush()
    audit.record(company_id=invoice.company_id, order_id=invoice.order_id, entity="fapiao", entity_id=record.id,
                 action="fapiao_recorded", actor=actor,
                 after={"invoice": invoice.number, "credit_note": credit_note.number if credit_note else None,
                        "fapiao_type": kind.value, "code": code, "number": number,
                        "issued_on": issued_on.isoformat(), "amount": str(value)})
    return record


def fapiao_outstanding() -> ColumnElement[bool]:
    """SQL: the invoice bills something that fapiao recorded against it do not yet cover."""
    covered = (select(func.coalesce(func.sum(FapiaoRecord.amount), 0))
               .where(FapiaoRecord.invoice_id == Invoice.id, FapiaoRecord.credit_note_id.is_(None))
               .scalar_subquery())
    return and_(Invoice.status.in_((InvoiceStatus.ISSUED, InvoiceStatus.PAID)), covered < Invoice.total)
