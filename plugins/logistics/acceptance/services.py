"""Acceptance line by line: each shipped line accepted, accepted with reservations, or refused.

The customer (a customer's user), or the driver or customer service on their behalf (recorded as
such), judges the lines of a dispatched shipment, once each, and may rate the delivery (1–5) and
comment. When every line is judged the shipment is signed for (``shipments.services.close_shipment``),
and the order is delivered once nothing is left to ship: refused quantity counts as to ship again.
Everything is checked before anything is written: a refused request changes nothing.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import defer

from core import attachments, audit
from core.auth.context import check
from core.db import flush
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.models import Company, User, utcnow
from core.session_memo import remembered
from plugins.logistics.acceptance.models import (
    DEFAULT_REFUSAL_REASONS, DEFAULT_REOPEN_DAYS, AcceptanceAttachment, AcceptanceSetting, DeliveryFeedback, LineAcceptance, Verdict,
)
from plugins.logistics.cases import services as cases
from plugins.logistics.cases.models import ProblemCase
from plugins.logistics.shipments import services as shipments
from plugins.logistics.shipments.models import Shipment

ATTACHMENT_MAX_BYTES = attachments.ATTACHMENT_MAX_BYTES
NOTE_MAX = 2000
COMMENT_MAX = 2000
REASON_CODE_MAX = 64
REASONS_MAX = 30
REOPEN_DAYS_MAX = 365
ZERO = Decimal(0)


# --- the company's refusal reasons ------------------------------------------------


def acceptance_settings(company_id: int) -> AcceptanceSetting:
    """The company's refusal reasons and reopen window; the defaults (not stored) when it has none."""
    return remembered(("logistics.acceptance_settings", company_id), lambda: _read_settings(company_id),
                      tables=(AcceptanceSetting.__tablename__,))


def _read_settings(company_id: int) -> AcceptanceSetting:
    return db.session.get(AcceptanceSetting, company_id) or AcceptanceSetting(
        company_id=company_id, refusal_reasons=list(DEFAULT_REFUSAL_REASONS), reopen_days=DEFAULT_REOPEN_DAYS)


def refusal_reasons(company_id: int) -> list[str]:
    """The company's refusal reasons; the defaults when it lists none."""
    return list(acceptance_settings(company_id).refusal_reasons or DEFAULT_REFUSAL_REASONS)


def update_settings(company: Company, data: Mapping[str, Any], actor: User) -> AcceptanceSetting:
    """Change the refusal reasons and/or the reopen window; fields left out stay as they are."""
    check(actor, "logistics.settings")
    row = acceptance_settings(company.id)
    before = {"refusal_reasons": list(row.refusal_reasons), "reopen_days": row.reopen_days}
    if data.get("refusal_reasons") is not None:
        row.refusal_reasons = _reasons(data["refusal_reasons"])
    if data.get("reopen_days") is not None:
        days = data["reopen_days"]
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= REOPEN_DAYS_MAX:
            raise ValidationError(_("the reopen window is 0 to %(max)s days", max=REOPEN_DAYS_MAX),
                                  field="reopen_days")
        row.reopen_days = days
    if db.session.get(AcceptanceSetting, company.id) is None:
        db.session.add(row)
    flush()
    audit.record(company_id=company.id, order_id=None, entity="logistics_acceptance_setting", entity_id=company.id,
                 action="refusal_reasons_changed", actor=actor, before=before,
                 after={"refusal_reasons": list(row.refusal_reasons), "reopen_days": row.reopen_days})
    return row


def _reasons(reasons: Any) -> list[str]:
    if not isinstance(reasons, list) or not reasons or len(reasons) > REASONS_MAX:
        raise ValidationError(_("the refusal reasons are a list of 1 to %(max)s codes", max=REASONS_MAX),
                              field="refusal_reasons")
    cleaned: list[str] = []
    for index, reason in enumerate(reasons):
        code = shipments._text(reason, f"refusal_reasons[{index}]", REASON_CODE_MAX)
        if code is None or code in cleaned:
            raise ValidationError(_("a refusal reason is given once and is not empty"),
                                  field=f"refusal_reasons[{index}]")
        cleaned.append(code)
    return cleaned


# --- queries -----------------------------------------------------------------------


def verdicts_of(shipment: Shipment) -> dict[int, LineAcceptance]:
    """The shipment's verdicts by shipment line id."""
    rows = db.session.execute(select(LineAcceptance).where(LineAcceptance.shipment_id == shipment.id)).scalars()
    return {row.shipment_line_id: row for row in rows}


def feedback_of(shipment: Shipment) -> DeliveryFeedback | None:
    return db.session.get(DeliveryFeedback, shipment.id)


# --- recording the verdicts ------------------------------------------------------------


def accept_lines(shipment: Shipment, actor: User, lines: Sequence[Mapping[str, Any]], *,
                 signed_by: str | None = None, rating: int | None = None, comment: str | None = None,
                 on_behalf: str | None = None) -> Shipment:
    """Record the verdict on some (or all) of a dispatched shipment's lines.

    Each entry: ``shipment_line_id``, ``verdict`` (accepted, accepted_with_reservations, refused),
    ``note`` (the reservation: required with reservations), and for a refusal ``refused_quantity``
    (the whole line when left out) and ``reason`` (one of the company's refusal reasons).
    """
    check(actor, "logistics.accept")
    order = shipments.own_order(shipment, actor)  # a customer judges only their own orders' goods
    as_ = shipments.recorded_as(actor, on_behalf)
    signed = shipments._text(signed_by, "signed_by", shipments.SIGNED_BY_MAX) or actor.name
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)
                               or rating not in shipments.RATINGS):
        raise ValidationError(_("the rating is a whole number from 1 to 5"), field="rating")
    comment = shipments._text(comment, "comment", COMMENT_MAX)
    shipments.refuse_unless_awaiting(shipment, order)
    if not isinstance(lines, (list, tuple)) or not lines:
        raise ValidationError(_("judge at least one line"), field="lines")
    judged = verdicts_of(shipment)
    by_id = {line.id: line for line in shipment.lines}
    now = utcnow()
    rows: list[LineAcceptance] = []  # checked whole before anything is written
    seen: set[int] = set()
    for index, entry in enumerate(lines):
        where = f"lines[{index}]"
        if not isinstance(entry, Mapping):
            raise ValidationError(_("a line is a shipment line and a verdict"), field=where)
        line_id = entry.get("shipment_line_id")
        line = by_id.get(line_id) if isinstance(line_id, int) and not isinstance(line_id, bool) else None
        if line is None:
            raise ValidationError(_("line %(id)s is not a line of shipment %(number)s", id=line_id,
                                    number=shipment.number), field=f"{where}.shipment_line_id")
        if line.id in judged or line.id in seen:
            raise Conflict(_("line %(id)s of shipment %(number)s is already accepted or refused", id=line_id,
                             number=shipment.number), field=f"{where}.shipment_line_id")
        seen.add(line.id)
        try:
            verdict = Verdict(str(entry.get("verdict")))
        except ValueError:
            raise ValidationError(_("the verdict is accepted, accepted_with_reservations or refused"),
                                  field=f"{where}.verdict") from None
        note = shipments._text(entry.get("note"), f"{where}.note", NOTE_MAX)
        refused, reason = ZERO, None
        if verdict == Verdict.RESERVED and note is None:
            raise ValidationError(_("say what the reservation is"), field=f"{where}.note")
        if verdict == Verdict.REFUSED:
            given = entry.get("refused_quantity")
            refused = line.quantity if given is None else shipments._quantity(given, f"{where}.refused_quantity")
            if refused > line.quantity:
                raise ValidationError(_("%(quantity)s is more than the %(shipped)s shipped of this line",
                                        quantity=shipments._plain(refused), shipped=shipments._plain(line.quantity)),
                                      field=f"{where}.refused_quantity")
            reason = entry.get("reason")
            reasons = refusal_reasons(shipment.company_id)  # read when a line is refused (kept for the next)
            if reason not in reasons:
                raise ValidationError(_("the reason is one of: %(reasons)s", reasons=", ".join(reasons)),
                                      field=f"{where}.reason")
        elif entry.get("refused_quantity") is not None or entry.get("reason") is not None:
            field = "refused_quantity" if entry.get("refused_quantity") is not None else "reason"
            raise ValidationError(_("%(field)s is given only for a refused line", field=field),
                                  field=f"{where}.{field}")
        rows.append(LineAcceptance(
            company_id=shipment.company_id, shipment_id=shipment.id, shipment_line_id=line.id,
            order_id=shipment.order_id, order_line_id=line.order_line_id, verdict=verdict,
            accepted_quantity=line.quantity - refused, refused_quantity=refused, refusal_reason=reason,
            note=note, recorded_as=as_, recorded_by_id=actor.id, recorded_at=now))
    insert_verdicts(rows)
    cases.open_for_verdicts(shipment, rows, actor, now)
    if rating is not None or comment is not None:
        # Only this judging writes the feedback: before the shipment's first verdict there is none to read.
        feedback = ((feedback_of(shipment) if judged else None)
                    or DeliveryFeedback(shipment_id=shipment.id, company_id=shipment.company_id))
        feedback.rating, feedback.comment = rating, comment
        db.session.add(feedback)
    flush()
    audit.record(company_id=shipment.company_id, order_id=shipment.order_id, entity="shipment",
                 entity_id=shipment.id, action="shipment_lines_judged", actor=actor, after={
                     "number": shipment.number, "recorded_as": as_.value, "signed_by": signed, "rating": rating,
                     "comment": comment, "lines": [_facts(row, by_id) for row in rows]})
    if len(judged) + len(rows) == len(shipment.lines):
        reserved = "; ".join(row.note for row in [*judged.values(), *rows]
                             if row.verdict == Verdict.RESERVED and row.note) or None
        shipments.close_shipment(shipment, order, actor, signed_by=signed, reservations=reserved,
                                 rating=rating if rating is not None else shipment.rating)
    return shipment


def sign_whole(shipment: Shipment, actor: User, *, signed_by: str | None, reservations: str | None,
               rating: int | None) -> Shipment:
    """The whole shipment signed for (every line not judged yet accepted); reservations open a case per line."""
    shipments.record_acceptance(shipment, actor, signed_by=signed_by, reservations=reservations, rating=rating)
    if reservations:
        with_case = set(db.session.execute(select(ProblemCase.shipment_line_id).where(
            ProblemCase.shipment_id == shipment.id)).scalars())
        fresh = [row for row in verdicts_of(shipment).values() if row.shipment_line_id not in with_case]
        cases.open_for_verdicts(shipment, fresh, actor, utcnow())
    return shipment


def insert_verdicts(rows: Sequence[LineAcceptance]) -> None:
    """Write the verdicts in one statement, however many lines (an ORM bulk insert)."""
    columns = [column.key for column in LineAcceptance.__table__.columns if column.key != "id"]
    db.session.execute(insert(LineAcceptance), [{key: getattr(row, key) for key in columns} for row in rows])


def attach(shipment: Shipment, actor: User, filename: str | None, content: bytes) -> AcceptanceAttachment:
    """Attach a photo (PNG, JPEG) or a PDF of at most ``ATTACHMENT_MAX_BYTES`` to the delivery's acceptance.

    The type is read from the content, not from the name or the client's word.
    """
    check(actor, "logistics.accept")
    shipments.own_order(shipment, actor)  # a customer attaches only to their own orders' deliveries
    name, kind = attachments.checked_attachment(filename, content, unnamed="attachment", max_bytes=ATTACHMENT_MAX_BYTES)
    row = AcceptanceAttachment(company_id=shipment.company_id, shipment_id=shipment.id, filename=name,
                               content_type=kind, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                               content=content, uploaded_by_id=actor.id, uploaded_at=utcnow())
    db.session.add(row)
    flush()
    audit.record(company_id=shipment.company_id, order_id=shipment.order_id, entity="shipment",
                 entity_id=shipment.id, action="acceptance_attachment_added", actor=actor,
                 after={"number": shipment.number, "filename": name, "content_type": kind, "size": len(content)})
    return row


def attachments_of(shipment: Shipment) -> list[AcceptanceAttachment]:
    return list(db.session.execute(
        select(AcceptanceAttachment).where(AcceptanceAttachment.shipment_id == shipment.id)
        .order_by(AcceptanceAttachment.id).options(defer(AcceptanceAttachment.content))).scalars())


def get_attachment(shipment: Shipment, attachment_id: int) -> AcceptanceAttachment:
    row = db.session.get(AcceptanceAttachment, attachment_id)
    if row is None or row.shipment_id != shipment.id:
        raise NotFound(_("attachment %(id)s does not exist", id=attachment_id))
    return row


def _facts(row: LineAcceptance, by_id: Mapping[int, Any]) -> dict[str, Any]:
    return {"line_no": by_id[row.shipment_line_id].order_line.line_no, "order_line_id": row.order_line_id,
            "verdict": row.verdict.value, "accepted_quantity": shipments._plain(row.accepted_quantity),
            "refused_quantity": shipments._plain(row.refused_quantity), "reason": row.refusal_reason,
            "note": row.note}
