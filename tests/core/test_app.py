"""The factory's error handling: a busy database is a 503 to retry, over-long requests are refused in kind."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, make_url, select, text

from core.db import commit
from core.extensions import db
from core.models import ApiToken, Customer
from tests import factories, orders

PROBLEM = "application/problem+json"
NEW_CUSTOMER = {"code": "C100", "name": "杭州西湖电气"}


@pytest.fixture
def busy_app(make_app, database_url):
    """An app whose writers give up on a lock after 100 ms (SQLite's busy timeout, PostgreSQL's lock_timeout)."""
    if make_url(database_url).get_backend_name() == "postgresql":
        app = make_app({"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c lock_timeout=100"}}})
    else:
        app = make_app({"ORDO_SQLITE_BUSY_TIMEOUT_MS": 100})
    with app.app_context():
        yield app


@contextmanager
def locked(table: str) -> Iterator[None]:
    """Another connection holds the write lock: on SQLite the database's, on PostgreSQL ``table``'s."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        other = sqlite3.connect(url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
    else:
        engine = create_engine(url)
        try:
            with engine.connect() as other:
                other.execute(text(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE'))  # reads may go on
                try:
                    yield
                finally:
                    other.rollback()
        finally:
            engine.dispose()


def test_a_write_that_meets_a_lock_answers_503_with_retry_after_and_reads_go_on(busy_app):
    world = factories.build_world(busy_app)
    order = orders.submitted(world)
    commit()
    api = factories.ApiClient(busy_app, world.users["administrator"])

    with locked("customer"):
        refused = api.post("/api/v1/customers", json=NEW_CUSTOMER)
        read = api.get(f"/api/v1/orders/{order.id}")

    assert refused.status_code == 503 and refused.mimetype == PROBLEM
    assert refused.headers["Retry-After"].isdigit()
    assert refused.get_json()["title"] == "Service Unavailable"
    assert read.status_code == 200
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).first() is None
    assert api.post("/api/v1/customers", json=NEW_CUSTOMER).status_code == 201  # the retry succeeds


def test_a_portal_write_that_meets_a_lock_answers_a_503_page(busy_app):
    world = factories.build_world(busy_app)
    client = factories.portal_login(busy_app, world.users["sales"])

    with locked("customer"):
        page = client.post("/customers/new", data={**NEW_CUSTOMER, "credit_limit": "0", "payment_terms": "monthly"})

    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "The database is busy; try again in a moment." in page.get_data(as_text=True)
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).first() is None


def test_a_lock_met_only_at_commit_answers_503_too(busy_app):
    world = factories.build_world(busy_app)
    factories.token_for(world.users["sales"])
    token_id = db.session.execute(select(ApiToken.id)).scalar_one()
    client = factories.portal_login(busy_app, world.users["sales"])

    # Revoking changes the token and adds an audit entry; both are written when the request commits.
    with locked("api_token"):
        page = client.post(f"/account/tokens/{token_id}/revoke")

    assert page.status_code == 503
    db.session.expire_all()
    assert db.session.get(ApiToken, token_id).revoked_at is None


def test_a_url_over_the_limit_is_a_414_problem_before_anything_else(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    long_query = "/api/v1/orders?number=" + "x" * 20_000

    for caller in (api, app.test_client()):  # with a token or without
        response = caller.get(long_query)
        assert response.status_code == 414 and response.mimetype == PROBLEM
        assert "4096" in response.get_json()["detail"]

    at_the_limit = "/api/v1/orders?number=" + "x" * (4096 - len("/api/v1/orders?number="))
    assert api.get(at_the_limit).status_code == 200
    page = factories.portal_login(app, world.users["sales"]).get("/orders?number=" + "x" * 5000)
    assert page.status_code == 414 and page.mimetype == "text/html"


def test_a_body_over_the_limit_is_a_413_problem(make_app):
    app = make_app({"MAX_CONTENT_LENGTH": 2048})
    with app.app_context():
        world = factories.build_world(app)
        api = factories.ApiClient(app, world.users["administrator"])
        response = api.post("/api/v1/customers", json={**NEW_CUSTOMER, "address": "长" * 2000})
        assert response.status_code == 413 and response.mimetype == PROBLEM
        assert api.post("/api/v1/customers", json=NEW_CUSTOMER).status_code == 201
