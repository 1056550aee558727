"""The company's warehouses: one by default, made the first time the company needs one."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from core.db import flush, is_id
from core.errors import NotFound, ValidationError
from core.extensions import db
from plugins.stock.models import StockWarehouse

DEFAULT_CODE = "MAIN"


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


def warehouse_for(company_id: int, warehouse_id: Any) -> StockWarehouse:
    """The warehouse a client named (the default when it named none); another company's is a 404 on the field."""
    if warehouse_id is None:
        return default_warehouse(company_id)
    if not isinstance(warehouse_id, int) or isinstance(warehouse_id, bool) or not is_id(warehouse_id):
        raise ValidationError(_("the warehouse is given by its id"), field="warehouse_id")
    found = db.session.get(StockWarehouse, warehouse_id)
    if found is None or found.company_id != company_id:
        raise NotFound(_("warehouse %(id)s does not exist", id=warehouse_id), field="warehouse_id")
    return found
