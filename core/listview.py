"""The list view every list page uses: search, filters, sort, group-by, keyset pages and export.

A page declares its list once as a :class:`ListSpec` (the SQL source of its rows, the
columns, the filters, the search fields and the group-bys) and calls :func:`read_list`
with the request's query string; the template shows it with the ``list_view`` macro of
``templates/macros.html``, and :func:`export_response` answers the same query as CSV or
Excel. Everything is a GET parameter, so a link to a list is the list:

``q``
    free text, matched (case-insensitively, as a substring) against the search fields;
``<filter>`` (``status``, ``customer``, ...) and ``<filter>_from`` / ``<filter>_to``
    for a date range;
``sort``
    a sortable column's key, ``-key`` for descending; the row id breaks ties;
``group``
    a group-by's key: the counts per group, from one GROUP BY query;
``after`` / ``before``
    the keyset cursor of the next or previous page: the sort value and id of the
    page's last (first) row, so a deep page costs what the first does (no OFFSET);
``format``
    ``csv`` or ``xlsx``: every row that matches, read in keyset chunks into a file that is
    complete before the response sends it (:func:`export_response` says why).

A parameter that makes no sense (an unknown sort column, a bad date, a cursor this
list did not make) is a :class:`~core.errors.ValidationError` naming it: a 400 page,
never a 500. Amount columns (``money=True``) exist only for users who may see
prices: for anyone else they are neither shown, sorted on, grouped by nor exported.
Reading a list writes nothing.
"""
from __future__ import annotations

import csv
import enum
import io
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from tempfile import SpooledTemporaryFile
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import ColumnElement, DateTime, Row, Select, and_, func, or_, select
from werkzeug.datastructures import MultiDict

from core import masterdata
from core.auth.context import sees_prices
from core.entry import forms as entry
from core.db import is_id
from core.errors import ValidationError
from core.extensions import db
from core.keyset import BAD_TOKEN, FIRST_DAY, LAST_DAY, Cursor, Keyset, Kind, cursor_token
from core.labels import label
from core.untrusted_text import spreadsheet_text
from core.models import Order, User, utcnow
from core.portal import order_url

PER_PAGE = 50
# Counting stops here: past it the page says "more than 1,000", and no page counts a whole big table
# (a search that matches one order in ten reads 10,000 rows to count to 1,000, not the whole table).
COUNT_LIMIT = 1_000
# Groups shown at most; a group-by over a column with more values than this shows the largest.
GROUP_LIMIT = 200
# Rows read per query while exporting.
EXPORT_CHUNK = 1_000
# Bytes of an export file kept in memory; a larger file is written to a temporary file.
SPOOL_LIMIT = 4 * 1024 * 1024
SEND_CHUNK = 64 * 1024
MAX_SEARCH = 200


@dataclass(frozen=True)
class Column:
    """One column of a list.

    :param key: the column's name in the row and in ``sort=``; also the CSV header's code.
    :param title: the header, a lazy string (shown in the reader's language).
    :param expr: the SQL expression the value is read from.
    :param kind: how the value reads (:class:`Kind`); ``MONEY`` columns are hidden without prices.
    :param sortable: whether ``sort=key`` is allowed; give the column an index with ``id`` if the list is big.
    :param text: the shown and exported text of a row's value, when it is not the value itself
        (``lambda row: row.number or f"#{row.id}"``).
    :param href: where the value links to (``lambda row: order_url(row.id)``).
    :param namespace: the label namespace of a ``CODE`` column whose values are plain strings.
    :param badge: show a ``CODE`` value as a status badge.
    :param deadline: show a ``DATETIME`` value as the time left until it (``core.time_left``, the
        ``time_left`` macro), against the page's one ``now``; it sorts and exports as the moment it is.
    :param when: whether ``user`` gets the column at all (staff names are not for customer users).
    """

    key: str
    title: Any
    expr: Any
    kind: Kind = Kind.TEXT
    sortable: bool = False
    text: Callable[[Row[Any]], str] | None = None
    href: Callable[[Row[Any]], str | None] | None = None
    namespace: str | None = None
    badge: bool = False
    deadline: bool = False
    when: Callable[[User], bool] | None = None

    @property
    def money(self) -> bool:
        return self.kind == Kind.MONEY


class FilterKind(enum.StrEnum):
    CHOICE = "choice"  # one of an enum's values (or several: ?status=a&status=b)
    ID = "id"  # a row's id (a customer, a salesperson), as a type-ahead or a select sends it
    DATE_RANGE = "date_range"  # <key>_from and <key>_to, both included
    FLAG = "flag"  # on or off: a condition of the list's own (overdue only)


@dataclass(frozen=True)
class Filter:
    """One filter of a list.

    :param key: the query parameter (``status``; ``created`` gives ``created_from`` and ``created_to``).
    :param title: its label on the page.
    :param expr: the SQL expression it compares (for ``FLAG``, the condition itself).
    :param condition: for a ``FLAG`` whose condition depends on the user (their company's today),
        the condition for ``user``, in place of ``expr``.
    :param kind: see :class:`FilterKind`.
    :param choices: for ``CHOICE``, the enum whose values it takes.
    :param options: for ``ID``, the ``(id, text)`` pairs to offer for ``user``, if a select serves
        (a few salespeople); without it the page shows a number field.
    :param lookup: for ``ID``, the type-ahead that picks the record (``customer``, ``product``: the
        ``lookup`` macro), for lists of many (the customers of 100,000 orders); without scripts the
        typed code or name is resolved as the order form resolves it.
    :param when: whether ``user`` gets the filter at all.
    """

    key: str
    title: Any
    expr: Any
    kind: FilterKind = FilterKind.CHOICE
    choices: type[enum.Enum] | None = None
    options: Callable[[User], Sequence[tuple[int, str]]] | None = None
    lookup: str | None = None
    when: Callable[[User], bool] | None = None
    condition: Callable[[User], ColumnElement[bool]] | None = None


@dataclass(frozen=True)
class GroupBy:
    """A column to group the list by, with a count per group.

    :param key: the ``group=`` value.
    :param title: its label on the page.
    :param expr: the SQL expression grouped on.
    :param text: the expression whose value names a group (a customer's name for its id); ``expr`` if None.
    :param filter: the filter that narrows the list to one group, so each group links to its rows.
    :param namespace: the label namespace of the group values, for plain-string codes.
    :param when: whether ``user`` gets the group-by at all.
    """

    key: str
    title: Any
    expr: Any
    text: Any = None
    filter: str | None = None
    namespace: str | None = None
    when: Callable[[User], bool] | None = None


@dataclass(frozen=True)
class ListSpec:
    """A list, declared once: where its rows come from and what a reader can do with them.

    :param name: names the export file (``orders.csv``).
    :param source: the SELECT of the rows ``user`` may see (tenancy and visibility applied),
        with the joins the columns need; its selected columns are replaced by the list's.
    :param id: the rows' id column: the tiebreaker of every sort and the second half of a cursor.
    :param columns: the columns, in order.
    :param search: the expressions ``q`` is matched against.
    :param filters: the filters offered.
    :param group_bys: the group-bys offered.
    :param default_sort: ``key`` or ``-key`` of a sortable column.
    :param carry: values every row carries without a column, by name (an order's id for a link).
    """

    name: str
    source: Callable[[User], Select[Any]]
    id: Any
    columns: tuple[Column, ...]
    search: tuple[Any, ...] = ()
    filters: tuple[Filter, ...] = ()
    group_bys: tuple[GroupBy, ...] = ()
    default_sort: str = "-id"
    per_page: int = PER_PAGE
    carry: Mapping[str, Any] = field(default_factory=dict)

    def columns_for(self, user: User) -> tuple[Column, ...]:
        """The columns ``user`` gets: no amounts without ``order.view_prices``."""
        prices = sees_prices(user)
        return tuple(column for column in self.columns
                     if (prices or not column.money) and _granted(column.when, user))

    def filters_for(self, user: User) -> tuple[Filter, ...]:
        return tuple(filter_ for filter_ in self.filters if _granted(filter_.when, user))

    def group_bys_for(self, user: User) -> tuple[GroupBy, ...]:
        """The group-bys ``user`` gets: none over a column they do not get."""
        hidden = {column.key for column in self.columns} - {column.key for column in self.columns_for(user)}
        return tuple(group for group in self.group_bys if group.key not in hidden and _granted(group.when, user))


def _granted(when: Callable[[User], bool] | None, user: User) -> bool:
    return when is None or when(user)


# --- the query string ---------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A list request, parsed and checked."""

    q: str = ""
    sort: Column | None = None
    descending: bool = False
    conditions: tuple[ColumnElement[bool], ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)  # the filters' values as the form shows them
    group: GroupBy | None = None
    cursor: Cursor | None = None


def _keyset(spec: ListSpec, sort: Column | None, descending: bool) -> Keyset:
    """The list's order: the sort column (the id alone for ``sort=id``), then the row id."""
    if sort is None:
        return Keyset(spec.id, descending=descending)
    return Keyset(spec.id, sort.expr, sort.kind, descending)


def parse(spec: ListSpec, user: User, args: MultiDict[str, str]) -> Query:
    """Read and check a list's query string; anything it cannot use is a ValidationError naming it."""
    columns = spec.columns_for(user)
    q = (args.get("q") or "").strip()
    if len(q) > MAX_SEARCH:
        raise ValidationError(_("the search text is longer than %(limit)s characters", limit=MAX_SEARCH), field="q")
    if not q.isprintable():  # a NUL byte, which PostgreSQL refuses in any string
        raise ValidationError(_("the search text contains control characters"), field="q")
    sort, descending = _sort(spec, columns, args.get("sort") or spec.default_sort)
    conditions: list[ColumnElement[bool]] = []
    values: dict[str, Any] = {}
    zone = _zone(user)
    for filter_ in spec.filters_for(user):
        condition = _filter(filter_, args, values, user, zone)
        if condition is not None:
            conditions.append(condition)
    group = _group(spec, user, args.get("group") or "")
    cursor = _cursor(_keyset(spec, sort, descending), args)
    return Query(q=q, sort=sort, descending=descending, conditions=tuple(conditions), values=values,
                 group=group, cursor=cursor)


def _sort(spec: ListSpec, columns: Sequence[Column], given: str) -> tuple[Column | None, bool]:
    descending = given.startswith("-")
    key = given[1:] if descending else given
    if key == "id":
        return None, descending
    sortable = {column.key: column for column in columns if column.sortable}
    if key not in sortable:
        raise ValidationError(_("the list cannot be sorted by %(sort)s; it sorts by: %(keys)s",
                                sort=repr(given[:40]), keys=", ".join(sortable) or "id"), field="sort")
    return sortable[key], descending


def _filter(filter_: Filter, args: MultiDict[str, str], values: dict[str, Any], user: User,
            zone: ZoneInfo) -> ColumnElement[bool] | None:
    key = filter_.key
    if filter_.kind == FilterKind.DATE_RANGE:
        start, end = _date(args, f"{key}_from"), _date(args, f"{key}_to")
        values[f"{key}_from"], values[f"{key}_to"] = start, end
        if start is not None and end is not None and end < start:
            raise ValidationError(_("%(field)s: the end of the range is before its start", field=filter_.title),
                                  field=f"{key}_to")
        return _date_range(filter_.expr, start, end, zone)
    given = [value.strip() for value in args.getlist(key) if value.strip()]
    if filter_.kind == FilterKind.FLAG:
        on = bool(given) and given[0] not in {"0", "false", "n"}
        values[key] = on
        if not on:
            return None
        return filter_.condition(user) if filter_.condition is not None else filter_.expr
    if not given and filter_.lookup is not None and (args.get(f"{key}-text") or "").strip():
        given = [str(_resolved(filter_, user, args.get(f"{key}-text") or ""))]
    if not given:
        values[key] = None
        return None
    if filter_.kind == FilterKind.CHOICE:
        assert filter_.choices is not None, f"the choice filter {key} names no enum"
        known = {member.value: member for member in filter_.choices}
        unknown = [value for value in given if value not in known]
        if unknown:
            raise ValidationError(_("%(field)s must be one of: %(values)s", field=key, values=", ".join(known)),
                                  field=key)
        members = [known[value] for value in given]
        values[key] = members[0] if len(members) == 1 else members
        return filter_.expr.in_(members)
    ids = []
    for value in given:
        if not (value.isascii() and value.isdigit()) or len(value) > 10 or not is_id(int(value)) or int(value) == 0:
            raise ValidationError(_("%(field)s must be the id of a record, not %(value)s",
                                    field=key, value=repr(value[:40])), field=key)
        ids.append(int(value))
    values[key] = ids[0] if len(ids) == 1 else ids
    return filter_.expr.in_(ids)


def _resolved(filter_: Filter, user: User, text: str) -> int:
    """The id of the one record the typed text names (no script picked it); refuses none or several."""
    assert filter_.lookup is not None
    try:
        return entry.resolve(filter_.lookup, user, text.strip()[:masterdata.MAX_QUERY]).id
    except ValueError as error:
        raise ValidationError(str(error), field=filter_.key) from error


@dataclass(frozen=True)
class FilterLookup:
    """A filter's type-ahead, as the ``lookup`` macro reads a field: the picked record's id and how it reads."""

    key: str
    kind: str
    title: Any
    picked: int | None
    display: str
    errors: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"list-{self.key}"

    @property
    def name(self) -> str:
        return self.key

    @property
    def label(self) -> Any:
        return _Title(self.title)

    def _value(self) -> str:
        return "" if self.picked is None else str(self.picked)


@dataclass(frozen=True)
class _Title:
    text: Any


def _lookups(filters: Sequence[Filter], user: User, values: Mapping[str, Any]) -> dict[str, FilterLookup]:
    found = {}
    for filter_ in filters:
        if filter_.lookup is None:
            continue
        picked = values.get(filter_.key)
        picked = picked if isinstance(picked, int) else None
        row = None
        if picked is not None:
            model = entry.LOOKUPS[filter_.lookup].model
            row = db.session.execute(entry.candidates(filter_.lookup, user, None)
                                     .where(model.id == picked)).scalars().first()
        found[filter_.key] = FilterLookup(filter_.key, filter_.lookup, filter_.title, picked,
                                          entry.describe(row) if row is not None else "")
    return found


def _date(args: MultiDict[str, str], key: str) -> date | None:
    given = (args.get(key) or "").strip()
    if not given:
        return None
    try:
        day = date.fromisoformat(given)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError(day)
    except ValueError:
        raise ValidationError(_("%(field)s must be a date like 2026-12-31, not %(value)s",
                                field=key, value=repr(given[:40])), field=key) from None
    return day


def _date_range(expr: Any, start: date | None, end: date | None, zone: ZoneInfo) -> ColumnElement[bool] | None:
    """Days counted in the company's time zone, both ends included; a datetime column compares instants."""
    if start is None and end is None:
        return None
    type_ = expr.type
    is_datetime = isinstance(getattr(type_, "impl", type_), DateTime)
    conditions = []
    if start is not None:
        conditions.append(expr >= (datetime.combine(start, time.min, zone) if is_datetime else start))
    if end is not None:
        if is_datetime:
            conditions.append(expr < datetime.combine(end + timedelta(days=1), time.min, zone))
        else:
            conditions.append(expr <= end)
    return and_(*conditions)


def _group(spec: ListSpec, user: User, key: str) -> GroupBy | None:
    if not key:
        return None
    offered = {group.key: group for group in spec.group_bys_for(user)}
    if key not in offered:
        raise ValidationError(_("the list cannot be grouped by %(group)s; it groups by: %(keys)s",
                                group=repr(key[:40]), keys=", ".join(offered)), field="group")
    return offered[key]


def _cursor(keyset: Keyset, args: MultiDict[str, str]) -> Cursor | None:
    after, before = args.get("after"), args.get("before")
    if after and before:
        raise ValidationError(_("a page starts either after or before a row, not both"), field="after")
    token = after or before
    if not token:
        return None
    name = "after" if after else "before"
    try:
        return keyset.position(token, backwards=bool(before))
    except BAD_TOKEN:
        raise ValidationError(_("%(field)s is not a position in this list; follow the list's own links",
                                field=name), field=name) from None


# --- the queries ----------------------------------------------------------------------


def filtered(spec: ListSpec, user: User, query: Query) -> Select[Any]:
    """The list's source with the search and the filters applied, selecting the columns and the id."""
    statement = spec.source(user).with_only_columns(
        spec.id.label("id"), *[column.expr.label(column.key) for column in spec.columns_for(user)
                               if column.key != "id"],
        *[expr.label(key) for key, expr in spec.carry.items()], maintain_column_froms=True)
    if query.q and spec.search:
        statement = statement.where(or_(*[expr.icontains(query.q, autoescape=True) for expr in spec.search]))
    return statement.where(*query.conditions)


def _ordered(spec: ListSpec, statement: Select[Any], query: Query, backwards: bool) -> Select[Any]:
    """Sorted on (sort column, id), each ascending or descending (``core.keyset``)."""
    return _keyset(spec, query.sort, query.descending).ordered(statement, backwards)


def _past(spec: ListSpec, query: Query, cursor: Cursor, backwards: bool) -> ColumnElement[bool]:
    """The rows after ``cursor`` in the list's order (before it, ``backwards``), as one indexed range."""
    return _keyset(spec, query.sort, query.descending).past(cursor, backwards)


@dataclass(frozen=True)
class Group:
    value: Any
    text: str
    count: int
    href: str | None


@dataclass
class ListPage:
    """One page of a list, ready for the ``list_view`` macro."""

    spec: ListSpec
    query: Query
    columns: tuple[Column, ...]
    rows: list[Row[Any]]
    next_cursor: str | None
    previous_cursor: str | None
    count: int
    count_capped: bool
    groups: list[Group] | None
    filters: tuple[Filter, ...]
    options: Mapping[str, Sequence[tuple[int, str]]]
    lookups: Mapping[str, FilterLookup]
    group_bys: tuple[GroupBy, ...]
    args: dict[str, Any]
    endpoint: str
    view_args: dict[str, Any]
    now: datetime = field(default_factory=utcnow)  # the one "now" of the page's time-left badges

    def url(self, **changes: Any) -> str:
        """This list's URL with some parameters changed (None removes one); a new sort or filter starts at page 1."""
        args = {key: value for key, value in self.args.items() if key not in {"after", "before"}}
        args.update(changes)
        return url_for(self.endpoint, **self.view_args, **{key: value for key, value in args.items()
                                                           if value not in (None, "", [])})

    def sort_url(self, column: Column) -> str:
        """The header link: sort by this column, or the other way round if it already is."""
        current = self.query.sort is not None and self.query.sort.key == column.key
        return self.url(sort=f"-{column.key}" if current and not self.query.descending else column.key)

    def sorted_as(self, column: Column) -> str | None:
        """``ascending`` or ``descending`` for the column the list is sorted by (aria-sort), else None."""
        if self.query.sort is None or self.query.sort.key != column.key:
            return None
        return "descending" if self.query.descending else "ascending"

    def export_url(self, format_: str) -> str:
        return self.url(format=format_)

    def cell(self, row: Row[Any], column: Column) -> Any:
        """A row's value for a column: its text when the column says how to write it."""
        return column.text(row) if column.text is not None else row._mapping[column.key]


def read_list(spec: ListSpec, user: User, args: MultiDict[str, str] | None = None) -> ListPage:
    """One page of ``spec`` for ``user``, as the request's query string asks."""
    args = request.args if args is None else args
    query = parse(spec, user, args)
    statement = filtered(spec, user, query)
    rows, next_cursor, previous_cursor = _page(spec, statement, query)
    count = db.session.execute(select(func.count()).select_from(
        statement.order_by(None).limit(COUNT_LIMIT + 1).subquery())).scalar_one()
    page = ListPage(
        spec=spec, query=query, columns=spec.columns_for(user), rows=rows, next_cursor=next_cursor,
        previous_cursor=previous_cursor, count=min(count, COUNT_LIMIT), count_capped=count > COUNT_LIMIT,
        groups=None, filters=spec.filters_for(user),
        options={f.key: f.options(user) for f in spec.filters_for(user) if f.options is not None},
        lookups=_lookups(spec.filters_for(user), user, query.values),
        group_bys=spec.group_bys_for(user),
        args={key: args.getlist(key) if len(args.getlist(key)) > 1 else args.get(key) for key in args
              if key != "format"},
        endpoint=request.endpoint or "", view_args=dict(request.view_args or {}),
    )
    if query.group is not None:
        page.groups = _groups(page, statement, query.group)
    return page


def _page(spec: ListSpec, statement: Select[Any], query: Query) -> tuple[list[Row[Any]], str | None, str | None]:
    cursor = query.cursor
    backwards = cursor is not None and cursor.backwards
    paged = _ordered(spec, statement, query, backwards)
    if cursor is not None:
        paged = paged.where(_past(spec, query, cursor, backwards))
    rows = list(db.session.execute(paged.limit(spec.per_page + 1)))
    more = len(rows) > spec.per_page
    rows = rows[:spec.per_page]
    if backwards:
        rows.reverse()
    if not rows:
        return rows, None, None
    key = query.sort.key if query.sort is not None else "id"
    first, last = rows[0], rows[-1]
    has_next = more if not backwards else True
    has_previous = (cursor is not None) if not backwards else more
    return (rows, cursor_token(last._mapping[key], last.id) if has_next else None,
            cursor_token(first._mapping[key], first.id) if has_previous else None)


def _groups(page: ListPage, statement: Select[Any], group: GroupBy) -> list[Group]:
    text = group.text if group.text is not None else group.expr
    grouped = (statement.order_by(None).with_only_columns(
        group.expr.label("value"), text.label("text"), func.count().label("count"), maintain_column_froms=True)
        .group_by(group.expr, text).order_by(func.count().desc(), group.expr).limit(GROUP_LIMIT))
    groups = []
    for row in db.session.execute(grouped):
        value = row.value
        href = None
        if group.filter is not None and value is not None:
            href = page.url(**{group.filter: value.value if isinstance(value, enum.Enum) else value, "group": None})
        groups.append(Group(value, _text(row.text, group.namespace), row._mapping["count"], href))
    return groups


def _text(value: Any, namespace: str | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, enum.Enum) or namespace is not None:
        return label(value, namespace)
    return str(value)


def _zone(user: User) -> ZoneInfo:
    return user.company.zone


# --- export -----------------------------------------------------------------------------


def export_format(args: MultiDict[str, str] | None = None) -> str | None:
    """``csv`` or ``xlsx`` when the request asks for an export, None for the page; anything else is refused."""
    given = (request.args if args is None else args).get("format")
    if not given:
        return None
    if given not in EXPORTERS:
        raise ValidationError(_("format must be one of: %(values)s", values=", ".join(EXPORTERS)), field="format")
    return given


def export_rows(spec: ListSpec, user: User, args: MultiDict[str, str] | None = None) -> Iterator[Row[Any]]:
    """Every row of the list as filtered and sorted, all pages, read in keyset chunks of EXPORT_CHUNK."""
    query = replace(parse(spec, user, request.args if args is None else args), cursor=None)
    statement = filtered(spec, user, query)
    key = query.sort.key if query.sort is not None else "id"
    cursor: Cursor | None = None
    while True:
        paged = _ordered(spec, statement, query, False)
        if cursor is not None:
            paged = paged.where(_past(spec, query, cursor, False))
        rows = list(db.session.execute(paged.limit(EXPORT_CHUNK)))
        yield from rows
        if len(rows) < EXPORT_CHUNK:
            return
        cursor = Cursor(rows[-1]._mapping[key], rows[-1].id)


def _export_value(column: Column, row: Row[Any], zone: ZoneInfo) -> Any:
    """A cell as a spreadsheet wants it: numbers as Decimal, dates as dates, codes through their labels,
    and text never a formula (``core.untrusted_text.spreadsheet_text``)."""
    value = _export_raw(column, row, zone)
    return spreadsheet_text(str(value)) if isinstance(value, str) else value


def _export_raw(column: Column, row: Row[Any], zone: ZoneInfo) -> Any:
    if column.text is not None:
        return column.text(row)
    value = row._mapping[column.key]
    if value is None:
        return None
    if column.kind == Kind.CODE:
        return label(value, column.namespace)
    if column.kind == Kind.BOOL:
        return _("yes") if value else _("no")
    if isinstance(value, datetime):  # spreadsheets know no time zones: the company's wall-clock time
        return value.astimezone(zone).replace(tzinfo=None)
    return value


def _csv(file: SpooledTemporaryFile[bytes], spec: ListSpec, user: User, columns: tuple[Column, ...],
         rows: Iterator[Row[Any]]) -> None:
    """The rows as UTF-8 CSV (with a byte-order mark, so Excel reads it as UTF-8), written in chunks.

    Every text cell is quoted, numbers are not: a spreadsheet reads a quoted cell as text."""
    zone = _zone(user)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)

    def flush() -> None:
        file.write(buffer.getvalue().encode())
        buffer.seek(0)
        buffer.truncate()

    buffer.write("\ufeff")
    writer.writerow([spreadsheet_text(str(column.title)) for column in columns])
    for number, row in enumerate(rows, start=1):
        writer.writerow([_csv_value(_export_value(column, row, zone)) for column in columns])
        if number % EXPORT_CHUNK == 0:
            flush()
    flush()


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


NUMBER_FORMATS = {Kind.MONEY: "#,##0.00", Kind.DATE: "yyyy-mm-dd", Kind.DATETIME: "yyyy-mm-dd hh:mm"}


def _xlsx(file: SpooledTemporaryFile[bytes], spec: ListSpec, user: User, columns: tuple[Column, ...],
          rows: Iterator[Row[Any]]) -> None:
    """A write-only workbook: openpyxl keeps the rows in a temporary file as they come, then zips them."""
    # openpyxl (8 MB) is loaded by a process's first workbook, not by every worker at start.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    zone = _zone(user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=spec.name[:31])
    sheet.append([spreadsheet_text(str(column.title)) for column in columns])
    for row in rows:
        cells = []
        for column in columns:
            cell = WriteOnlyCell(sheet, value=_export_value(column, row, zone))
            if column.kind in NUMBER_FORMATS and column.text is None:
                cell.number_format = NUMBER_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    workbook.save(file)


class _Sent:
    """A finished file's bytes as a response body: it reads nothing but the file, so it may be sent after the
    request has ended. The file is closed once read to the end, when the server closes the response, or
    when a response that was never sent is dropped."""

    def __init__(self, file: SpooledTemporaryFile[bytes]) -> None:
        self.file = file
        self.close = weakref.finalize(self, file.close)  # runs once, whichever comes first

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.file.read(SEND_CHUNK):
            yield chunk
        self.close()


Writer = Callable[[SpooledTemporaryFile[bytes], ListSpec, User, tuple[Column, ...], Iterator[Row[Any]]], None]
# Each format: the writer of its file, and its media type.
EXPORTERS: Mapping[str, tuple[Writer, str]] = {
    "csv": (_csv, "text/csv"),
    "xlsx": (_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def export_response(spec: ListSpec, user: User, format_: str) -> Response:
    """The list's rows as filtered, every page of them, as a CSV or Excel download.

    The whole file is written before the view returns, and the response only sends
    it. A body that wrote itself while it streamed would read the database after the
    request had committed and closed its session (under gunicorn, a
    DetachedInstanceError and a 500 half-way through a download), outside the
    request's transaction and its error handling. Memory stays bounded all the same:
    the rows are read in keyset chunks of EXPORT_CHUNK, and the file spills from
    memory to a temporary file past SPOOL_LIMIT.
    """
    return _exported(spec, user, format_, spec.columns_for(user), export_rows(spec, user))


@dataclass(frozen=True)
class _Values:
    """A computed row as the writers read a list's rows (``row._mapping[key]``)."""

    _mapping: Mapping[str, Any]


def table_export_response(name: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]], user: User,
                          format_: str) -> Response:
    """A table a page computed rather than listed (a report's figures), exactly as shown, as CSV or Excel:
    the same writers, the same cells (labels, dates, text never a formula) as a list's export, and its
    amount columns only for a user who may see prices. ``rows`` map each column's key to its value."""
    spec = ListSpec(name=name, source=lambda _user: select(), id=None, columns=tuple(columns))
    values: Iterator[Any] = (_Values(row) for row in rows)
    return _exported(spec, user, format_, spec.columns_for(user), values)


def _exported(spec: ListSpec, user: User, format_: str, columns: tuple[Column, ...],
              rows: Iterator[Any]) -> Response:
    write, mimetype = EXPORTERS[format_]
    file = SpooledTemporaryFile(max_size=SPOOL_LIMIT)
    try:
        write(file, spec, user, columns, rows)
    except BaseException:  # a bad parameter, a database error: nothing is sent, and the file goes
        file.close()
        raise
    size = file.tell()
    file.seek(0)
    response = Response(_Sent(file), mimetype=mimetype, direct_passthrough=True,
                        headers={"Content-Disposition": f'attachment; filename="{spec.name}.{format_}"'})
    response.content_length = size
    return response


# --- the page ------------------------------------------------------------------------------


def list_response(spec: ListSpec, user: User, template: str, **context: Any) -> Any:
    """A list page's whole answer: the export if ``format`` asks for one, else the page.

    An htmx request from the list's own form (target ``list-results``) gets only the
    results (``core/list_results.html``); ``template`` shows the list with the
    ``list_view`` macro, given ``page``.
    """
    format_ = export_format()
    if format_ is not None:
        return export_response(spec, user, format_)
    page = read_list(spec, user)
    # htmx 4 names the target as "div#list-results", htmx 2 as "list-results".
    if request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target", "").endswith("list-results"):
        return render_template("core/list_results.html", page=page)
    return render_template(template, page=page, **context)


# --- a column every list of an order's records shows --------------------------------


def _order_number(row: Any) -> str:
    return row.order or f"#{row.order_id}"


def _order_link(row: Any) -> str:
    return order_url(row.order_id)


def order_column() -> Column:
    """The order a row belongs to, linked to its page (a draft by its id): the row needs ``order_id``."""
    return Column("order", _l("Order"), Order.number, text=_order_number, href=_order_link)
