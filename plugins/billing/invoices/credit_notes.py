"""Credit notes: an issued invoice is never edited, it is credited.

Two things credit an invoice:

- an approved change that moves what the invoice bills (``order_changed``): the
  invoice's version is credited in full (what of it is not credited yet) and the
  next version is issued from the order as it now is, so the receivable matches
  the order;
- money granted back on a problem case, a refused line or a defect
  (``credit_granted``): a credit note of that amount, tax split per line.

A credit note is numbered per company and year like invoices
(``numbering``), keeps its own lines, and is sent to the customer. It may
not take back more than the invoice (or the line) still bills: such a credit is
refused naming ``amount``, and the action that asked for it rolls back.

A credit of a gross amount is split as Chinese VAT practice does: the amount
before tax is the amount ÷ (1 + the line's rate) rounded half up to the cent,
the tax the rest; a credit of the whole order splits by the invoice's own
proportion of amount before tax to total. Nothing here commits.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from core import audit, formatting, outbox
from core.contracts import Credit, OrderChange
from core.db import flush
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.models import Company, Order, OrderLine, User, utcnow
from core.models.types import MONEY_PLACES
from core.orders.totals import LineAmounts, totals
from plugins.billing.receivables import open_items
from plugins.billing.receivables.models import EntryKind
from plugins.billing.invoices.models import (
    CreditNote, CreditNoteLine, CreditReason, Invoice, InvoiceLine, InvoiceStatus,
)
from plugins.billing.invoices.numbering import NumberedKind, next_number
from plugins.billing.invoices.services import CLOSED, invoice_for, issue_version, line_rows
from plugins.billing.payments.ledger import ZERO

# What an invoice line and an order line say alike: if none of it moved, the invoice still bills the order.
BILLED = ("line_no", "description", "specification", "unit", "quantity", "unit_price", "tax_rate", "amount")
NOTE_MAX = 500


def credited_on(invoice_ids: Iterable[int]) -> dict[int, Decimal]:
    """What credit notes took back of each invoice, in one query."""
    ids = list(invoice_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(CreditNote.invoice_id, func.sum(CreditNote.total))
                              .where(CreditNote.invoice_id.in_(ids)).group_by(CreditNote.invoice_id))
    return {invoice_id: Decimal(total).quantize(MONEY_PLACES) for invoice_id, total in rows if invoice_id is not None}


def get_credit_note(user: User, credit_note_id: int) -> CreditNote:
    """A credit note of the user's company; NotFound otherwise (its order's visibility is checked by the caller)."""
    note = db.session.get(CreditNote, credit_note_id)
    if note is None or note.company_id != user.company_id:
        raise NotFound(_("credit note %(id)s does not exist", id=credit_note_id))
    return note


def credit_notes_of(order: Order) -> list[CreditNote]:
    """The order's credit notes, the first first."""
    return list(db.session.execute(
        select(CreditNote).where(CreditNote.order_id == order.id).order_by(CreditNote.issued_at, CreditNote.id)
    ).scalars())


def _issue(order: Order, invoice: Invoice | None, rows: list[dict[str, Any]], *, reason: CreditReason,
           note: str | None = None, case_id: int | None = None, case_number: str | None = None,
           change_id: int | None = None, actor_id: int | None = None) -> CreditNote:
    issued_at = utcnow()
    sums = totals(LineAmounts(row["net_amount"], row["tax_amount"], row["amount"]) for row in rows)
    note = (note or "").strip()[:NOTE_MAX] or None
    credit_note = CreditNote(
        company_id=order.company_id, order_id=order.id, invoice_id=invoice.id if invoice else None,
        number=next_number(order.company_id, NumberedKind.CREDIT_NOTE, issued_at), reason=reason, note=note,
        case_id=case_id, case_number=case_number, change_id=change_id, currency=order.currency,
        subtotal=sums.subtotal, tax_total=sums.tax_total, total=sums.total, issued_at=issued_at,
        issued_by_id=actor_id,
    )
    db.session.add(credit_note)
    flush()
    db.session.execute(insert(CreditNoteLine), [{**row, "credit_note_id": credit_note.id} for row in rows])
    audit.record(
        company_id=order.company_id, order_id=order.id, entity="credit_note", entity_id=credit_note.id,
        action="credit_note_issued", actor=None,
        after={"number": credit_note.number, "reason": reason.value, "total": str(credit_note.total),
               "currency": credit_note.currency, "invoice": invoice.number if invoice else None,
               "case_number": case_number},
        note=note,
    )
    recipient = outbox.to_customer(order.customer)
    if recipient is not None:
        outbox.send_email("billing/invoices/credit_note_email.txt", recipient, company_id=order.company_id,
                          kind="credit_note_issued", order_id=order.id, order=order, credit_note=credit_note,
                          invoice=invoice, company=db.session.get_one(Company, order.company_id))
    return credit_note


# --- a change moves what was invoiced ------------------------------------------------


def _bills_the_order(invoice_lines: list[InvoiceLine], rows: list[dict[str, Any]]) -> bool:
    billed = [tuple(getattr(line, name) for name in BILLED) for line in invoice_lines]
    wanted = [tuple(row[name] for name in BILLED) for row in rows]
    return billed == wanted


def reissue_after_change(order: Order, change: OrderChange) -> tuple[CreditNote, Invoice] | None:
    """Credit the order's invoice and issue its next version when an approved change moved what it bills.

    Nothing happens before the order is invoiced (the invoice is issued from the
    changed order), for a cancelled or already credited invoice, or when the
    change left the billed lines as they were (a new delivery date).
    """
    invoice = invoice_for(order)
    if invoice is None or invoice.status in CLOSED:
        return None
    rows = line_rows(order)
    if _bills_the_order(list(invoice.lines), rows):
        return None
    already = credited_on([invoice.id]).get(invoice.id, ZERO)
    if already == ZERO:
        credit_rows = [_copied(line) for line in invoice.lines]
    else:  # partly credited on a case: the rest of it, split as the invoice is
        credit_rows = [_split(invoice.total - already, None, invoice, line_no=1)]
    credit_note = _issue(order, invoice, credit_rows, reason=CreditReason.ORDER_CHANGED, note=change.reason,
                         change_id=change.change_id)
    before = invoice.status
    invoice.status = InvoiceStatus.CREDITED
    audit.record(company_id=order.company_id, order_id=order.id, entity="invoice", entity_id=invoice.id,
                 action="invoice_credited", actor=None, before={"status": before.value},
                 after={"status": invoice.status.value, "credit_note": credit_note.number})
    return credit_note, issue_version(order, replaces=invoice)


def _copied(line: InvoiceLine) -> dict[str, Any]:
    return {"line_no": line.line_no, "order_line_id": line.order_line_id, "description": line.description,
            "specification": line.specification, "unit": line.unit, "quantity": line.quantity,
            "unit_price": line.unit_price, "tax_rate": line.tax_rate, "net_amount": line.net_amount,
            "tax_amount": line.tax_amount, "amount": line.amount}


# --- money back on a problem case ----------------------------------------------------------


def split_gross(amount: Decimal, rate: Decimal) -> LineAmounts:
    """A gross amount's amount before tax (amount ÷ (1 + rate), rounded half up to the cent) and its tax."""
    net = (amount / (Decimal(1) + rate)).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP)
    return LineAmounts(net, amount - net, amount)


def _split(amount: Decimal, line: OrderLine | None, billed: Invoice | Order, *, line_no: int) -> dict[str, Any]:
    """A credit line of ``amount``: on the order's ``line`` at its rate, or on the whole of what ``billed``
    bills, split in its proportion of amount before tax to total."""
    if line is not None:
        amounts = split_gross(amount, line.tax_rate)
        return {"line_no": line_no, "order_line_id": line.id, "description": line.description,
                "specification": line.specification, "unit": line.unit, "quantity": None, "unit_price": None,
                "tax_rate": line.tax_rate, "net_amount": amounts.net_amount, "tax_amount": amounts.tax_amount,
                "amount": amount}
    subtotal, total = billed.subtotal, billed.total
    net = (amount * subtotal / total).quantize(MONEY_PLACES, rounding=ROUND_HALF_UP) if total else amount
    return {"line_no": line_no, "order_line_id": None, "description": None, "specification": None, "unit": None,
            "quantity": None, "unit_price": None, "tax_rate": None, "net_amount": net, "tax_amount": amount - net,
            "amount": amount}


def _credited_on_line(order: Order, order_line_id: int) -> Decimal:
    credited = db.session.execute(
        select(func.sum(CreditNoteLine.amount)).join(CreditNote, CreditNote.id == CreditNoteLine.credit_note_id)
        .where(CreditNote.order_id == order.id, CreditNote.reason == CreditReason.CASE_CREDIT,
               CreditNoteLine.order_line_id == order_line_id)).scalar_one_or_none()
    return Decimal(credited or 0).quantize(MONEY_PLACES)


def credit_case(order: Order, credit: Credit) -> CreditNote:
    """Answer money granted back on a problem case with a credit note against the order's invoice.

    Before the order is invoiced the credit note stands against the order (its
    invoice is issued for the whole order, and the credit note takes it back).
    More than the invoice, or the line, still bills is refused naming ``amount``.
    """
    amount = credit.amount
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0 or amount != amount.quantize(
            MONEY_PLACES):
        raise ValidationError(_("the credit must be an amount greater than zero, to the cent"), field="amount")
    invoice = invoice_for(order)  # the latest version: never a credited one
    if invoice is not None and invoice.status == InvoiceStatus.CANCELLED:
        invoice = None
    billed = invoice.total if invoice is not None else order.total
    taken = (credited_on([invoice.id]).get(invoice.id, ZERO) if invoice is not None
             else _credited_before_invoice(order))
    if amount > billed - taken:
        raise ValidationError(
            _("the credit of %(amount)s is more than the %(left)s %(currency)s the invoice still bills",
              amount=formatting.money(amount), left=formatting.money(billed - taken), currency=order.currency),
            field="amount")
    line = next((line for line in order.lines if line.id == credit.order_line_id), None)
    if line is not None:
        left_on_line = line.amount - _credited_on_line(order, line.id)
        if amount > left_on_line:
            raise ValidationError(
                _("the credit of %(amount)s is more than the %(left)s %(currency)s line %(line)s still bills",
                  amount=formatting.money(amount), left=formatting.money(left_on_line), currency=order.currency,
                  line=line.line_no), field="amount")
    row = _split(amount, line, invoice if invoice is not None else order, line_no=1)
    credit_note = _issue(order, invoice, [row], reason=CreditReason.CASE_CREDIT, note=credit.reason,
                         case_id=credit.case_id, case_number=credit.case_number, actor_id=credit.granted_by_id)
    open_items.post([order], EntryKind.CREDIT_NOTE, credit_note.issued_at)
    return credit_note


def _credited_before_invoice(order: Order) -> Decimal:
    credited = db.session.execute(select(func.sum(CreditNote.total)).where(
        CreditNote.order_id == order.id, CreditNote.reason == CreditReason.CASE_CREDIT)).scalar_one_or_none()
    return Decimal(credited or 0).quantize(MONEY_PLACES)
