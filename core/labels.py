"""Labels: every code shown to a person, in the reader's language, from the core and the plugins.

Values stored as codes (statuses, outcomes, reason codes, rule names, module
names, roles, permissions, audit actions, system notes) are shown through a
label, looked up by namespace and code with :func:`label` (also the Jinja
global and filter ``label``). The labels come from the ``ordo_labels`` hook of
every registered plugin (the core's own table is :data:`CORE_LABELS`, which the
essentials plugin returns), and from what permissions, roles and manifests
carry themselves (namespaces ``permission``, ``role``, ``module`` and
``module.description``). They are collected once, when the app is built
(:func:`collect`); the labels are lazy, so one catalogue serves every language.

A code that nobody labels shows as it was stored: text a user typed stays as typed.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
# types-WTForms describes WTForms 3.2, which had no SelectChoice (new in 3.3).
from wtforms import SelectChoice  # type: ignore[attr-defined]

from core.contracts import Outcome, Stage
from core.errors import PluginError
from core.models import Channel, DeliveryMethod, InvoiceType, OrderStatus, OutboxStatus, PaymentTerms
from core.plugins import PluginRegistry

# The namespaces of the core's own codes; plugins add theirs (``status.shipment``, ``reason``, ...).
ORDER_STATUS = "status.order"
OUTBOX_STATUS = "status.outbox"
OUTBOX_ERROR = "outbox.error"
AUDIT_ACTION = "audit.action"
NOTE = "note"
PERMISSION = "permission"
ROLE = "role"
MODULE = "module"
MODULE_DESCRIPTION = "module.description"

CORE_LABELS: Mapping[str, Mapping[str, Any]] = {
    ORDER_STATUS: {
        OrderStatus.DRAFT: _l("Draft"),
        OrderStatus.SUBMITTED: _l("In review"),
        OrderStatus.APPROVED: _l("Approved"),
        OrderStatus.IN_PRODUCTION: _l("In production"),
        OrderStatus.REJECTED: _l("Rejected"),
        OrderStatus.SHIPPED: _l("Shipped"),
        OrderStatus.DELIVERED: _l("Signed for"),
        OrderStatus.COMPLETED: _l("Completed"),
        OrderStatus.CANCELLED: _l("Cancelled"),
    },
    OUTBOX_STATUS: {
        OutboxStatus.PENDING: _l("Waiting"),
        OutboxStatus.SENDING: _l("Being sent"),
        OutboxStatus.SENT: _l("Sent"),
        OutboxStatus.FAILED: _l("Failed"),
    },
    OUTBOX_ERROR: {
        "sender_stopped": _l("The sender stopped before it recorded the result; the server may have received "
                             "the message."),
    },
    "channel": {
        Channel.PHONE: _l("Phone"),
        Channel.EMAIL: _l("Email"),
        Channel.WEBSITE: _l("Company website"),
        Channel.ECOMMERCE: _l("E-commerce platform"),
        Channel.SALES_REP: _l("Sales staff (offline)"),
        Channel.PORTAL: _l("Customer portal"),
        Channel.API: _l("API integration"),
    },
    "payment_terms": {
        PaymentTerms.PREPAYMENT: _l("Prepayment"),
        PaymentTerms.CASH_ON_DELIVERY: _l("Cash on delivery"),
        PaymentTerms.MONTHLY: _l("Monthly settlement"),
    },
    "delivery_method": {
        DeliveryMethod.EXPRESS: _l("Express"),
        DeliveryMethod.FREIGHT: _l("Freight"),
        DeliveryMethod.PICKUP: _l("Customer pickup"),
    },
    "invoice_type": {
        InvoiceType.ORDINARY: _l("Ordinary VAT invoice"),
        InvoiceType.SPECIAL: _l("Special VAT invoice"),
    },
    "outcome": {
        Outcome.APPROVED: _l("Approved"),
        Outcome.REJECTED: _l("Rejected"),
        Outcome.SENT_BACK: _l("Sent back"),
    },
    "stage": {
        Stage.INTAKE: _l("Order intake"),
        Stage.REVIEW: _l("Order review"),
        Stage.LOGISTICS: _l("Execution and delivery"),
        Stage.BILLING: _l("Settlement and collection"),
        Stage.KPI: _l("KPIs"),
    },
}


@dataclass(frozen=True)
class Labels:
    """Every label of an app: by namespace and code, and the namespace of each labelled enum."""

    tables: Mapping[str, Mapping[str, Any]]
    enum_namespaces: Mapping[type[enum.Enum], str]

    def find(self, code: str, namespace: str) -> Any | None:
        return self.tables.get(namespace, {}).get(code)


def collect(registry: PluginRegistry) -> Labels:
    """Gather the labels of every registered plugin, enabled or not: old entries of a module switched off show too.

    Two plugins labelling one code in one namespace is a mistake in one of
    them, found here at start-up rather than by a reader.
    """
    tables: dict[str, dict[str, Any]] = {}
    owners: dict[tuple[str, str], str] = {}
    enum_namespaces: dict[type[enum.Enum], str] = {}
    for plugin, contribution in _contributions(registry, "ordo_labels"):
        for namespace, entries in (contribution or {}).items():
            for code, text in entries.items():
                key = code.value if isinstance(code, enum.Enum) else str(code)
                if isinstance(code, enum.Enum) and enum_namespaces.setdefault(type(code), namespace) != namespace:
                    raise PluginError(f"plugin {plugin!r} labels {type(code).__name__} in {namespace!r}; "
                                      f"it is labelled in {enum_namespaces[type(code)]!r}")
                other = owners.setdefault((namespace, key), plugin)
                if other != plugin:
                    raise PluginError(f"plugins {other!r} and {plugin!r} both label {key!r} in {namespace!r}")
                tables.setdefault(namespace, {})[key] = text
    # Permissions, roles and modules carry their labels; the first plugin to declare one names it.
    for _plugin, permissions in _contributions(registry, "ordo_permissions"):
        for permission in permissions or []:
            tables.setdefault(PERMISSION, {}).setdefault(permission.name, permission.label)
    for _plugin, roles in _contributions(registry, "ordo_roles"):
        for role in roles or []:
            tables.setdefault(ROLE, {}).setdefault(role.name, role.label)
    for manifest in registry.manifests.values():
        if manifest.label:
            tables.setdefault(MODULE, {})[manifest.name] = manifest.label
        if manifest.description:
            tables.setdefault(MODULE_DESCRIPTION, {})[manifest.name] = manifest.description
    return Labels(tables, enum_namespaces)


def _contributions(registry: PluginRegistry, hook: str) -> Iterator[tuple[str, Any]]:
    """Each registered plugin's answer to a hook without arguments, with the plugin's name."""
    for impl in getattr(registry.pm.hook, hook).get_hookimpls():
        call: Callable[[], Any] = impl.function
        yield impl.plugin_name, call()


def catalogue() -> Labels:
    """The current app's labels."""
    labels: Labels = current_app.extensions["ordo.labels"]
    return labels


def label(value: object, namespace: str | None = None, default: str | None = None,
          params: Mapping[str, Any] | None = None) -> str:
    """The label of a stored code in the reader's language.

    :param value: an enum member (its namespace is known) or a code.
    :param namespace: where to look the code up; needed for a plain string.
    :param default: shown when nobody labels the code; the code itself by default.
    :param params: values a label names as ``%(key)s`` (a list shows joined).
    """
    if value is None:
        return default or ""
    labels = catalogue()
    code = value.value if isinstance(value, enum.Enum) else value
    if namespace is None and isinstance(value, enum.Enum):
        namespace = labels.enum_namespaces.get(type(value))
    found = labels.find(code, namespace) if namespace is not None and isinstance(code, str) else None
    if found is None:
        return default if default is not None else str(code)
    return _formatted(str(found), params) if params else str(found)


def _formatted(text: str, params: Mapping[str, Any]) -> str:
    shown = {key: ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
             for key, value in params.items()}
    try:
        return text % shown
    except (KeyError, TypeError, ValueError):  # a label naming what this entry does not carry
        return text


def choices(enum_class: type[enum.Enum]) -> list[SelectChoice]:
    """The members of an enum as choices of a select field, labelled in the user's language."""
    return [SelectChoice(member.value, label(member)) for member in enum_class]


def system_note(note: str | None, data: Mapping[str, Any] | None = None) -> str:
    """A timeline note: a code reads as its label, with the entry's data; typed text stays as typed."""
    if not note:
        return ""
    return label(note, NOTE, params=data or {})
