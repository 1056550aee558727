"""The company's execution templates: one per product line, edited by administrators.

Core master data has no product line, so a template is the line: it lists the
products its tasks make, and the company's default template makes every product
that no template lists. Keeping the grouping here, where it is used, leaves the
core's products untouched and lets a company without logistics ignore it.

A template's tasks name each other by ``key``; a dependency on an unknown key, on
the task itself or round a loop is refused naming the tasks. Saving replaces the
template's tasks and products with those given, keeping the rows whose key (or
product) stays, so a template can be saved with its own keys again.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from core import audit
from core.auth.context import check
from core.db import flush, is_id
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.models import Product, Role, User, utcnow
from plugins.logistics.execution.models import HOURS_FIGURE, ExecutionTemplate, TaskKind, TemplateProduct, TemplateTask
from plugins.logistics.execution.schedule import Cycle, Step, ordered

EDIT = "logistics.templates"
CODE_MAX = 32
NAME_MAX = 120
KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
MAX_TASKS = 60
MAX_PRODUCTS = 2000
MAX_HOURS = Decimal("10000")  # more than a year of working days: a typo, not a task


def templates_of(company_id: int) -> Select[Any]:
    """The company's templates, as a query to narrow further."""
    return select(ExecutionTemplate).where(ExecutionTemplate.company_id == company_id)


def get_template(user: User, template_id: Any) -> ExecutionTemplate:
    """One template of the user's company, or NotFound (also for another company's)."""
    template = None
    if isinstance(template_id, int) and is_id(template_id):
        template = db.session.execute(
            templates_of(user.company_id).where(ExecutionTemplate.id == template_id)).scalar_one_or_none()
    if template is None:
        raise NotFound(_("execution template %(id)s does not exist", id=template_id))
    return template


def create_template(actor: User, data: Mapping[str, Any]) -> ExecutionTemplate:
    """A new template from ``data``: ``code``, ``name``, ``tasks`` and optionally ``is_default``, ``active``,
    ``product_ids``."""
    check(actor, EDIT)
    for required in ("code", "name", "tasks"):
        if data.get(required) is None:
            raise ValidationError(_("%(field)s is required", field=required), field=required)
    template = ExecutionTemplate(company_id=actor.company_id, is_default=False, active=True)
    _apply(template, actor, data)
    db.session.add(template)
    flush()
    _audit(template, "template_saved", actor, before=None)
    return template


def update_template(template: ExecutionTemplate, actor: User, data: Mapping[str, Any]) -> ExecutionTemplate:
    """Change what ``data`` names (``tasks`` and ``product_ids`` replace the template's)."""
    check(actor, EDIT)
    before = _state(template)
    _apply(template, actor, data)
    template.changed_at = utcnow()
    flush()
    _audit(template, "template_saved", actor, before=before)
    return template


def delete_template(template: ExecutionTemplate, actor: User) -> str:
    """Remove a template; plans drafted from it keep their tasks and the line's name. Returns its code."""
    check(actor, EDIT)
    _audit(template, "template_deleted", actor, before=_state(template), deleted=True)
    db.session.delete(template)
    flush()
    return template.code


def role_names(company_id: int) -> list[str]:
    """The names of the company's roles: the departments a task may go to."""
    return list(db.session.execute(select(Role.name).where(Role.company_id == company_id)
                                   .order_by(Role.name)).scalars())


def products_named(company_id: int, ids: Sequence[int]) -> list[Product]:
    """The company's products of ``ids``, in that order (unknown ids left out)."""
    if not ids:
        return []
    found = {product.id: product for product in db.session.execute(select(Product).where(
        Product.company_id == company_id, Product.id.in_([i for i in ids if is_id(i)]))).scalars()}
    return [found[ident] for ident in ids if ident in found]


def staff(company_id: int) -> list[User]:
    """The company's active staff (not customers' users): the people a task may go to."""
    return list(db.session.execute(select(User).where(
        User.company_id == company_id, User.active.is_(True), User.customer_id.is_(None)).order_by(User.name, User.id)
    ).scalars())


# --- checking and applying what was sent ------------------------------------------


def _apply(template: ExecutionTemplate, actor: User, data: Mapping[str, Any]) -> None:
    company_id = actor.company_id
    if "code" in data:
        template.code = _code(data["code"], company_id, template)
    if "name" in data:
        template.name = _text(data["name"], "name", NAME_MAX, required=True) or ""
    if data.get("active") is not None:
        template.active = _flag(data["active"], "active")
    if data.get("is_default") is not None:
        template.is_default = _flag(data["is_default"], "is_default")
        if template.is_default:
            others = db.session.execute(templates_of(company_id).where(
                ExecutionTemplate.is_default.is_(True), ExecutionTemplate.id != template.id)).scalars()
            for other in others:  # one default per company: the last one made default wins
                other.is_default = False
    if data.get("tasks") is not None:
        _set_tasks(template, company_id, data["tasks"])
    if data.get("product_ids") is not None:
        _set_products(template, company_id, data["product_ids"])


def _code(value: Any, company_id: int, template: ExecutionTemplate) -> str:
    code = _text(value, "code", CODE_MAX, required=True) or ""
    taken = db.session.execute(templates_of(company_id).where(
        ExecutionTemplate.code == code, ExecutionTemplate.id != template.id)).scalar_one_or_none()
    if taken is not None:
        raise Conflict(_("an execution template with the code %(code)s already exists", code=code), field="code")
    return code


def _set_tasks(template: ExecutionTemplate, company_id: int, given: Any) -> None:
    if not isinstance(given, Sequence) or isinstance(given, (str, bytes)):
        raise ValidationError(_("tasks must be a list"), field="tasks")
    if not given:
        raise ValidationError(_("a template needs at least one task"), field="tasks")
    if len(given) > MAX_TASKS:
        raise ValidationError(_("a template has at most %(max)s tasks", max=MAX_TASKS), field="tasks")
    roles = set(role_names(company_id))
    people = _people(company_id, given)
    specs: list[dict[str, Any]] = []
    keys: set[str] = set()
    for index, raw in enumerate(given):
        spec = _task(index, raw, roles, people)
        if spec["key"] in keys:
            raise ValidationError(_("task %(n)s: another task already has the key %(key)s", n=index + 1,
                                    key=spec["key"]), field=f"tasks[{index}].key")
        keys.add(spec["key"])
        specs.append(spec)
    for index, spec in enumerate(specs):
        for key in spec["depends_on"]:
            if key == spec["key"]:
                raise ValidationError(_("task %(task)s cannot wait for itself", task=spec["name"]),
                                      field=f"tasks[{index}].depends_on")
            if key not in keys:
                raise ValidationError(_("task %(task)s waits for %(key)s, which is not a task of this template",
                                        task=spec["name"], key=key), field=f"tasks[{index}].depends_on")
    try:
        ordered([Step(spec["key"], spec["name"], spec["hours"], tuple(spec["depends_on"])) for spec in specs])
    except Cycle as cycle:
        first = next(i for i, spec in enumerate(specs) if spec["name"] == cycle.names[0])
        raise ValidationError(_("the tasks wait for each other in a loop: %(loop)s", loop=str(cycle)),
                              field=f"tasks[{first}].depends_on") from cycle
    existing = {task.key: task for task in template.tasks}
    kept: list[TemplateTask] = []
    for position, spec in enumerate(specs, start=1):
        task = existing.get(spec["key"]) or TemplateTask(key=spec["key"])
        task.position = position
        for name in ("name", "kind", "role", "user_id", "hours", "depends_on"):
            setattr(task, name, spec[name])
        kept.append(task)
    template.tasks = kept


def _task(index: int, raw: Any, roles: set[str], people: Mapping[int, User]) -> dict[str, Any]:
    where = f"tasks[{index}]"
    if not isinstance(raw, Mapping):
        raise ValidationError(_("task %(n)s must be an object", n=index + 1), field=where)
    key = _text(raw.get("key"), f"{where}.key", 32, required=True) or ""
    if not KEY.match(key):
        raise ValidationError(_("task %(n)s: a key is letters, digits, - and _ (%(key)s is not)", n=index + 1,
                                key=key), field=f"{where}.key")
    name = _text(raw.get("name"), f"{where}.name", NAME_MAX, required=True) or ""
    try:
        kind = TaskKind(raw.get("kind") or TaskKind.OTHER)
    except ValueError:
        raise ValidationError(_("task %(n)s: %(kind)s is not a kind of task", n=index + 1, kind=raw.get("kind")),
                              field=f"{where}.kind") from None
    role = _text(raw.get("role"), f"{where}.role", 64)
    if role is not None and role not in roles:
        raise ValidationError(_("task %(n)s: the company has no role %(role)s", n=index + 1, role=role),
                              field=f"{where}.role")
    user_id = raw.get("user_id")
    if user_id is not None and (not _is_int(user_id) or user_id not in people):
        raise ValidationError(_("task %(n)s: user %(user)s is not an active member of the staff", n=index + 1,
                                user=user_id), field=f"{where}.user_id")
    if role is None and user_id is None:
        raise ValidationError(_("task %(n)s needs a department or a person responsible", n=index + 1),
                              field=f"{where}.role")
    hours = _hours(raw.get("hours"), index)
    depends_on = raw.get("depends_on") or []
    if isinstance(depends_on, str):
        depends_on = [part.strip() for part in depends_on.split(",") if part.strip()]
    if not isinstance(depends_on, Sequence) or not all(isinstance(key, str) for key in depends_on):
        raise ValidationError(_("task %(n)s: depends_on lists the keys of other tasks", n=index + 1),
                              field=f"{where}.depends_on")
    return {"key": key, "name": name, "kind": kind, "role": role, "user_id": user_id, "hours": hours,
            "depends_on": sorted(set(depends_on), key=list(depends_on).index)}


def _hours(value: Any, index: int) -> Decimal:
    field = f"tasks[{index}].hours"
    try:
        hours = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        hours = None
    if hours is None or not hours.is_finite():
        raise ValidationError(_("task %(n)s: give its duration in working hours", n=index + 1), field=field)
    refusal = HOURS_FIGURE.refusal(hours)
    if refusal is not None:
        raise ValidationError(_("task %(n)s: the hours %(refusal)s", n=index + 1, refusal=refusal), field=field)
    if not Decimal(0) < hours <= MAX_HOURS:
        raise ValidationError(_("task %(n)s: the duration is more than 0 and at most %(max)s working hours",
                                n=index + 1, max=MAX_HOURS), field=field)
    return hours


def _people(company_id: int, given: Sequence[Any]) -> dict[int, User]:
    ids = list({ident for raw in given if isinstance(raw, Mapping)
                for ident in [raw.get("user_id")] if _is_int(ident) and is_id(ident)})
    if not ids:
        return {}
    return {user.id: user for user in db.session.execute(select(User).where(
        User.id.in_(ids), User.company_id == company_id, User.active.is_(True), User.customer_id.is_(None))
    ).scalars()}


def _set_products(template: ExecutionTemplate, company_id: int, given: Any) -> None:
    if (not isinstance(given, Sequence) or isinstance(given, (str, bytes))
            or not all(_is_int(ident) for ident in given)):
        raise ValidationError(_("product_ids must be a list of product ids"), field="product_ids")
    if len(given) > MAX_PRODUCTS:
        raise ValidationError(_("a template lists at most %(max)s products", max=MAX_PRODUCTS), field="product_ids")
    wanted = list(dict.fromkeys(given))
    found = {product.id: product for product in db.session.execute(select(Product).where(
        Product.company_id == company_id, Product.id.in_([i for i in wanted if is_id(i)]))).scalars()}
    missing = [ident for ident in wanted if ident not in found]
    if missing:
        raise ValidationError(_("product %(id)s does not exist", id=missing[0]), field="product_ids")
    elsewhere = db.session.execute(
        select(TemplateProduct.product_id, ExecutionTemplate.code)
        .join(ExecutionTemplate, ExecutionTemplate.id == TemplateProduct.template_id)
        .where(TemplateProduct.company_id == company_id, TemplateProduct.product_id.in_(wanted),
               TemplateProduct.template_id != (template.id or 0))).first()
    if elsewhere is not None:
        raise Conflict(_("product %(product)s is already in the line of template %(template)s; take it out there "
                         "first", product=found[elsewhere.product_id].code, template=elsewhere.code),
                       field="product_ids")
    current = {row.product_id: row for row in template.product_rows}
    template.product_rows = [current.get(ident) or TemplateProduct(company_id=company_id, product_id=ident,
                                                                   product=found[ident])
                             for ident in wanted]


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str | None:
    if value is None:
        text = ""
    elif not isinstance(value, str):
        raise ValidationError(_("%(field)s must be text", field=field), field=field)
    else:
        text = value.strip()
    if required and not text:
        raise ValidationError(_("%(field)s is required", field=field), field=field)
    if len(text) > max_length:
        raise ValidationError(_("%(field)s is longer than %(max)s characters", field=field, max=max_length),
                              field=field)
    return text or None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("%(field)s must be true or false", field=field), field=field)
    return value


def _state(template: ExecutionTemplate) -> dict[str, Any]:
    return {
        "code": template.code, "name": template.name, "is_default": template.is_default, "active": template.active,
        "products": sorted(row.product_id for row in template.product_rows),
        "tasks": [{"key": task.key, "name": task.name, "kind": task.kind.value, "role": task.role,
                   "user_id": task.user_id, "hours": str(task.hours), "depends_on": list(task.depends_on)}
                  for task in template.tasks],
    }


def _audit(template: ExecutionTemplate, action: str, actor: User, *, before: dict[str, Any] | None,
           deleted: bool = False) -> None:
    audit.record(company_id=template.company_id, entity="execution_template", entity_id=template.id, action=action,
                 actor=actor, before=before, after=None if deleted else _state(template))
