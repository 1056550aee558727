"""Execution templates per product line, and each approved order's plan: tasks, people, dates, dependencies.

A template is a product line: the products it lists (or, for the company's
default template, every product no template lists) are made by its tasks. A
plan holds one group of tasks per template among the order's lines, each task
with a responsible person, a due date counted back from the promised date, and
the tasks it waits for.
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.extensions import Model
from core.figures import Fixed
from core.models import Order, Product, User
from core.models.types import Quantity, UTCDateTime, enum_column, utcnow

HOURS_FIGURE = Fixed(7, 2)  # a task's duration in working hours: up to 99,999.99


def Hours() -> Numeric:  # noqa: N802 - reads like a type in column declarations
    return Numeric(*HOURS_FIGURE, asdecimal=True)


class TaskKind(enum.StrEnum):
    """What a task is, as the procedure names the work: its label, and whether it is production."""

    PREPARATION = "preparation"  # 备料
    PRODUCTION = "production"  # 生产
    QUALITY = "quality"  # 质检
    PACKING = "packing"  # 包装
    DISPATCH = "dispatch"  # 发货
    SERVICE = "service"  # 服务: the production of a service product
    OTHER = "other"

    @property
    def is_production(self) -> bool:
        """Starting it puts the order into production: the execution gates are asked first."""
        return self in (TaskKind.PRODUCTION, TaskKind.SERVICE)


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # drafted on approval; the planner adjusts and confirms it
    CONFIRMED = "confirmed"  # its people work it
    DONE = "done"  # every task is done
    CANCELLED = "cancelled"  # the order was cancelled


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    STARTED = "started"
    DONE = "done"
    CANCELLED = "cancelled"  # its order was cancelled, or a change took its lines away


OPEN_TASKS = (TaskStatus.OPEN, TaskStatus.STARTED)


class ExecutionTemplate(Model):
    """A product line's execution template: the tasks that make its products."""

    __tablename__ = "logistics_template"
    __table_args__ = (UniqueConstraint("company_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    # Makes every product that no template lists; at most one per company.
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    tasks: Mapped[list[TemplateTask]] = relationship(
        back_populates="template", cascade="all, delete-orphan", order_by="TemplateTask.position", lazy="selectin")
    product_rows: Mapped[list[TemplateProduct]] = relationship(
        back_populates="template", cascade="all, delete-orphan", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<ExecutionTemplate {self.code}>"


class TemplateProduct(Model):
    """A product of a template's line; a product belongs to one line of its company at most."""

    __tablename__ = "logistics_template_product"
    __table_args__ = (UniqueConstraint("company_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("logistics_template.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))

    template: Mapped[ExecutionTemplate] = relationship(back_populates="product_rows")
    product: Mapped[Product] = relationship(lazy="joined")


class TemplateTask(Model):
    """One task of a template: its department's work, who does it by default, how long, after what."""

    __tablename__ = "logistics_template_task"
    __table_args__ = (UniqueConstraint("template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("logistics_template.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(32))  # what other tasks of the template name it by
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind))
    # The department (a role's name) whose least-loaded member is responsible, unless ``user_id`` names one.
    role: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    hours: Mapped[Decimal] = mapped_column(Hours())
    depends_on: Mapped[list[str]] = mapped_column(JSON, default=list)  # keys of this template's tasks

    template: Mapped[ExecutionTemplate] = relationship(back_populates="tasks")
    user: Mapped[User | None] = relationship(lazy="joined")


class ExecutionPlan(Model):
    """An approved order's execution plan, drafted from the templates of its lines."""

    __tablename__ = "logistics_plan"
    __table_args__ = (
        UniqueConstraint("order_id"),
        # The inbox counts the plans waiting to be confirmed (drafts) of a company, and lists them by target date.
        Index("ix_logistics_plan_company_status_target", "company_id", "status", "target_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"))
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), default=PlanStatus.DRAFT)
    revision: Mapped[int] = mapped_column(default=1)  # the order's revision it was last planned for
    target_date: Mapped[date] = mapped_column(Date)  # the promised (else requested) date it plans for
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())  # the start of that day: every task is done by then
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The planner confirmed it knowing it misses the promised date.
    accepted_late: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship(lazy="joined")
    tasks: Mapped[list[ExecutionTask]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="ExecutionTask.position", lazy="selectin")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<ExecutionPlan order={self.order_id} {self.status}>"


class ExecutionTask(Model):
    """A task of a plan (a milestone in the API): who, by when, after what, and how it went."""

    __tablename__ = "logistics_task"
    __table_args__ = (
        # "My open tasks" and the least-loaded member of a role are asked by person and status.
        Index("ix_logistics_task_assignee_status", "company_id", "assignee_id", "status"),
        # "My tasks" pages a person's tasks by due time.
        Index("ix_logistics_task_assignee_due", "company_id", "assignee_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    plan_id: Mapped[int] = mapped_column(ForeignKey("logistics_plan.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    # The line group: the template whose lines the task makes, by name as drafted, and those lines.
    template_id: Mapped[int | None] = mapped_column(ForeignKey("logistics_template.id", ondelete="SET NULL"))
    group_name: Mapped[str] = mapped_column(String(120))
    line_nos: Mapped[list[int]] = mapped_column(JSON, default=list)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind))
    role: Mapped[str | None] = mapped_column(String(64))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hours: Mapped[Decimal] = mapped_column(Hours())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[TaskStatus] = mapped_column(enum_column(TaskStatus), default=TaskStatus.OPEN)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    quantity_done: Mapped[Decimal | None] = mapped_column(Quantity())
    # A change approved after the task was done touched its lines: the work may need redoing.
    invalidated_revision: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)

    plan: Mapped[ExecutionPlan] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")
    # Read here, written as TaskDependency rows (``services.set_dependencies``): a task table that depended
    # on itself would make every flush insert its tasks one by one.
    depends_on: Mapped[list[ExecutionTask]] = relationship(
        secondary="logistics_task_dependency", primaryjoin="ExecutionTask.id == TaskDependency.task_id",
        secondaryjoin="ExecutionTask.id == TaskDependency.depends_on_id", lazy="selectin",
        order_by="ExecutionTask.position", viewonly=True)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TASKS

    def __repr__(self) -> str:
        return f"<ExecutionTask {self.key} order={self.order_id} {self.status}>"


class TaskDependency(Model):
    """A task of a plan waits for another of the same plan."""

    __tablename__ = "logistics_task_dependency"

    task_id: Mapped[int] = mapped_column(ForeignKey("logistics_task.id", ondelete="CASCADE"), primary_key=True)
    depends_on_id: Mapped[int] = mapped_column(ForeignKey("logistics_task.id", ondelete="CASCADE"),
                                               primary_key=True, index=True)

    task: Mapped[ExecutionTask] = relationship(foreign_keys=[task_id])
    prerequisite: Mapped[ExecutionTask] = relationship(foreign_keys=[depends_on_id])
