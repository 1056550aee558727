"""Collection's hook implementations: a customer on credit hold has their open orders held out of execution
(``execution_gates``, and the same in SQL, ``execution_holds``) and a blocking finding in review
(``review_rules``); the dunning job (``ordo_jobs``); the dunning letter a customer's document
(``document_kinds``), in their language."""
from __future__ import annotations

import subprocess
from datetime import timedelta

from sqlalchemy import or_, select

from core.contracts import Severity, Verdict
from core.db import commit
from core.documents import issued_document
from core.extensions import db
from core.jobs import collect_jobs
from core.models import Company, Order, utcnow
from core.modules import hooks_for_company, hooks_for_order
from plugins.billing.collection import hold
from plugins.billing.collection.letters import LETTER
from plugins.billing.collection.models import HoldSource
from tests.plugins.billing.collection_helpers import dun, falls_due, invoice_of


def _held(world):
    customer = world.customers[0]
    hold.place(customer, source=HoldSource.DECISION, reason="经营异常", actor=world.users["manager"])
    commit()
    return customer


def test_hook_execution_gates(world, place_order):
    order = place_order()  # approved, cash on delivery: nothing holds it
    other = place_order(customer=1)
    gates = lambda o: [g for gs in hooks_for_order(o).execution_gates(order=o) for g in gs]  # noqa: E731
    assert not any(gate.blocked for gate in gates(order))
    _held(world)
    blocked, = [gate for gate in gates(order) if gate.blocked]
    assert (blocked.name, blocked.reason) == ("credit_hold", "the customer is on credit hold")
    assert not any(gate.blocked for gate in gates(other))
    hold.release(world.customers[0], "已付清", world.users["manager"])
    commit()
    assert not any(gate.blocked for gate in gates(order))


def test_hook_execution_holds(world, place_order):
    order, other = place_order(), place_order(customer=1)
    _held(world)
    conditions = [c for cs in hooks_for_company(world.company.id).execution_holds() for c in cs]
    held = set(db.session.execute(select(Order.id).where(Order.id.in_([order.id, other.id]),
                                                         or_(*conditions))).scalars())
    assert held == {order.id}


def test_hook_review_rules(world, place_order):
    order = place_order(submit=False)
    assert [f for fs in hooks_for_order(order).review_rules(order=order, change=None) for f in fs
            if f.rule == "credit_hold"] == []
    _held(world)
    finding, = [f for fs in hooks_for_order(order).review_rules(order=order, change=None) for f in fs
                if f.rule == "credit_hold"]
    assert (finding.verdict, finding.severity, finding.department) == (Verdict.APPROVE, Severity.BLOCKING, "sales")
    assert "经营异常" in finding.message


def test_hook_ordo_jobs(app):
    job = collect_jobs(app.extensions["ordo.plugins"])["billing.dunning"]
    assert job.every == timedelta(hours=1)


def test_hook_document_kinds(world, place_order, deliver):
    world.customers[0].language = "zh_CN"
    commit()
    order = falls_due(deliver(place_order()), db.session.get_one(Company, world.company.id).today()
                      - timedelta(days=31))
    dun(world.company, utcnow())
    dun(world.company, utcnow())  # the letter
    document = issued_document(db.session.get_one(Order, order.id), LETTER)
    assert document.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=document.content, check=True,
                          capture_output=True).stdout.decode()
    assert invoice_of(order).number in text and "31" in text
    fonts = subprocess.run(["pdffonts", "-"], input=document.content, capture_output=True).stdout.decode()
    assert "CJK" in fonts or "Noto" in fonts, fonts
