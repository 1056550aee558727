"""The lease and the last run of each periodic job, shared by every ``ordo worker``."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import Model
from core.models.types import UTCDateTime, enum_column


class JobOutcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # rolled back; the job is tried again when it is next due


class JobLease(Model):
    """One row per job: which worker may run it until when, and how its last run went.

    Not a business row, so it belongs to no company: a job works for every
    company that uses its plugin.
    """

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))  # the worker holding the lease, or the last one
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None or past: free
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_outcome: Mapped[JobOutcome | None] = mapped_column(enum_column(JobOutcome))
    last_result: Mapped[str | None] = mapped_column(Text)  # what the run did, or its error
