"""A plugin with one periodic job: every minute it tidies up for each company that uses it."""
from __future__ import annotations

from datetime import datetime, timedelta

from core import audit
from core.contracts import Job
from core.hookspecs import hookimpl
from core.jobs import per_company
from core.models import Company


def tidy(company: Company, now: datetime) -> str:
    audit.record(company_id=company.id, entity="job", entity_id=None, action="chores_tidied", actor=None,
                 after={"at": now.isoformat()})
    return "tidied"


@hookimpl
def ordo_jobs() -> list[Job]:
    return [Job("chores.tidy", every=timedelta(minutes=1), run=per_company("chores", tidy),
                description="Tidy up for every company using chores.")]
