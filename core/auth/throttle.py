"""Login throttling: failed logins counted per address, per account, and per account from one address.

The policy (the numbers are settings; docs/deploying.md, "Login throttling"):

- **per address**: at most ``address_limit`` failed logins per ``address_window`` from one
  address, whatever the usernames; then that address is refused (429) until its window ends.
- **per account from one address**: the first ``pair_free`` failures cost nothing; after
  that the address waits ``backoff`` before its next try for that account, twice as long
  after each further failure, at most ``max_backoff``. A success from the address clears
  its failures for the account; they are forgotten anyway a day after the last one.
- **per account, from every address**: past ``account_ceiling`` failures in
  ``account_window`` (a guess spread over many addresses), every address that itself
  has more than ``OWNER_SLIPS`` failures for the account is refused until that window
  ends; the owner who mistyped once or twice at their own address still gets in.

Nothing locks an account: an address with no recent failures always gets its password
checked, so a stranger cannot keep the owner out.

**Atomic.** A password check is admitted in one short transaction of its own, which
locks the three counter rows (``SELECT ... FOR UPDATE`` on PostgreSQL, in one fixed
order; SQLite lets one writer in at a time, and the transaction writes first), decides,
and counts the attempt as a failure before the password is checked. Parallel attempts
therefore queue on the rows, and no more than the policy allows get past; a success
then takes its count back. The counters live in the database, so every gunicorn
worker on every machine counts alike.

**Why not Flask-Limiter.** Its storage (the ``limits`` package) is memory, Redis,
Memcached or MongoDB, and none is SQL; our default deployment has only SQLite or
PostgreSQL, and memory storage does not hold across instances. It also limits
requests, whereas this policy counts outcomes (failures, cleared by a success) with a
growing back-off and a ceiling that spares clean addresses; counting only failures
with it means testing the limit before the password check and hitting it after, in
two steps that parallel attempts race through (the defect this module fixes).
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from core.models import LoginThrottle

ANY = ""  # the username (or address) of a row that counts every account (or every address)
PAIR_MEMORY = timedelta(hours=24)  # an account's failures from an address are forgotten after this
SWEEP_ROWS = 100  # expired rows deleted by one admission, at most
MAX_ADDRESS = 64  # login_throttle.address
OWNER_SLIPS = 2  # an address's failures for an account that the account's ceiling forgives

INSERT_IGNORING_DUPLICATES: dict[str, Callable[..., Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}


@dataclass(frozen=True)
class Policy:
    address_limit: int
    address_window: timedelta
    pair_free: int
    backoff: timedelta
    max_backoff: timedelta
    account_ceiling: int
    account_window: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        return cls(
            address_limit=int(config["ORDO_LOGIN_MAX_FAILURES_PER_ADDRESS"]),
            address_window=timedelta(minutes=int(config["ORDO_LOGIN_WINDOW_MINUTES"])),
            pair_free=int(config["ORDO_LOGIN_MAX_FAILURES"]),
            backoff=timedelta(seconds=int(config["ORDO_LOGIN_BACKOFF_SECONDS"])),
            max_backoff=timedelta(minutes=int(config["ORDO_LOGIN_MAX_BACKOFF_MINUTES"])),
            account_ceiling=int(config["ORDO_LOGIN_ACCOUNT_MAX_FAILURES"]),
            account_window=timedelta(minutes=int(config["ORDO_LOGIN_ACCOUNT_WINDOW_MINUTES"])),
        )

    def wait_after(self, failures: int) -> timedelta | None:
        """How long an address waits after its ``failures``-th failure for one account; None while free."""
        beyond = failures - self.pair_free
        if beyond < 0:
            return None
        if beyond >= 32 or self.backoff * 2 ** beyond >= self.max_backoff:
            return self.max_backoff
        return self.backoff * 2 ** beyond


@dataclass(frozen=True)
class Refusal:
    """Why a login is not checked now, and for how long (whole seconds, at least 1)."""

    retry_after: int
    whole_address: bool  # every account from this address, not only the one asked for


@dataclass(frozen=True)
class Admission:
    """A password check let through and counted as a failure until ``succeeded`` takes it back."""

    username: str
    address: str
    address_window_started_at: datetime
    account_window_started_at: datetime


@dataclass(frozen=True)
class _Count:
    failures: int
    window_started_at: datetime
    blocked_until: datetime | None

    @classmethod
    def of(cls, row: Any, now: datetime) -> _Count:
        if row.expires_at <= now:  # an expired row counts as new
            return cls(0, now, None)
        return cls(row.failures, row.window_started_at, row.blocked_until)


def address_key(remote_addr: str | None) -> str:
    """The address as the throttle keys it: never empty (that means 'any'), never longer than the column."""
    return (remote_addr or "unknown")[:MAX_ADDRESS]


def _key(username: str, address: str) -> Any:
    return and_(LoginThrottle.username == username, LoginThrottle.address == address)


def _seconds(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds()))


def admit(engine: Engine, username: str, remote_addr: str | None, *, now: datetime,
          policy: Policy) -> Admission | Refusal:
    """Let one password check for ``username`` from ``remote_addr`` through, or say why not.

    Committed at once on a connection of its own, so the count outlives the request's
    transaction (a failed login is answered with an error, which rolls that back).
    """
    address = address_key(remote_addr)
    # "" sorts first everywhere, and one transaction has one username and one address,
    # so this is the order in which PostgreSQL locks the rows too: no deadlock.
    keys = [(ANY, address), (username, ANY), (username, address)]
    with engine.begin() as connection:
        rows = _lock(connection, keys, now)
        by_address, by_account, pair = (_Count.of(rows[key], now) for key in keys)
        refusals = []
        if by_address.failures >= policy.address_limit:
            refusals.append(Refusal(_seconds(by_address.window_started_at + policy.address_window, now), True))
        if pair.blocked_until is not None and pair.blocked_until > now:
            refusals.append(Refusal(_seconds(pair.blocked_until, now), False))
        if by_account.failures >= policy.account_ceiling and pair.failures > OWNER_SLIPS:
            refusals.append(Refusal(_seconds(by_account.window_started_at + policy.account_window, now), False))
        if refusals:
            connection.rollback()
            return max(refusals, key=lambda refusal: (refusal.retry_after, refusal.whole_address))

        by_address = replace(by_address, failures=by_address.failures + 1)
        by_account = replace(by_account, failures=by_account.failures + 1)
        wait = policy.wait_after(pair.failures + 1)
        pair = replace(pair, failures=pair.failures + 1, blocked_until=now + wait if wait else None)
        _write(connection, keys[0], by_address, by_address.window_started_at + policy.address_window)
        _write(connection, keys[1], by_account, by_account.window_started_at + policy.account_window)
        _write(connection, keys[2], pair, max(now + PAIR_MEMORY, pair.blocked_until or now))
        _sweep(connection, now)
    return Admission(username, address, by_address.window_started_at, by_account.window_started_at)


def succeeded(engine: Engine, admission: Admission) -> None:
    """The password was right: take back the counted failure, and clear the account's failures from there."""
    with engine.begin() as connection:
        for key, started_at in (((ANY, admission.address), admission.address_window_started_at),
                                ((admission.username, ANY), admission.account_window_started_at)):
            # Only in the window it was counted in, and never below zero.
            connection.execute(
                update(LoginThrottle)
                .where(_key(*key), LoginThrottle.window_started_at == started_at, LoginThrottle.failures > 0)
                .values(failures=LoginThrottle.failures - 1)
            )
        connection.execute(delete(LoginThrottle).where(_key(admission.username, admission.address)))


def _lock(connection: Connection, keys: list[tuple[str, str]], now: datetime) -> dict[tuple[str, str], Any]:
    """The counter rows of ``keys``, created when missing, locked until the transaction ends."""
    insert = INSERT_IGNORING_DUPLICATES.get(connection.dialect.name)
    if insert is None:
        raise RuntimeError(f"the login throttle needs SQLite or PostgreSQL, not {connection.dialect.name}")
    table = LoginThrottle.__table__
    # A sweep in another transaction may delete an expired row between the insert and the
    # lock; the row is then simply made again.
    for _attempt in range(3):
        connection.execute(
            insert(table).values([{"username": username, "address": address, "failures": 0,
                                   "window_started_at": now, "expires_at": now} for username, address in keys])
            .on_conflict_do_nothing(index_elements=["username", "address"])
        )
        rows = {(row.username, row.address): row for row in connection.execute(
            select(table).where(or_(*(_key(*key) for key in keys)))
            .order_by(table.c.username, table.c.address).with_for_update()
        )}
        if len(rows) == len(keys):
            return rows
    raise RuntimeError("the login throttle's rows kept disappearing")


def _write(connection: Connection, key: tuple[str, str], count: _Count, expires_at: datetime) -> None:
    connection.execute(
        update(LoginThrottle).where(_key(*key)).values(
            failures=count.failures, window_started_at=count.window_started_at,
            blocked_until=count.blocked_until, expires_at=expires_at)
    )


def _sweep(connection: Connection, now: datetime) -> None:
    """Delete some expired rows; rows another transaction holds are skipped, never waited for."""
    expired = (select(LoginThrottle.username, LoginThrottle.address)
               .where(LoginThrottle.expires_at < now).limit(SWEEP_ROWS).with_for_update(skip_locked=True))
    connection.execute(delete(LoginThrottle).where(tuple_(LoginThrottle.username, LoginThrottle.address).in_(expired)))
