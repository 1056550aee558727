"""Column mappings of order files: which header of an export holds which field of an order.

Built in: the order exports of Taobao/Tmall, JD and Pinduoduo (their usual Chinese
headers) and a generic one with English headers. A field may be spelled several
ways; the first header of the file that matches one of them is used. A company
saves mappings of its own for the files of a channel (:class:`ImportMapping`);
:func:`resolve` finds either kind by name. :func:`template_file` is the empty file a
mapping reads whole, for a clerk to fill in by hand.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.extensions import db
from core.models import Channel
from plugins.intake.models import ImportMapping

# The fields an import reads; the first four are needed in every file.
REQUIRED = ("order_ref", "customer_code", "product_code", "quantity")
FIELDS = (*REQUIRED, "unit_price", "requested_date", "contact", "phone", "address", "notes")


@dataclass(frozen=True)
class ColumnMapping:
    name: str
    label: object
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    channel: Channel = Channel.ECOMMERCE

    def header_for(self, name: str) -> str:
        """The usual header of a field, to name a column the file does not have."""
        return self.columns[name][0]


BUILT_IN: dict[str, ColumnMapping] = {mapping.name: mapping for mapping in (
    ColumnMapping("taobao", _l("Taobao/Tmall order export"), {
        "order_ref": ("订单编号", "订单号"),
        "customer_code": ("买家会员名", "客户编码"),
        "product_code": ("商家编码", "商品编码"),
        "quantity": ("购买数量", "宝贝数量", "数量"),
        "unit_price": ("商品单价", "商品价格", "单价"),
        "requested_date": ("要求到货日期",),
        "contact": ("收货人姓名", "收货人"),
        "phone": ("联系手机", "联系电话"),
        "address": ("收货地址",),
        "notes": ("订单备注", "买家留言"),
    }),
    ColumnMapping("jd", _l("JD order export"), {
        "order_ref": ("订单号", "订单编号"),
        "customer_code": ("客户编码", "下单帐号", "下单账号"),
        "product_code": ("商家编码", "商品编码", "商家SKU"),
        "quantity": ("订购数量", "数量"),
        "unit_price": ("单价", "京东价", "商品单价"),
        "requested_date": ("期望配送日期",),
        "contact": ("收货人", "客户姓名"),
        "phone": ("联系电话", "联系手机"),
        "address": ("收货地址", "客户地址"),
        "notes": ("订单备注", "商家备注"),
    }),
    ColumnMapping("pinduoduo", _l("Pinduoduo order export"), {
        "order_ref": ("订单号", "订单编号"),
        "customer_code": ("客户编码", "买家会员名"),
        "product_code": ("商家编码-SKU维度", "商品编码", "商家编码"),
        "quantity": ("商品数量(件)", "数量", "购买数量"),
        "unit_price": ("商品单价", "单价"),
        "requested_date": ("要求到货日期",),
        "contact": ("收货人", "收货人姓名"),
        "phone": ("手机", "联系电话"),
        "address": ("收货地址", "详细地址"),
        "notes": ("商家备注", "订单备注"),
    }),
    ColumnMapping("generic", _l("Generic order file (English headers)"), {
        name: (name,) for name in FIELDS
    }),
)}


def get(name: str) -> ColumnMapping | None:
    return BUILT_IN.get(name)


def from_saved(saved: ImportMapping) -> ColumnMapping:
    """A saved mapping as the import reads it: each field under the one header the company named."""
    return ColumnMapping(saved.name, saved.label, {name: (header,) for name, header in saved.columns.items()},
                         saved.channel)


def saved(company_id: int) -> list[ImportMapping]:
    """The company's own mappings, by name."""
    return list(db.session.execute(select(ImportMapping).where(ImportMapping.company_id == company_id)
                                   .order_by(ImportMapping.name)).scalars())


def resolve(company_id: int, name: str) -> ColumnMapping | None:
    """The built-in mapping of that name, else the company's saved one, else ``None``."""
    if name in BUILT_IN:
        return BUILT_IN[name]
    row = db.session.execute(select(ImportMapping).where(ImportMapping.company_id == company_id,
                                                         ImportMapping.name == name)).scalar_one_or_none()
    return None if row is None else from_saved(row)


def available(company_id: int) -> list[ColumnMapping]:
    """Every mapping the company can import with: the built-in ones, then its own."""
    return [*BUILT_IN.values(), *(from_saved(row) for row in saved(company_id))]


def template_columns(mapping: ColumnMapping) -> list[tuple[str, str]]:
    """Each field the mapping reads with the header it is read from (its usual one), in the order of FIELDS."""
    return [(name, mapping.header_for(name)) for name in FIELDS if mapping.columns.get(name)
            and mapping.header_for(name)]


def template_file(mapping: ColumnMapping) -> bytes:
    """An Excel (.xlsx) file of one sheet whose first row is the mapping's headers, and no rows yet."""
    # openpyxl (8 MB) is loaded by a process's first workbook, not by every worker at start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=mapping.name[:31])
    headers = [header for _name, header in template_columns(mapping)]
    for position, header in enumerate(headers):
        # wide enough for the header: a Chinese character takes about two widths
        sheet.column_dimensions[get_column_letter(position + 1)].width = max(12, 2 * len(header) + 2)
    bold = Font(bold=True)
    cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()

