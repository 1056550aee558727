"""The login throttle: per address, per account from one address, per account; atomic; nobody locked out."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.auth import throttle
from core.auth.services import Throttled, authenticate
from core.db import commit
from core.errors import AuthenticationFailed
from core.extensions import db
from core.models import LoginThrottle, User, utcnow
from tests import factories

A, B, C, D, E = "198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4", "198.51.100.5"


def token_request(client, username: str, password: str, address: str):
    return client.post("/api/v1/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def portal_login(client, username: str, password: str, address: str):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def fail(username: str, address: str, at) -> None:
    with pytest.raises(AuthenticationFailed):
        authenticate(username, "wrong", remote_addr=address, now=at)


def refused(username: str, password: str, address: str, at) -> Throttled:
    with pytest.raises(Throttled) as raised:
        authenticate(username, password, remote_addr=address, now=at)
    return raised.value


def test_five_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(client, world):
    admin = world.users["administrator"].username
    for _ in range(5):
        assert token_request(client, admin, "x", A).status_code == 401

    slowed = token_request(client, admin, factories.PASSWORD, A)  # even the right password waits, from A
    assert slowed.status_code == 429
    assert slowed.content_type == "application/problem+json"
    assert 0 < int(slowed.headers["Retry-After"]) <= 60
    assert f"too many failed logins for {admin} from your address" in slowed.get_json()["detail"]
    page = portal_login(client, admin, factories.PASSWORD, A)
    assert page.status_code == 429 and "Retry-After" in page.headers

    assert token_request(client, admin, factories.PASSWORD, B).status_code == 201  # the owner, elsewhere
    assert portal_login(client, admin, factories.PASSWORD, B).status_code == 302
    assert token_request(client, world.users["sales"].username, factories.PASSWORD, A).status_code == 201


def test_one_address_trying_forty_usernames_is_stopped_after_twenty(client, world):
    answers = [token_request(client, f"guess-{n}", "x", A) for n in range(40)]
    assert [answer.status_code for answer in answers] == [401] * 20 + [429] * 20
    stopped = answers[20]
    assert "too many failed logins from your address" in stopped.get_json()["detail"]
    assert 14 * 60 < int(stopped.headers["Retry-After"]) <= 15 * 60
    # That address is refused for every account, the right password too; others are not.
    assert token_request(client, world.users["sales"].username, factories.PASSWORD, A).status_code == 429
    assert token_request(client, world.users["sales"].username, factories.PASSWORD, B).status_code == 201


def test_an_address_may_try_again_once_its_window_has_passed(app, world):
    start = utcnow()
    for n in range(20):
        fail(f"guess-{n}", A, start)
    assert refused("guess-x", "x", A, start + timedelta(minutes=14)).retry_after == 60
    fail("guess-x", A, start + timedelta(minutes=15))


def test_each_further_failure_doubles_the_wait_and_the_right_password_then_succeeds(app, world):
    sales = world.users["sales"].username
    start = utcnow()
    for _ in range(5):
        fail(sales, A, start)
    waiting = refused(sales, factories.PASSWORD, A, start + timedelta(seconds=30))
    assert waiting.retry_after == 30 and waiting.status == 429

    fail(sales, A, start + timedelta(seconds=60))  # the sixth: two minutes now
    assert refused(sales, "wrong", A, start + timedelta(seconds=179)).retry_after == 1
    fail(sales, A, start + timedelta(seconds=180))  # the seventh: four minutes
    assert refused(sales, "wrong", A, start + timedelta(seconds=419)).retry_after == 1
    assert authenticate(sales, factories.PASSWORD, remote_addr=A, now=start + timedelta(seconds=420)).username == sales


def test_the_wait_doubles_up_to_its_ceiling():
    policy = throttle.Policy(address_limit=20, address_window=timedelta(minutes=15), pair_free=5,
                             backoff=timedelta(seconds=60), max_backoff=timedelta(minutes=60),
                             account_ceiling=100, account_window=timedelta(minutes=60))
    waits = [policy.wait_after(failures) for failures in range(1, 13)]
    assert waits[:4] == [None] * 4
    assert [wait.total_seconds() / 60 for wait in waits[4:] if wait] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert policy.wait_after(10_000) == timedelta(minutes=60)


def test_a_success_from_an_address_clears_its_failures_for_the_account(app, world):
    sales = world.users["sales"].username
    start = utcnow()
    for _ in range(4):
        fail(sales, A, start)
    authenticate(sales, factories.PASSWORD, remote_addr=A, now=start)
    for _ in range(5):  # five more free failures, not one
        fail(sales, A, start)
    refused(sales, factories.PASSWORD, A, start)


def test_a_success_takes_back_its_count_against_the_address(app, world):
    start = utcnow()
    for _ in range(30):
        authenticate(world.users["sales"].username, factories.PASSWORD, remote_addr=A, now=start)
    for n in range(20):
        fail(f"guess-{n}", A, start)
    refused("guess-x", "x", A, start)


def test_past_the_account_ceiling_only_addresses_with_failures_for_it_are_slowed(make_app):
    app = make_app({"ORDO_LOGIN_ACCOUNT_MAX_FAILURES": 6})
    with app.app_context():
        world = factories.build_world(app)
        admin = world.users["administrator"].username
        start = utcnow()
        for address in (A, B, C):  # a guess spread over addresses, each under its own limits
            for _ in range(3):
                fail(admin, address, start)

        slowed = refused(admin, factories.PASSWORD, A, start + timedelta(minutes=10))
        assert slowed.retry_after == 50 * 60  # until the account's hour has passed
        assert authenticate(admin, factories.PASSWORD, remote_addr=D, now=start).username == admin  # a clean address
        for _ in range(3):  # a clean address that fails past the owner's slips is slowed too
            fail(admin, E, start)
        refused(admin, factories.PASSWORD, E, start)
        assert authenticate(admin, factories.PASSWORD, remote_addr=A, now=start + timedelta(hours=1)).username == admin


def test_a_strangers_flood_does_not_keep_out_the_owner_who_mistyped_at_their_address(make_app):
    app = make_app({"ORDO_LOGIN_ACCOUNT_MAX_FAILURES": 6})
    with app.app_context():
        world = factories.build_world(app)
        admin = world.users["administrator"].username
        start = utcnow()
        fail(admin, A, start)  # the owner mistypes at their own address
        for address in (B, C, D):  # then a stranger floods the account past its ceiling
            for _ in range(3):
                fail(admin, address, start + timedelta(minutes=1))
        refused(admin, "guess", B, start + timedelta(minutes=2))  # the stranger's addresses wait

        fail(admin, A, start + timedelta(minutes=3))  # the owner's second slip is still checked
        owner = authenticate(admin, factories.PASSWORD, remote_addr=A, now=start + timedelta(minutes=4))
        assert owner.username == admin


def test_expired_counters_are_swept_away(app, world):
    start = utcnow()
    fail("guess-1", A, start)
    assert db.session.execute(select(func.count()).select_from(LoginThrottle)).scalar_one() == 3
    fail("guess-2", B, start + timedelta(days=2))
    left = db.session.execute(select(LoginThrottle.username, LoginThrottle.address)).all()
    assert sorted(left) == sorted([("", B), ("guess-2", ""), ("guess-2", B)])


def test_an_address_longer_than_the_column_is_counted_not_refused(client, world):
    answer = token_request(client, world.users["sales"].username, factories.PASSWORD, "2001:db8::1," * 20)
    assert answer.status_code == 201


def test_parallel_wrong_passwords_get_at_most_five_password_checks(make_app, monkeypatch):
    app = make_app()
    with app.app_context():
        world = factories.build_world(app)
        admin = world.users["administrator"].username
        commit()
        db.session.remove()
    checks: list[str] = []
    check_password = User.check_password

    def counted(user: User, password: str) -> bool:
        checks.append(user.username)
        return check_password(user, password)

    monkeypatch.setattr(User, "check_password", counted)
    start = threading.Barrier(24)
    statuses: list[int] = []

    def guess() -> None:
        client = app.test_client()
        start.wait()
        statuses.append(token_request(client, admin, "wrong", A).status_code)

    threads = [threading.Thread(target=guess) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == 5
    assert sorted(statuses) == [401] * 5 + [429] * 19
    with app.app_context():
        counted_failures = db.session.execute(
            select(LoginThrottle.failures).where(LoginThrottle.username == admin, LoginThrottle.address == A)
        ).scalar_one()
        assert counted_failures == 5


def test_a_throttled_address_is_refused_before_any_password_check(app, world, monkeypatch):
    sales = world.users["sales"].username
    with db.engine.begin() as connection:
        connection.execute(throttle.INSERT_IGNORING_DUPLICATES[connection.dialect.name](LoginThrottle).values(
            username="", address=A, failures=20, window_started_at=utcnow(),
            expires_at=utcnow() + timedelta(minutes=15)))
        connection.execute(update(LoginThrottle).values(failures=20))
    checked: list[str] = []
    monkeypatch.setattr(User, "check_password", lambda user, password: checked.append(password) or True)
    refused(sales, factories.PASSWORD, A, utcnow())
    assert checked == []
