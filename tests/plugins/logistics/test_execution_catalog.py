"""Execution templates: one per product line, saved whole, one default per company, a product in one line."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db import commit
from core.errors import PermissionDenied, ValidationError
from core.extensions import db
from core.models import AuditEntry
from plugins.logistics.execution import catalog
from tests.plugins.logistics import execution


def test_saving_a_template_again_keeps_the_tasks_it_keeps(app, world):
    template = execution.template(world)
    kept = {task.key: task.id for task in template.tasks}
    tasks = [dict(task) for task in execution.STANDARD_TASKS[:3]]
    tasks[1]["hours"] = "20"

    catalog.update_template(template, world.users["administrator"], {"tasks": tasks})
    commit()

    assert [(task.key, task.id, str(task.hours)) for task in template.tasks] == [
        ("material", kept["material"], "8.00"), ("make", kept["make"], "20.00"), ("check", kept["check"], "4.00")]
    saved = db.session.execute(select(AuditEntry).where(AuditEntry.action == "template_saved")
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert [task["key"] for task in saved.before["tasks"]][-1] == "ship" and len(saved.after["tasks"]) == 3


def test_one_default_template_per_company(app, world):
    first = execution.template(world, code="A")
    second = execution.template(world, code="B")
    assert (first.is_default, second.is_default) == (False, True)


def test_only_who_edits_templates_does(app, world):
    with pytest.raises(PermissionDenied):
        catalog.create_template(world.users["production"], {"code": "X", "name": "X",
                                                             "tasks": execution.STANDARD_TASKS})


def test_a_person_must_be_active_staff(app, world):
    tasks = [{"key": "a", "name": "A", "user_id": world.customer_user.id, "hours": "1"}]
    with pytest.raises(ValidationError) as refused:
        execution.template(world, tasks)
    assert refused.value.field == "tasks[0].user_id"
