"""Everything on a page is in the reader's language: a crawl of the demo as every demo role.

Each demo user signs in and follows every same-origin link from the inbox and
the menu, each page once, in Chinese and in English. A Chinese page fails on a
raw enum value, a permission code, an English catalogue message or any other
English word in its visible text; an English page fails on Chinese; a page in
either language fails on an identifier (``pending_review``, ``review.decide.sales``). Text people typed and proper
names (the demo's customers, products, users, carriers, references, reasons)
are excepted: the allow-list is read from the database's typed columns. So is what
a page marks ``translate="no"``, as HTML means it: text that must be read as it is
spelt in any language (the headers a file must carry).

The demo is loaded once per language, through the API in the other language
(the Chinese reader reads a demo entered in English and the other way round),
so a sentence a service stored in the words of whoever caused it shows up.
PDF documents and the API are not pages; their own tests read them.
"""
from __future__ import annotations

import enum
import functools
import importlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urldefrag, urlencode, urljoin, urlsplit

import pytest
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from sqlalchemy import select

from core.companies import all_permissions
from core.demo import USERS, load_demo
from core.extensions import db
from core.models import ApiToken, Company, Customer, Order, OrderLine, OutboxMessage, Product, User
from plugins.billing.invoices.models import Invoice
from plugins.billing.payments.models import BillingPayment
from plugins.logistics.execution.models import ExecutionTask, ExecutionTemplate, TemplateTask
from plugins.logistics.shipments.models import Shipment
from plugins.review.change_models import ChangeRequest
from plugins.review.models import ReviewStep
from plugins.stock.models import StockLot, StockMove, StockWarehouse

ROOT = Path(__file__).resolve().parents[1]
CHINESE_CATALOGUE = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
MAX_PAGES = 400  # per crawl: the demo has a few hundred pages per role (each analytics figure links to
# its orders); more means a link loops
SKIPPED_PATHS = ("/static/", "/api/")
# A list's links to itself in another order or at another page show the same words on other rows: a URL that
# differs from one already crawled only by these is not read again.
SAME_PAGE_PARAMETERS = frozenset({"sort", "after", "before"})
CHINESE_HEADERS = "zh-CN,zh;q=0.9"
ENGLISH_HEADERS = "en-US,en;q=0.9"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
# Names of the languages on the account page, each written in its own language.
LANGUAGE_NAMES = ("简体中文", "English")
# What a Chinese page writes in Latin letters too: the product's name, file formats and encodings, "API",
# a date's pattern, the letters of a rule "N of M approve" (M 人中 N 人同意), and the names printed on
# the keys of a keyboard (按 Ctrl+Enter 提交), which Chinese software leaves as they are.
SAME_IN_BOTH = frozenset({"Ordo", "PDF", "CSV", "Excel", "xlsx", "UTF-8", "GB18030", "API", "YYYY-MM-DD",
                          "PNG", "JPEG", "KB", "M", "N", "Enter", "Ctrl", "Tab", "Esc"})
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:['’_.-][A-Za-z0-9]+)*")
# A name from the code: snake_case or dotted (``pending_review``, ``review.decide.sales``).
IDENTIFIER = re.compile(r"(?<![\w.])[a-z][a-z0-9]+(?:[_.][a-z0-9]+)+(?![\w])")
ROLES = [role for _username, _password, role, _name in USERS]


# --- what a page shows ------------------------------------------------------------


class _VisibleText(HTMLParser):
    """The text a reader sees in their language: element content without tags, attributes, scripts or styles,
    nor what is marked ``translate="no"``."""

    HIDDEN = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        # Inside an element marked translate="no" (a file's header as the file must spell it): its tag, and
        # how many elements of that tag are open, so that its own end tag ends it.
        self._untranslated: str | None = None
        self._untranslated_open = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._untranslated is None and dict(attrs).get("translate") == "no":
            self._untranslated = tag
        if tag == self._untranslated:
            self._untranslated_open += 1
        if tag in self.HIDDEN:
            self._hidden += 1
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag == self._untranslated:
            self._untranslated_open -= 1
            if not self._untranslated_open:
                self._untranslated = None
        self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden and self._untranslated is None:
            self.parts.append(data)


def read_page(html: str) -> tuple[str, list[str]]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts), parser.links


# --- what must not show ----------------------------------------------------------


def _project_modules() -> Iterator[str]:
    for package in ("core", "plugins"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            yield ".".join(parts)


@functools.cache
def enum_values() -> frozenset[str]:
    """Every member of every StrEnum the core and the plugins define."""
    values: set[str] = set()
    for name in _project_modules():
        module = importlib.import_module(name)
        for thing in vars(module).values():
            if (isinstance(thing, type) and issubclass(thing, enum.StrEnum) and thing is not enum.StrEnum
                    and thing.__module__ == name):
                values |= {member.value for member in thing}
    return frozenset(values)


# The runs of letters and digits in a text: a literal shows as a whole word only where each of its runs shows
# as a run of the page, so a set of runs tells cheaply which literals cannot show (most, on any page) before a
# pattern is searched for. It only skips searches that would fail: the result is the same.
RUN = re.compile(r"[A-Za-z0-9]+")


def runs(text: str) -> frozenset[str]:
    return frozenset(RUN.findall(text))


def _pattern(text: str) -> str:
    """A literal as a regular expression that matches it as a whole word."""
    start = r"(?<![\w.])" if text[:1].isalnum() else ""
    end = r"(?![\w])" if text[-1:].isalnum() else ""
    return start + re.escape(text) + end


PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


class Message:
    """A catalogue message as patterns: it shows when every literal piece of it shows as whole words.

    The pieces between placeholders are matched one by one rather than as one
    expression: the placeholders stand for any text, and a pattern of several
    lazy wildcards backtracks without end on a long page.
    """

    def __init__(self, msgid: str) -> None:
        self.msgid = msgid
        pieces = [piece.replace("%%", "%").strip() for piece in PLACEHOLDER.split(msgid)]
        literals = [piece for piece in pieces if re.search(r"[A-Za-z]{2,}", piece)]
        self.patterns = [re.compile(_pattern(piece)) for piece in literals]
        self.runs = runs(" ".join(literals))

    def shows_in(self, text: str, page_runs: frozenset[str]) -> bool:
        return (bool(self.patterns) and self.runs <= page_runs
                and all(pattern.search(text) for pattern in self.patterns))


@functools.cache
def english_messages() -> tuple[Message, ...]:
    """Every catalogue message whose Chinese differs from its English and that has words to read."""
    with CHINESE_CATALOGUE.open("rb") as source:
        catalogue = read_po(source)
    found = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        found += [Message(msgid) for msgid in ids if msgid not in strings]
    return tuple(message for message in found if message.patterns)


def typed_texts() -> list[str]:
    """What people typed or named in the demo (and integrations sent): shown as it was entered.

    Only columns that hold such text; a column holding codes (statuses, actions,
    rule names, notes) never excuses what it holds. A review step's reason is
    typed only when a person decided the step.
    """
    columns = [
        Company.code, Company.name, Company.currency, Company.legal_name, Company.address, Company.phone,
        Company.tax_id, Company.bank, Company.bank_account, User.username, User.name, User.email, ApiToken.name,
        ApiToken.prefix,
        Customer.code, Customer.name, Customer.contact, Customer.phone, Customer.email, Customer.address,
        Customer.province, Customer.city, Customer.invoice_title, Customer.invoice_tax_id,
        Customer.invoice_bank_account, Customer.invoice_address_phone,
        Product.code, Product.name, Product.specification, Product.unit,
        Order.number, Order.customer_reference, Order.contact, Order.phone, Order.delivery_address,
        Order.invoice_title, Order.invoice_tax_id, Order.invoice_bank_account, Order.invoice_address_phone,
        Order.invoice_requirements, Order.notes, Order.currency,
        OrderLine.description, OrderLine.specification, OrderLine.unit,
        Shipment.number, Shipment.carrier, Shipment.tracking_number, Shipment.signed_by, Shipment.reservations,
        Shipment.waybill_number, Shipment.vehicle, Shipment.driver_name, Shipment.driver_phone, Shipment.pickup_code,
        Shipment.collected_by,
        Invoice.number, BillingPayment.reference, ChangeRequest.reason,
        # Execution templates and the plans drafted from them: the names and notes their people typed.
        ExecutionTemplate.code, ExecutionTemplate.name, TemplateTask.key, TemplateTask.name,
        ExecutionTask.group_name, ExecutionTask.name, ExecutionTask.note,
        # Warehouses as the company named them, and what people wrote on a receipt or an adjustment (its lot).
        StockWarehouse.code, StockWarehouse.name, StockMove.reference, StockMove.reason, StockLot.name,
        # An email as it was sent: in its customer's language, whoever reads the outbox.
        OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body,
    ]
    values: set[str] = set()
    for column in columns:
        values |= {value for value in db.session.execute(select(column).distinct()).scalars() if value}
    values |= {change.number for change in db.session.execute(select(ChangeRequest)).scalars()}  # "<order>-C1"
    values |= {reason for reason in db.session.execute(
        select(ReviewStep.reason).where(ReviewStep.decided_by_id.is_not(None))).scalars() if reason}
    return sorted(values, key=len, reverse=True)


def without(text: str, excused: Iterable[str]) -> str:
    for value in excused:
        text = text.replace(value, " ")
    return text


# --- the crawl ---------------------------------------------------------------------


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url -> visible text
    broken: list[str] = field(default_factory=list)


def same_page(url: str) -> str:
    """``url`` without the parameters that only sort or page what it shows."""
    parts = urlsplit(url)
    kept = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if name not in SAME_PAGE_PARAMETERS]
    return parts.path + (f"?{urlencode(kept)}" if kept else "")


def crawl(client: FlaskClient, start: Iterable[str]) -> Crawl:
    """Follow same-origin GET links breadth first, each page once, at most MAX_PAGES."""
    result = Crawl()
    queue = list(start)
    seen = {same_page(url) for url in queue}
    while queue and len(result.pages) < MAX_PAGES:
        url = queue.pop(0)
        response = client.get(url, follow_redirects=True)
        if response.status_code >= 400:
            result.broken.append(f"{url}: {response.status_code}")
        if response.mimetype != "text/html":
            continue
        text, links = read_page(response.get_data(as_text=True))
        result.pages[url] = text
        for href in links:
            target, _fragment = urldefrag(urljoin(url, href))
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or parts.netloc not in ("", "ordo.test"):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if same_page(local) in seen or local.startswith(SKIPPED_PATHS) or "/documents/" in local:
                continue
            seen.add(same_page(local))
            queue.append(local)
    assert len(result.pages) < MAX_PAGES, f"more than {MAX_PAGES} pages: a link loops?"
    return result


@dataclass(frozen=True)
class Reader:
    """Who reads the demo, and the language it was entered in: the other one."""

    language: str  # Accept-Language
    entered_in: str  # the app's default locale while the demo was loaded through the API


# Each reader reads a demo entered in the other language, so nothing stored in the writer's words can hide.
CHINESE = Reader(CHINESE_HEADERS, entered_in="en")
ENGLISH = Reader(ENGLISH_HEADERS, entered_in="zh_CN")


@pytest.fixture(scope="module", params=[CHINESE, ENGLISH], ids=["chinese", "english"])
def demo(request, app_builders):
    """The demo, loaded once per reader for all the roles' crawls: they only read."""
    reader: Reader = request.param
    build, clean_up = app_builders()
    app = build({"BABEL_DEFAULT_LOCALE": reader.entered_in})
    try:
        with app.app_context():
            load_demo()
            yield app, reader
    finally:
        clean_up()


def signed_in(app, role: str, language: str) -> FlaskClient:
    username, password = next((u, p) for u, p, r, _name in USERS if r == role)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}: {', '.join(repr(item) for item in sorted(set(found)))}"
                     for url, found in sorted(problems.items()))


@functools.cache
def codes() -> tuple[tuple[str, frozenset[str], re.Pattern[str]], ...]:
    """Every raw enum value and permission code, with its runs and as a whole-word pattern."""
    names = sorted(enum_values() | {permission.name for permission in all_permissions()})
    return tuple((name, runs(name), re.compile(_pattern(name))) for name in names)


def english_left(text: str) -> list[str]:
    """The raw enum values, permission codes, catalogue messages and other English words a Chinese page shows."""
    if not re.search(r"[A-Za-z]{2,}", text):
        return []
    page_runs = runs(text)
    return ([name for name, name_runs, pattern in codes() if name_runs <= page_runs and pattern.search(text)]
            + [message.msgid for message in english_messages() if message.shows_in(text, page_runs)]
            + [word for word in LATIN_WORD.findall(text) if word not in SAME_IN_BOTH])


def chinese_left(text: str) -> list[str]:
    """The Chinese an English page shows, and the names from the code it shows instead of their labels."""
    return CJK.findall(text) + IDENTIFIER.findall(text)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_speaks_the_readers_language(demo, role):
    """Chinese pages show no raw code nor English message; English pages show no Chinese, but what people typed."""
    app, reader = demo
    result = crawl(signed_in(app, role, reader.language), ["/inbox"])
    excused = typed_texts() + list(LANGUAGE_NAMES)
    if reader is CHINESE:
        problems = {url: english_left(without(text, excused)) for url, text in result.pages.items()}
    else:
        problems = {url: chinese_left(without(text, excused)) for url, text in result.pages.items()}
    problems = {url: found for url, found in problems.items() if found}
    assert not result.broken, f"links that fail for {role}: {result.broken}"
    assert "/inbox" in result.pages and len(result.pages) > 1, sorted(result.pages)
    assert not problems, f"not in the reader's language, on the pages of {role}:\n{_report(problems)}"


def test_a_page_s_text_marked_translate_no_is_not_read_as_the_reader_s_language():
    text, links = read_page('<p>需要的表头：<code translate="no">phone <code>x</code> notes</code> 以及'
                            ' <a href="/imports">phone</a></p><br>')

    assert text.split() == ["需要的表头：", "以及", "phone"] and links == ["/imports"]


def test_the_runs_of_a_page_skip_only_the_searches_that_would_fail(app):
    """The crawl's cheap check by runs of letters finds what searching every pattern finds, and no more."""
    with app.app_context():
        every_code = codes()
    messages = english_messages()
    shown = [message.msgid.replace("%(", "(") for message in messages[::7]]
    page = " 订单 ".join(shown) + " order's pending_review (draft) e.g. x_y"
    page_runs = runs(page)

    def searched(message: Message) -> bool:
        return all(pattern.search(page) for pattern in message.patterns)

    assert [m.msgid for m in messages if m.shows_in(page, page_runs)] == [m.msgid for m in messages if searched(m)]
    assert [name for name, name_runs, pattern in every_code if name_runs <= page_runs and pattern.search(page)] \
        == [name for name, _runs, pattern in every_code if pattern.search(page)]
    assert sum(m.shows_in(page, page_runs) for m in messages) >= len(shown) // 2


def test_a_list_sorted_or_paged_otherwise_is_the_page_already_read():
    assert same_page("/orders?sort=-number&status=draft") == same_page("/orders?status=draft") == "/orders?status=draft"
    assert same_page("/supervision/audit?after=abc&sort=id") == "/supervision/audit"
    assert same_page("/orders?status=draft") != same_page("/orders?status=submitted")
