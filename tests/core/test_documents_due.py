"""Documents rendered off the flow: the step that makes a document due queues it, the worker's
``documents.render`` job renders and stores the customer's copy after that step's commit, and the first GET
serves the stored bytes without rendering.

Renders are counted at the app's PDF renderer, as in ``test_documents``.
"""
from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from core.db import commit
from core.documents import render_due, render_soon
from core.extensions import db
from core.jobs import Worker, collect_jobs
from core.models import DocumentDue, JobOutcome, StoredDocument, utcnow
from core.plugins import registry
from tests import factories, orders


@pytest.fixture
def renders(app, monkeypatch) -> list[str]:
    renderer = app.extensions["ordo.pdf"]
    rendered: list[str] = []
    render = renderer.render

    def counted(template, **context):
        rendered.append(template)
        return render(template, **context)

    monkeypatch.setattr(renderer, "render", counted)
    return rendered


def due_rows() -> list[tuple[int, str]]:
    db.session.expire_all()
    return [(row.order_id, row.kind) for row in
            db.session.execute(select(DocumentDue).order_by(DocumentDue.id)).scalars()]


def stored_kinds(order) -> list[tuple[str, str]]:
    return [(row.kind, row.variant) for row in db.session.execute(
        select(StoredDocument).where(StoredDocument.order_id == order.id).order_by(StoredDocument.id)).scalars()]


def documents_job(holder: str = "w1") -> Worker:
    return Worker({"documents.render": collect_jobs(registry())["documents.render"]}, holder=holder)


def test_a_due_document_is_rendered_by_the_worker_and_the_first_get_renders_nothing(app, world, renders):
    order = orders.draft(world)
    render_soon(order, "confirmation")
    commit()
    assert due_rows() == [(order.id, "confirmation")] and renders == []  # the step itself rendered nothing

    run = documents_job().run("documents.render")

    assert (run.outcome, run.result) == (JobOutcome.SUCCEEDED, "rendered 1")
    assert renders == ["order_confirmation.html"] and due_rows() == []
    assert stored_kinds(order) == [("confirmation", "en:prices")]
    served = factories.portal_login(app, world.users["sales"]).get(f"/orders/{order.id}/documents/confirmation")
    assert served.status_code == 200 and served.data.startswith(b"%PDF-")
    assert renders == ["order_confirmation.html"]  # served from storage


def test_making_a_document_due_twice_queues_it_once_and_a_second_run_renders_nothing(app, world, renders):
    order = orders.draft(world)
    render_soon(order, "confirmation")
    render_soon(order, "confirmation")
    commit()
    assert due_rows() == [(order.id, "confirmation")]

    assert render_due(utcnow()) == 1
    commit()
    assert render_due(utcnow()) == 0
    commit()

    assert renders == ["order_confirmation.html"] and due_rows() == []


def test_a_document_a_get_has_stored_already_is_not_rendered_again(app, world, renders):
    order = orders.draft(world)
    render_soon(order, "confirmation")
    commit()
    factories.portal_login(app, world.users["sales"]).get(f"/orders/{order.id}/documents/confirmation")

    assert render_due(utcnow()) == 1  # stored: the one the GET rendered
    commit()

    assert renders == ["order_confirmation.html"] and due_rows() == []
    assert stored_kinds(order) == [("confirmation", "en:prices")]


def test_the_documents_due_at_a_time_are_the_ones_queued_by_then_oldest_first(app, world, renders):
    first, second = orders.draft(world), orders.draft(world)
    render_soon(second, "confirmation")
    commit()
    queued_at = utcnow()
    render_soon(first, "confirmation")
    commit()
    later = db.session.execute(select(DocumentDue).where(DocumentDue.order_id == first.id)).scalar_one()
    later.due_at = queued_at + timedelta(minutes=1)
    commit()

    assert render_due(queued_at + timedelta(seconds=30)) == 1
    commit()

    assert due_rows() == [(first.id, "confirmation")] and stored_kinds(first) == []
    assert stored_kinds(second) == [("confirmation", "en:prices")]


def test_the_documents_a_step_makes_due_are_queued_in_one_statement_a_waiting_one_once(app, world):
    order = orders.draft(world)
    render_soon(order, "confirmation")
    sent: list[str] = []

    def listen(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        render_soon(order, "delivery_note", "confirmation", "certificate")
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    commit()

    assert len(sent) == 1 and sent[0].startswith("INSERT")
    assert due_rows() == [(order.id, "confirmation"), (order.id, "delivery_note"), (order.id, "certificate")]


def test_a_kind_the_order_does_not_offer_is_dropped_from_the_queue(app, world, renders, caplog):
    order = orders.draft(world)
    render_soon(order, "no_such_kind")
    commit()

    with caplog.at_level(logging.INFO, logger="core.documents"):
        assert render_due(utcnow()) == 0
    commit()

    assert due_rows() == [] and renders == [] and stored_kinds(order) == []
    assert "no_such_kind" in caplog.text


def test_a_rendering_that_fails_is_logged_and_left_to_the_first_get(app, world, monkeypatch, caplog):
    order, other = orders.draft(world), orders.draft(world)
    render_soon(order, "confirmation")
    render_soon(other, "confirmation")
    commit()
    renderer = app.extensions["ordo.pdf"]
    render = renderer.render
    calls: list[str] = []

    def broken_once(template, **context):
        calls.append(template)
        if len(calls) == 1:
            raise RuntimeError("the template is broken")
        return render(template, **context)

    monkeypatch.setattr(renderer, "render", broken_once)
    with caplog.at_level(logging.ERROR, logger="core.documents"):
        assert render_due(utcnow()) == 1  # the other order's still rendered
    commit()

    assert due_rows() == [] and "could not be rendered" in caplog.text
    assert stored_kinds(order) == [] and stored_kinds(other) == [("confirmation", "en:prices")]
    served = factories.portal_login(app, world.users["sales"]).get(f"/orders/{order.id}/documents/confirmation")
    assert served.status_code == 200 and stored_kinds(order) == [("confirmation", "en:prices")]


def test_ordo_jobs_run_documents_render_renders_what_is_due(app, world, renders):
    order = orders.draft(world)
    render_soon(order, "confirmation")
    commit()

    result = app.test_cli_runner().invoke(args=["jobs", "run", "documents.render"])
    again = app.test_cli_runner().invoke(args=["jobs", "run", "documents.render"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "documents.render: rendered 1"
    assert again.output.strip() == "documents.render: nothing to do"
    assert renders == ["order_confirmation.html"]
