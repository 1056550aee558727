"""A test plugin whose execution gate holds every order back, as billing does for an unpaid prepayment.

Logistics must refuse to ship without knowing who raised the gate.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement

from core.contracts import Gate
from core.hookspecs import hookimpl
from core.modules import pinned
from core.plugins import Manifest

PREPAYMENT_REASON = "prepayment of 1,356.00 CNY not received"


@hookimpl
def execution_gates(order) -> list[Gate]:
    return [Gate("prepayment", blocked=True, reason=PREPAYMENT_REASON),
            Gate("credit", blocked=False, reason="within the credit limit")]


@hookimpl
def execution_holds() -> list[ColumnElement[bool]]:
    # Every order the plugin's gates are asked about: those it is pinned on.
    return [pinned(MANIFEST.name)]


MANIFEST = Manifest(
    name="test_gate",
    version="0.0.1",
    hooks=__name__,
    default_enabled=True,
    description="Holds every order back until its prepayment arrives.",
)
