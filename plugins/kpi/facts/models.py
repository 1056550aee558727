"""KPI facts: kpi's own tables, written from the stage events' payloads and never from another plugin's tables.

- :class:`KpiEvent`: one row per stage event of an order (the dashboard counts them);
- :class:`KpiTask`: one row per piece of stage work done (intake, a review step, an execution task, a problem
  case resolved): who, which department, when it arrived, when it was due and when it was done (order
  processing timeliness);
- :class:`KpiCase`: one row per problem case opened on an order (its accuracy);
- :class:`KpiOrder`: one row per delivered order: corrections, refused and reserved lines, problem cases,
  rating (order accuracy and customer satisfaction);
- :class:`KpiMoney`: amounts falling due and amounts collected, each at its moment (collection rate, DSO);
- :class:`KpiInvoice`: one row per invoice (version) issued: its amount, when it was issued and falls due.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import Money, UTCDateTime, enum_column, utcnow
from core.orders.events import EventFact

# What happened to the order: the core's event table names the fact kinds, KPIs count them.
KpiEventKind = EventFact

DECISION_KINDS = (KpiEventKind.APPROVED, KpiEventKind.REJECTED, KpiEventKind.SENT_BACK)


class KpiEvent(Model):
    """A fact: an order went through a stage event at a moment (with the money it moved, for payments)."""

    __tablename__ = "kpi_event"
    __table_args__ = (Index("ix_kpi_event_company_at", "company_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    event: Mapped[KpiEventKind] = mapped_column(enum_column(KpiEventKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # What a payment paid (``paid``) or a reversal took back (``payment_reversed``); None for other events.
    amount: Mapped[Decimal | None] = mapped_column(Money())
    # The department that answers for the event, when the event says so.
    department: Mapped[str | None] = mapped_column(String(64))
    # Hours from the order's submission to this event (None before submission).
    hours_since_submission: Mapped[Decimal | None] = mapped_column(Numeric(10, 2, asdecimal=True))

    def __repr__(self) -> str:
        return f"<KpiEvent {self.event.value} order={self.order_id}>"


class TaskStage(enum.StrEnum):
    """The stage work a task fact measures."""

    INTAKE = "intake"  # from the order's receipt to its first submission (the company's intake limit)
    REVIEW = "review"  # one review step, from its opening to its decision (the step's limit)
    EXECUTION = "execution"  # an execution task, from when it could be worked to its completion (its due time)
    CASE = "case"  # a problem case, from its opening to its resolution (its limit)


class KpiTask(Model):
    """A piece of stage work done: it arrived, was due (or had no limit) and was done, by a person of a department."""

    __tablename__ = "kpi_task"
    # Covering the indicators' and scorecards' queries: the period's rows of the company (of a department, of
    # a person) are read from the index alone.
    __table_args__ = (Index("ix_kpi_task_company_done", "company_id", "done_at", "on_time"),
                      Index("ix_kpi_task_department", "company_id", "department", "done_at", "on_time"),
                      Index("ix_kpi_task_person", "company_id", "person_id", "done_at", "on_time"),
                      # The cycle times' ranks on SQLite: a group's durations in order (kpi_0005).
                      Index("ix_kpi_task_durations", "company_id", "stage", "department", "seconds", "done_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    stage: Mapped[TaskStage] = mapped_column(enum_column(TaskStage))
    department: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # who did it; None: rules or nobody
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: no limit, neither on time nor late
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())
    on_time: Mapped[bool | None] = mapped_column()  # done at or before due_at; None without a limit
    seconds: Mapped[int] = mapped_column()  # from arrival to done: the cycle time of the stage

    def __repr__(self) -> str:
        return f"<KpiTask {self.stage.value}/{self.department} order={self.order_id}>"


class KpiCase(Model):
    """A problem case opened on an order: the order is not accurate, whenever the case was opened."""

    __tablename__ = "kpi_case"
    __table_args__ = (Index("ix_kpi_case_company_opened", "company_id", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    number: Mapped[str] = mapped_column(String(48))
    case_type: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(24))  # refusal, reservation or report
    department: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<KpiCase {self.number} order={self.order_id}>"


class KpiOrder(Model):
    """A delivered order as accuracy and satisfaction see it."""

    __tablename__ = "kpi_order"
    __table_args__ = (Index("ix_kpi_order_company_delivered", "company_id", "delivered_at", "accurate", "rating"),
                      Index("ix_kpi_order_salesperson", "company_id", "salesperson_id", "delivered_at", "accurate",
                            "rating"),
                      Index("ix_kpi_order_lead", "company_id", "lead_seconds", "delivered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # who entered the order
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # From the order's (latest) submission to its delivery: the order's lead time; None if never submitted.
    lead_seconds: Mapped[int | None] = mapped_column()
    corrections: Mapped[int] = mapped_column(default=0)  # changes applied after submission, before delivery
    refused_lines: Mapped[int] = mapped_column(default=0)
    reserved_lines: Mapped[int] = mapped_column(default=0)
    cases: Mapped[int] = mapped_column(default=0, server_default="0")  # problem cases opened, before or after
    accurate: Mapped[bool] = mapped_column()  # no correction, no refused or reserved line, no problem case
    rating: Mapped[int | None] = mapped_column()  # the customer's, 1 to 5; None when not given

    def __repr__(self) -> str:
        return f"<KpiOrder order={self.order_id} accurate={self.accurate}>"


class MoneyKind(enum.StrEnum):
    DUE = "due"  # the order's total falls due (on its payment terms)
    COLLECTED = "collected"  # a payment received; a reversal collects a negative amount


class KpiMoney(Model):
    """An amount falling due or collected at a moment, with the customer and salesperson it counts for."""

    __tablename__ = "kpi_money"
    __table_args__ = (Index("ix_kpi_money_company_at", "company_id", "at", "kind", "amount"),
                      Index("ix_kpi_money_salesperson", "company_id", "salesperson_id", "at", "kind", "amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[MoneyKind] = mapped_column(enum_column(MoneyKind))
    amount: Mapped[Decimal] = mapped_column(Money())
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<KpiMoney {self.kind.value} {self.amount} order={self.order_id}>"


class KpiInvoice(Model):
    """An invoice issued for an order (each version after a change is one more), as billing told it."""

    __tablename__ = "kpi_invoice"
    __table_args__ = (Index("ix_kpi_invoice_company_issued", "company_id", "issued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    salesperson_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    number: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column()
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(String(3))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_date: Mapped[date] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<KpiInvoice {self.number} order={self.order_id}>"
