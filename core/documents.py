"""Order documents: the kinds plugins offer, and rendering one for a user."""
from __future__ import annotations

from flask_babel import gettext as _

from core.auth.context import check, sees_prices
from core.contracts import DocumentKind
from core.errors import NotFound
from core.models import Order, User
from core.modules import hooks_for_order
from core.pdf import render_pdf


def document_kinds(order: Order) -> dict[str, DocumentKind]:
    """The document kinds available for the order, by name."""
    return {kind.name: kind for contribution in hooks_for_order(order).document_kinds()
            for kind in contribution}


def available_documents(order: Order, user: User) -> list[DocumentKind]:
    """The documents of the order that exist yet and that ``user`` may open."""
    return [kind for kind in document_kinds(order).values() if user.can(kind.permission) and kind.available(order)]


def render_document(order: Order, kind_name: str, user: User) -> tuple[bytes, str]:
    """The PDF bytes and a file name; NotFound for a kind no enabled plugin offers."""
    kind = document_kinds(order).get(kind_name)
    if kind is None:
        raise NotFound(_("no document kind %(kind)s for this order", kind=repr(kind_name)), field="kind")
    check(user, kind.permission)
    if not kind.available(order):
        raise NotFound(_("order %(number)s has no %(kind)s yet", number=order.display_number, kind=kind_name),
                       field="kind")
    context = kind.context(order)
    pdf = render_pdf(kind.template, order=order, user=user, show_prices=sees_prices(user), **context)
    return pdf, f"{kind.name}-{order.display_number}.pdf"
