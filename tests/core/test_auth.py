"""Signing in, sessions that end everywhere, CSRF and API tokens (the throttle: test_auth_throttle.py)."""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update
from werkzeug.security import check_password_hash

from core.auth import services as auth_services
from core.companies import set_role_permissions, update_user
from core.db import commit
from core.errors import AuthenticationFailed
from core.extensions import db
from core.models import ApiToken, User
from core.models import users as users_module
from tests import factories


def test_a_user_signs_in_and_lands_in_the_inbox(client, world):
    response = client.post("/login?next=/inbox", data={"username": "acme-sales", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inbox")
    assert "收件箱" in client.get("/inbox", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "Inbox" in client.get("/inbox", headers={"Accept-Language": "en-US"}).get_data(as_text=True)


def test_pages_need_a_signed_in_user(client, world):
    response = client.get("/inbox")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_a_wrong_password_is_refused_with_a_message(client, world):
    response = client.post("/login", data={"username": "acme-sales", "password": "nope"})
    assert response.status_code == 401
    assert "wrong username or password" in response.get_data(as_text=True)


def test_the_next_parameter_cannot_send_users_to_another_site(client, world):
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "acme-sales", "password": factories.PASSWORD})
    assert response.headers["Location"].endswith("/inbox")


def test_the_session_cookie_is_http_only_and_same_site(client, world):
    response = client.post("/login", data={"username": "acme-sales", "password": factories.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_without_a_csrf_token_are_refused(make_app):
    app = make_app({"WTF_CSRF_ENABLED": True})
    with app.app_context():
        factories.build_world(app)
        response = app.test_client().post("/login", data={"username": "acme-sales",
                                                           "password": factories.PASSWORD})
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True)


def test_signing_out_ends_the_session(client, world):
    client.post("/login", data={"username": "acme-sales", "password": factories.PASSWORD})
    assert client.post("/logout").status_code == 302
    assert client.get("/inbox").status_code == 302


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session", domain="ordo.test")
    assert cookie is not None
    return cookie.value


def _replayed(app, cookie: str):
    """The inbox as someone who copied the session cookie sees it, from another browser."""
    other = app.test_client()
    other.set_cookie("session", cookie, domain="ordo.test")
    return other.get("/inbox")


def _edit_user(client, user, **changes):
    form = {"username": user.username, "name": user.name, "roles": user.role_names, "active": "y",
            "superior_id": "0", "customer_id": "0"}
    form.update(changes)
    return client.post(f"/admin/users/{user.id}", data={k: v for k, v in form.items() if v is not None})


def test_a_copied_session_cookie_stops_working_after_logout(app, world):
    client = factories.portal_login(app, world.users["sales"])
    copied = _session_cookie(client)
    assert _replayed(app, copied).status_code == 200
    client.post("/logout")
    replayed = _replayed(app, copied)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_signing_out_on_one_device_signs_out_every_device(app, world):
    laptop = factories.portal_login(app, world.users["sales"])
    phone = factories.portal_login(app, world.users["sales"])
    laptop.post("/logout")
    assert phone.get("/inbox").status_code == 302


def test_a_new_password_ends_every_session_but_not_the_api_tokens(app, world):
    sales = world.users["sales"]
    api = factories.ApiClient(app, sales)
    copied = _session_cookie(factories.portal_login(app, sales))
    admin = factories.portal_login(app, world.users["administrator"])
    assert _edit_user(admin, sales, password="a-new-password-9").status_code == 302
    assert _replayed(app, copied).status_code == 302
    assert api.get("/api/v1/me").status_code == 200  # a token is a credential of its own
    new = app.test_client().post("/login", data={"username": sales.username, "password": "a-new-password-9"})
    assert new.status_code == 302


def test_an_administrator_who_changes_their_own_password_stays_signed_in_there_only(app, world):
    admin_user = world.users["administrator"]
    elsewhere = _session_cookie(factories.portal_login(app, admin_user))
    admin = factories.portal_login(app, admin_user)
    assert _edit_user(admin, admin_user, password="a-new-password-9").status_code == 302
    assert admin.get("/inbox").status_code == 200
    assert _replayed(app, elsewhere).status_code == 302


def test_deactivating_a_user_ends_their_sessions_for_good(app, world):
    sales = world.users["sales"]
    copied = _session_cookie(factories.portal_login(app, sales))
    admin = factories.portal_login(app, world.users["administrator"])
    assert _edit_user(admin, sales, active=None).status_code == 302  # unticked
    assert _replayed(app, copied).status_code == 302
    assert _edit_user(admin, sales).status_code == 302  # active again: the old cookie stays dead
    assert _replayed(app, copied).status_code == 302
    assert factories.portal_login(app, sales).get("/inbox").status_code == 200


def test_a_session_without_a_version_is_not_accepted(app, world):
    client = factories.portal_login(app, world.users["sales"])
    with client.session_transaction() as session:
        session["_user_id"] = str(world.users["sales"].id)  # as sessions were before versions
    assert client.get("/inbox").status_code == 302


def test_a_token_is_exchanged_for_a_password_and_stored_only_as_a_digest(client, world):
    response = client.post("/api/v1/tokens", json={"username": "acme-finance", "password": factories.PASSWORD,
                                                   "name": "ERP bridge"})
    assert response.status_code == 201
    token = response.get_json()["token"]
    stored = db.session.execute(select(ApiToken).where(ApiToken.name == "ERP bridge")).scalar_one()
    assert token not in (stored.digest, stored.prefix) and len(stored.digest) == 64
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["roles"] == ["finance"]
    assert me.get_json()["company"]["code"] == "ACME"


def test_the_api_refuses_calls_without_a_valid_token(client, world):
    for headers in ({}, {"Authorization": "Bearer ordo_nonsense"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_the_api_does_not_accept_the_portal_session(client, world):
    client.post("/login", data={"username": "acme-sales", "password": factories.PASSWORD})
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_is_created_and_revoked_in_the_portal(app, world):
    client = factories.portal_login(app, world.users["sales"])
    page = client.post("/account", data={"token-name": "shop sync"}).get_data(as_text=True)
    token = page.split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    stored = db.session.execute(select(ApiToken).where(ApiToken.name == "shop sync")).scalar_one()
    client.post(f"/account/tokens/{stored.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_user_picks_the_portal_language(app, world):
    client = factories.portal_login(app, world.users["sales"])
    client.post("/account", data={"lang-locale": "en"})
    assert "Inbox" in client.get("/inbox").get_data(as_text=True)
    client.post("/account", data={"lang-locale": "zh_CN"})
    assert "收件箱" in client.get("/inbox").get_data(as_text=True)


def test_the_cli_creates_a_token_that_works(app, world):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "--username", "acme-sales", "--name", "cli"])
    assert result.exit_code == 0
    token = result.output.strip()
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_only_users_allowed_api_tokens_get_one_through_the_api(client, world):
    response = client.post("/api/v1/tokens", json={"username": "acme-production", "password": factories.PASSWORD})
    assert response.status_code == 403
    assert response.get_json()["permissions"] == ["account.tokens"]
    assert response.get_json()["detail"] == "you need the permission “Create API tokens for oneself” for this"


def _last_used(token_id: int):
    """The stamp as the database has it now, not as this test's session remembers it."""
    with db.engine.connect() as connection:
        return connection.execute(select(ApiToken.last_used_at).where(ApiToken.id == token_id)).scalar_one()


def test_a_tokens_use_is_recorded_after_the_response_at_most_every_few_minutes(make_app):
    app = make_app({"ORDO_TOKEN_TOUCH_MINUTES": 5})
    with app.app_context():
        world = factories.build_world(app)
        api = factories.ApiClient(app, world.users["sales"])
        token_id = db.session.execute(select(ApiToken.id).where(ApiToken.name == "tests")).scalar_one()

        response = api.get("/api/v1/me")
        assert response.status_code == 200
        assert _last_used(token_id) is None  # nothing written while the request ran
        response.close()  # the server has sent the body
        first = _last_used(token_id)
        assert first is not None

        api.get("/api/v1/me", buffered=True)
        assert _last_used(token_id) == first  # used again within 5 minutes: not written again

        earlier = first - timedelta(minutes=6)
        with db.engine.begin() as connection:
            connection.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=earlier))
        api.get("/api/v1/me", buffered=True)
        assert _last_used(token_id) > first


def test_two_requests_that_find_a_stale_stamp_write_it_once(make_app):
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        api = factories.ApiClient(app, world.users["sales"])
        token_id = db.session.execute(select(ApiToken.id).where(ApiToken.name == "tests")).scalar_one()
        # Two workers read the token before either has recorded its use.
        first, second = api.get("/api/v1/me"), api.get("/api/v1/me")
        first.close()
        stamped = _last_used(token_id)
        second.close()
        assert _last_used(token_id) == stamped


def test_an_api_read_writes_nothing_in_its_own_transaction(make_app):
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        api = factories.ApiClient(app, world.users["sales"])
        engine = db.engine
    writes: list[str] = []

    def record(connection, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = api.get("/api/v1/orders")
        assert response.status_code == 200 and writes == []
        response.close()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE API_TOKEN")


def test_a_token_of_a_deactivated_user_is_refused(app, world):
    api = factories.ApiClient(app, world.users["sales"])
    assert api.get("/api/v1/me").status_code == 200
    world.users["sales"].active = False
    commit()
    assert api.get("/api/v1/me").status_code == 401


def _login_seconds(username: str, address: str) -> float:
    started = time.perf_counter()
    with pytest.raises(AuthenticationFailed):
        auth_services.authenticate(username, "not-the-password", remote_addr=address)
    return time.perf_counter() - started


def test_an_unknown_username_takes_as_long_to_refuse_as_a_wrong_password(make_app):
    # The production hash method, and a throttle that never refuses here.
    app = make_app({"ORDO_PASSWORD_HASH_METHOD": users_module.PASSWORD_HASH_METHOD,
                    "ORDO_LOGIN_MAX_FAILURES_PER_ADDRESS": 10_000, "ORDO_LOGIN_MAX_FAILURES": 10_000,
                    "ORDO_LOGIN_ACCOUNT_MAX_FAILURES": 10_000})
    with app.app_context():
        world = factories.build_world(app)
        sales = world.users["sales"]
        sales.set_password(factories.PASSWORD)  # hashed with the production method too
        commit()
        _login_seconds("nobody-here", "192.0.2.1")  # the dummy hash is made on first use, not timed
        gaps = []
        for round_ in range(3):  # the machine is shared: one quiet round of three is enough
            known, unknown = [], []
            for n in range(30):  # interleaved, so a slow moment hits both alike
                known.append(_login_seconds(sales.username, f"192.0.2.{n}"))
                unknown.append(_login_seconds(f"nobody-{round_}-{n}", f"192.0.2.{n}"))
            gaps.append(abs(statistics.median(known) - statistics.median(unknown)) / statistics.median(known))
            if gaps[-1] < 0.10:
                break
        assert min(gaps) < 0.10, gaps


def test_both_login_paths_check_one_password_hash_for_an_unknown_user_and_a_known_one(client, world, monkeypatch):
    checked: list[str] = []

    def counting(stored: str, password: str) -> bool:
        checked.append(password)
        return check_password_hash(stored, password)

    monkeypatch.setattr(users_module, "check_password_hash", counting)
    monkeypatch.setattr(auth_services, "check_password_hash", counting)
    for username in ("acme-sales", "nobody-here"):
        for path, send in (("/login", "data"), ("/api/v1/tokens", "json")):
            checked.clear()
            response = client.post(path, **{send: {"username": username, "password": "nope"}})
            assert response.status_code == 401, (username, path)
            assert checked == ["nope"], (username, path)


# --- what a token may do is read afresh by every request -------------------------------------------------
# Every API request reads its token, user, roles' permissions and company in one statement built once per app
# (``core.auth.services``); nothing of what it read is kept for the next request, so whatever an administrator
# changes applies from the next request on, in every worker. Each request here runs outside the test's
# application context, with a session of its own, as served; each change is made in a unit of work of its own.


@pytest.fixture
def served(make_app):
    """An app, its world, and the sales clerk's token client, used outside any application context."""
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        api = factories.ApiClient(app, world.users["sales"])
        sales_id = world.users["sales"].id
    return app, api, sales_id


def _status(api, path: str) -> tuple[int, dict]:
    response = api.get(path)
    response.close()  # as a server does once the body is sent
    return response.status_code, response.get_json()


def _changed(app, change) -> None:
    """``change(sales clerk)`` made and committed by someone else's unit of work."""
    with app.app_context():
        change()
        commit()


def _sales(sales_id: int) -> User:
    return db.session.get_one(User, sales_id)


def test_a_revoked_token_is_refused_from_the_next_request_on(served):
    app, api, sales_id = served
    assert _status(api, "/api/v1/orders")[0] == 200

    def revoke() -> None:
        token_id = db.session.execute(select(ApiToken.id).where(ApiToken.user_id == sales_id)).scalar_one()
        auth_services.revoke_token(_sales(sales_id), token_id)

    _changed(app, revoke)
    assert _status(api, "/api/v1/orders")[0] == 401


def test_a_role_taken_away_takes_its_permissions_with_it_from_the_next_request_on(served):
    app, api, sales_id = served
    status, me = _status(api, "/api/v1/me")
    assert status == 200 and me["roles"] == ["sales"] and "order.view" in me["permissions"]
    assert _status(api, "/api/v1/orders")[0] == 200

    def take_the_role() -> None:
        clerk = _sales(sales_id)
        update_user(clerk, roles=[], active=True, name=clerk.name, email=clerk.email,
                    superior_id=clerk.superior_id, actor=None)

    _changed(app, take_the_role)
    status, me = _status(api, "/api/v1/me")
    assert status == 200 and me["roles"] == [] and me["permissions"] == []
    status, problem = _status(api, "/api/v1/orders")
    assert status == 403 and problem["permissions"] == ["order.view"]


def test_a_permission_withdrawn_from_a_role_is_refused_from_the_next_request_on(served):
    app, api, sales_id = served
    assert _status(api, "/api/v1/orders")[0] == 200

    def withdraw() -> None:
        [role] = _sales(sales_id).roles
        set_role_permissions(role, role.permissions - {"order.view"}, actor=None)

    _changed(app, withdraw)
    status, me = _status(api, "/api/v1/me")
    assert status == 200 and "order.view" not in me["permissions"] and me["roles"] == ["sales"]
    assert _status(api, "/api/v1/orders")[0] == 403

    def grant_again() -> None:
        [role] = _sales(sales_id).roles
        set_role_permissions(role, role.permissions | {"order.view"}, actor=None)

    _changed(app, grant_again)
    assert _status(api, "/api/v1/orders")[0] == 200


def test_a_deactivated_users_token_is_refused_from_the_next_request_on(served):
    app, api, sales_id = served
    assert _status(api, "/api/v1/me")[0] == 200

    def deactivate() -> None:
        clerk = _sales(sales_id)
        update_user(clerk, roles=clerk.role_names, active=False, name=clerk.name, email=clerk.email,
                    superior_id=clerk.superior_id, actor=None)

    _changed(app, deactivate)
    assert _status(api, "/api/v1/me")[0] == 401
