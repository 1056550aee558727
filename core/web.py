"""Small helpers that portal views share: running a service call, flashing its error, error pages."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map, ValidationError

from core.db import MAX_ID, fail_request
from core.errors import OrdoError

T = TypeVar("T")


def attempt(action: Callable[[], T]) -> T | None:
    """Run a service call; on a business error, flash the message and return None.

    The request's work is then discarded as a whole (``core.db.fail_request``).
    """
    try:
        return action()
    except OrdoError as error:
        fail_request()
        flash(error.message, "error")
        return None


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a row's id, from 1 to ``MAX_ID``.

    A larger number names no row, so the rule does not match and the answer is
    404, before a query could send it to a database that refuses to compare it
    with an integer column (PostgreSQL) or to bind it at all (SQLite, past 2**63).
    """

    def __init__(self, map: Map) -> None:
        super().__init__(map, min=1, max=MAX_ID)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # refused before int() reads a long run of digits
            raise ValidationError()
        return super().to_python(value)


def render_error(status: int, message: str) -> tuple[str, int]:
    """The portal's error page."""
    return render_template("core/error.html", status=status, message=message), status


# What an HTTP error says when the code that raised it gave no words of its own: Werkzeug's
# built-in descriptions are English whatever the reader's language.
HTTP_MESSAGES = {
    400: _l("The request could not be read; go back and try again."),
    403: _l("You may not open this page."),
    404: _l("There is no such page: check the address, or start again from the inbox."),
    405: _l("This page cannot be used that way; start again from the inbox."),
    413: _l("What you sent is too large."),
    414: _l("The address is too long."),
    429: _l("Too many attempts; wait a moment and try again."),
    500: _l("Something went wrong on our side; try again later, and tell an administrator if it persists."),
    503: _l("The service is busy; try again in a moment."),
}


def http_error_message(error: HTTPException) -> str:
    """An HTTP error's message in the reader's language: the one the code gave, else its status's own."""
    if error.description and error.description != type(error).description:
        return str(error.description)
    status = error.code or 500
    fallback = 500 if status >= 500 else 400
    return str(HTTP_MESSAGES.get(status, HTTP_MESSAGES[fallback]))


def flash_form_errors(form: Any) -> None:
    for field_name, messages in form.errors.items():
        label = getattr(getattr(form, field_name, None), "label", None)
        for message in messages if isinstance(messages, list) else [messages]:
            flash(_("%(field)s: %(message)s", field=label.text if label else field_name, message=message), "error")


def required(data: T | None) -> T:
    """The data of a form field whose DataRequired or InputRequired validator has passed.

    WTForms types every field's data as optional (a field the request did not send
    keeps its default); once the form has validated, such a field has data, so None
    here means the view read a form it did not validate.
    """
    if data is None:
        raise RuntimeError("a required form field has no data: validate the form before reading it")
    return data
