"""The translation catalogues: every string the code marks is translated to Chinese, and the portal speaks it.

The sources are extracted here exactly as ``scripts/translations.sh`` does (babel.cfg,
the ``_l``, ``lazy_gettext``, ``lazy_pgettext`` and ``stored`` keywords besides Babel's
defaults), so a string added without a translation fails a test that names it. To fix one::

    bash scripts/translations.sh
    # translate the new entries in translations/zh_Hans_CN/LC_MESSAGES/messages.po
    pybabel compile -d translations

The Chinese must also call each key concept of the order procedure by the
procedure's word (``GLOSSARY``): an order received is not money received.

The Chinese catalogue lives in ``zh_Hans_CN``: Babel resolves the portal's ``zh_CN``
to that identifier, and Flask-Babel looks for the folder of that name.
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests import factories

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
CHINESE = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "lazy_pgettext": ((1, "c"), 2),
            "stored": None}
PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])")
UPDATE_HINT = ("run pybabel extract and update (see this module's docstring), "
               "then translate in translations/zh_Hans_CN/LC_MESSAGES/messages.po")


def compile_catalogues() -> None:
    """Compile every catalogue whose .mo is missing or older than its .po.

    Called when this module is collected, so every test of the run (the Chinese
    inbox in test_auth too) reads the current catalogue. The .mo is written to a
    temporary file and moved into place, so parallel workers never read half of one.
    """
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalog = read_po(source)
        handle, temporary = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(handle, "wb") as target:
                write_mo(target, catalog)
            os.replace(temporary, mo)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


compile_catalogues()


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as source:
        return read_po(source)


def extracted() -> dict[tuple[str | None, str], list[str]]:
    """Every message marked in the sources, by (context, msgid), with where it is used."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config, str(ROOT / "babel.cfg"))
    found: dict[tuple[str | None, str], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, (list, tuple)) else message
        if msgid:
            found.setdefault((context, msgid), []).append(f"{filename}:{lineno}")
    return found


def translations_of(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def msgids_of(message: Message) -> list[str]:
    return list(message.id) if isinstance(message.id, (list, tuple)) else [message.id]


def placeholders(text: str) -> list[tuple[str, str]]:
    """The %-placeholders of a message with their conversion (name "" when positional); ``%%`` is none."""
    return sorted(
        (match["name"] or "", match["type"]) for match in PLACEHOLDER.finditer(text) if match["type"] != "%"
    )


def chinese_messages() -> Iterator[Message]:
    return (message for message in read_catalogue(CHINESE) if message.id)


# --- the catalogues -------------------------------------------------------------


def test_every_marked_string_has_a_chinese_translation():
    catalogue = read_catalogue(CHINESE)
    problems = []
    for (context, msgid), where in sorted(extracted().items(), key=lambda item: item[1][0]):
        message = catalogue.get(msgid, context=context)
        used = ", ".join(where[:3])
        if message is None:
            state = "only obsolete (#~) in the catalogue" if catalogue.obsolete.get(
                (msgid, context) if context else msgid) is not None else "missing from the catalogue"
            problems.append(f"{msgid!r} ({used}): {state}")
        elif message.fuzzy:
            problems.append(f"{msgid!r} ({used}): marked fuzzy")
        elif not all(text.strip() for text in translations_of(message)):
            problems.append(f"{msgid!r} ({used}): no translation")
    assert not problems, f"{len(problems)} untranslated; {UPDATE_HINT}:\n" + "\n".join(problems)


def test_chinese_translations_keep_their_placeholders():
    problems = []
    for message in chinese_messages():
        expected = placeholders(msgids_of(message)[-1])
        for text in translations_of(message):
            if text and placeholders(text) != expected:
                problems.append(f"{msgids_of(message)[0]!r}: {text!r} has {placeholders(text)}, wants {expected}")
    assert not problems, "\n".join(problems)


@dataclass(frozen=True)
class Term:
    """A key concept of the order procedure (/work/shared/seed/order-procedure.zh.txt, 成交客户订单管理办法).

    A message whose English (and context) names the concept must not use a Chinese
    word that means something else in the procedure: the concept's own word is ``term``.
    """

    concept: str
    english: re.Pattern[str]
    term: str  # the procedure's word, and the section it comes from
    wrong: tuple[str, ...]  # words that name another concept of the procedure
    context: str | None = None  # only messages of this msgctxt (None: any)


def _en(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


GLOSSARY = (
    # 三、订单接收: an order is received (接收/接单); 收款 is money coming in (八、收款).
    Term("an order received", _en(r"\breceiv"), "接收 / 接单 (三)", ("收款", "付款"), context="order"),
    Term("an order received", _en(r"\border\b.*\breceiv|\breceiv.*\border\b|received through"),
         "接收 / 接单 (三)", ("收款",)),
    # An amount paid so far is not the invoice paid in full (付清/结清).
    Term("an amount paid", _en(r"\bpaid\b"), "已付 (八)", ("付清", "结清"), context="amount"),
    Term("review", _en(r"\breview"), "审核 (四)", ("评审", "审查", "审阅", "复审")),
    Term("re-check", _en(r"\bre-?check"), "复核 (三)", ("重新检查", "重检", "再检查")),
    Term("change request", _en(r"\bchange request"), "变更申请 (六、订单变更申请表)",
         ("更改请求", "修改请求", "变更请求", "更改申请")),
    Term("delivery note", _en(r"\bdelivery note"), "送货单 (七)", ("交货单", "送货通知")),
    Term("certificate of conformity", _en(r"\bcertificate of conformity"), "产品合格证 (七)",
         ("符合性证书", "一致性证书")),
    Term("signed for", _en(r"\bsigned for\b|\bsign-off\b"), "签收 (五、七)", ("签署", "签到")),
    Term("prepayment", _en(r"\bprepay"), "预付款 (八)", ("预付费", "定金", "订金")),
    Term("cash on delivery", _en(r"\bcash on delivery"), "货到付款 (八)", ("现金交货", "货到现金")),
    Term("reconciliation", _en(r"\breconcil"), "对账 (八)", ("调节表", "核对单")),
    Term("dunning", _en(r"\bdunning"), "催款 (八)", ("督促", "催告")),
)


def glossary_problems(messages: Iterator[Message]) -> list[str]:
    """Each message whose Chinese names a key concept of its English with another concept's word."""
    problems = []
    for message in messages:
        english = msgids_of(message)[0]
        for term in GLOSSARY:
            if term.context is not None and message.context != term.context:
                continue
            if not term.english.search(english):
                continue
            for text in translations_of(message):
                problems += [f"{english!r} ({message.context or 'no context'}): {text!r} says {word!r} for "
                             f"{term.concept}; the procedure says {term.term}" for word in term.wrong if word in text]
    return problems


def test_chinese_messages_use_the_procedure_s_word_for_each_key_concept():
    problems = glossary_problems(chinese_messages())
    assert not problems, "\n".join(problems)


def test_the_glossary_flags_a_payment_word_for_an_order_received():
    wrong = [Message("Received at", "收款时间", context="order"), Message("Paid", "已付清", context="amount"),
             Message("Decide the change request", "决定修改请求")]
    right = [Message("Received at", "接单时间", context="order"), Message("Received at", "收款时间"),
             Message("Paid", "已付金额", context="amount"), Message("Decide the change request", "审批变更申请")]

    assert len(glossary_problems(iter(wrong))) == 3
    assert glossary_problems(iter(right)) == []


def test_every_catalogue_passes_babels_checks_and_compiles(tmp_path):
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/*.po"):
        catalog = read_catalogue(po)
        errors = [f"{message.id!r}: {error}" for message, found in catalog.check() for error in found]
        assert not errors, f"{po.relative_to(ROOT)}:\n" + "\n".join(errors)
        with (tmp_path / f"{po.parent.parent.name}.mo").open("wb") as target:
            write_mo(target, catalog)


# --- what users see ---------------------------------------------------------------


def test_the_portal_speaks_chinese_to_a_chinese_browser(app, world):
    client = factories.portal_login(app, world.users["sales"])
    page = client.get("/inbox", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "收件箱" in page
    assert "暂无待办事项。" in page


def test_an_english_user_sees_the_english_portal(app, world):
    client = factories.portal_login(app, world.users["sales"])
    page = client.get("/inbox", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert "Inbox" in page
    assert "收件箱" not in page


def test_a_user_who_chose_chinese_reads_chinese_whatever_the_browser_says(app, world):
    client = factories.portal_login(app, world.users["sales"])
    client.post("/account", data={"lang-locale": "zh_CN"})
    assert "收件箱" in client.get("/inbox", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_api_explains_errors_in_the_callers_language(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    chinese = {"Accept-Language": "zh-CN"}
    missing = api.get("/api/v1/orders/999999", headers=chinese)
    assert missing.status_code == 404
    assert missing.get_json()["detail"] == "订单 999999 不存在"
    # A schema's own message (lazy, built when the schema class was defined) is translated too.
    no_lines = api.post("/api/v1/orders", json={"customer_id": world.customers[0].id, "lines": []}, headers=chinese)
    assert no_lines.status_code == 400
    assert "订单至少需要一行明细" in no_lines.get_data(as_text=True)
    english = api.get("/api/v1/orders/999999", headers={"Accept-Language": "en"})
    assert english.get_json()["detail"] == "order 999999 does not exist"

