"""Labels of execution plans: task kinds, plan and task statuses, and the audit actions of plans and templates."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from plugins.logistics.execution.models import PlanStatus, TaskKind, TaskStatus

LABELS: Mapping[str, Mapping[str, Any]] = {
    "task_kind": {
        TaskKind.PREPARATION: _l("Material preparation"),
        TaskKind.PRODUCTION: _l("Production"),
        TaskKind.QUALITY: _l("Quality check"),
        TaskKind.PACKING: _l("Packing"),
        TaskKind.DISPATCH: _l("Dispatch"),
        TaskKind.SERVICE: _l("Service"),
        TaskKind.OTHER: _l("Other"),
    },
    "status.execution_plan": {
        PlanStatus.DRAFT: _l("Draft plan"),
        PlanStatus.CONFIRMED: _l("Confirmed"),
        PlanStatus.DONE: _l("Done"),
        PlanStatus.CANCELLED: _l("Cancelled"),
    },
    "status.execution_task": {
        TaskStatus.OPEN: _l("Not started"),
        TaskStatus.STARTED: _l("In progress"),
        TaskStatus.DONE: _l("Done"),
        TaskStatus.CANCELLED: _l("Cancelled"),
    },
    "audit.action": {
        "plan_drafted": _l("Execution plan drafted"),
        "plan_confirmed": _l("Execution plan confirmed"),
        "plan_replanned": _l("Execution plan re-planned after a change"),
        "task_adjusted": _l("Task re-planned"),
        "task_started": _l("Task started"),
        "task_completed": _l("Task done"),
        "template_saved": _l("Execution template saved"),
        "template_deleted": _l("Execution template deleted"),
    },
}
