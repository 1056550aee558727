"""The company's warehouses: one by default, made the first time the company needs one; more made and
renamed by whoever keeps the warehouses (``stock.warehouse``)."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core import audit
from core.auth.context import check
from core.db import flush, is_id
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.models import User
from plugins.stock.models import StockWarehouse

DEFAULT_CODE = "MAIN"
WAREHOUSE = "stock.warehouse"  # the permission to create and rename warehouses


def warehouses_of(company_id: int) -> list[StockWarehouse]:
    """The company's warehouses, the default first."""
    return list(db.session.execute(select(StockWarehouse).where(StockWarehouse.company_id == company_id)
                                   .order_by(StockWarehouse.is_default.desc(), StockWarehouse.id)).scalars())


def default_warehouse(company_id: int) -> StockWarehouse:
    """The company's default warehouse, made (``MAIN``) when it has none yet."""
    found = db.session.execute(select(StockWarehouse).where(
        StockWarehouse.company_id == company_id, StockWarehouse.is_default.is_(True))).scalar_one_or_none()
    if found is None:
        # Named by its code: a name in the words of whoever first needed it would read wrong to everyone else.
        found = StockWarehouse(company_id=company_id, code=DEFAULT_CODE, name=DEFAULT_CODE, is_default=True)
        db.session.add(found)
        flush()
    return found


def warehouse_for(company_id: int, warehouse_id: Any, field: str = "warehouse_id") -> StockWarehouse:
    """The warehouse a client named (the default when it named none); another company's is a 404 on the field."""
    if warehouse_id is None:
        return default_warehouse(company_id)
    if not isinstance(warehouse_id, int) or isinstance(warehouse_id, bool) or not is_id(warehouse_id):
        raise ValidationError(_("the warehouse is given by its id"), field=field)
    found = db.session.get(StockWarehouse, warehouse_id)
    if found is None or found.company_id != company_id:
        raise NotFound(_("warehouse %(id)s does not exist", id=warehouse_id), field=field)
    return found


CODE_MAX = 32
NAME_MAX = 200


def _field(value: Any, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(_("this is required"), field=field)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(_("at most %(limit)s characters", limit=limit), field=field)
    return value


def _refuse_taken(company_id: int, code: str, but: int | None = None) -> None:
    taken = db.session.execute(select(StockWarehouse.id).where(
        StockWarehouse.company_id == company_id, StockWarehouse.code == code)).scalar_one_or_none()
    if taken is not None and taken != but:
        raise ValidationError(_("the company has a warehouse %(code)s already", code=code), field="code")


def create_warehouse(actor: User, *, code: Any, name: Any) -> StockWarehouse:
    """Another place the company keeps goods; its code is unique in the company. The company's first is its
    default (the one receipts, adjustments and returns use when none is named)."""
    check(actor, WAREHOUSE)
    code = _field(code, "code", CODE_MAX)
    name = _field(name, "name", NAME_MAX)
    _refuse_taken(actor.company_id, code)
    first = db.session.execute(select(StockWarehouse.id).where(
        StockWarehouse.company_id == actor.company_id).limit(1)).first() is None
    warehouse = StockWarehouse(company_id=actor.company_id, code=code, name=name, is_default=first)
    db.session.add(warehouse)
    flush()  # two clerks making the same code at once: the second is a Conflict
    audit.record(company_id=actor.company_id, entity="stock_warehouse", entity_id=warehouse.id,
                 action="stock_warehouse_created", actor=actor, after={"code": code, "name": name})
    return warehouse


def rename_warehouse(actor: User, warehouse_id: Any, *, code: Any = None, name: Any = None) -> StockWarehouse:
    """A warehouse's new code or name (either may be left out); its moves keep pointing at it."""
    check(actor, WAREHOUSE)
    warehouse = warehouse_for(actor.company_id, warehouse_id, field="id")
    before = {"code": warehouse.code, "name": warehouse.name}
    if code is not None:
        code = _field(code, "code", CODE_MAX)
        _refuse_taken(actor.company_id, code, but=warehouse.id)
        warehouse.code = code
    if name is not None:
        warehouse.name = _field(name, "name", NAME_MAX)
    flush()
    audit.record(company_id=actor.company_id, entity="stock_warehouse", entity_id=warehouse.id,
                 action="stock_warehouse_renamed", actor=actor, before=before,
                 after={"code": warehouse.code, "name": warehouse.name})
    return warehouse
