"""Small helpers that portal views share: running a service call, flashing its error, error pages."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, render_template
from flask_babel import gettext as _

from core.db import fail_request
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


def render_error(status: int, message: str) -> tuple[str, int]:
    """The portal's error page."""
    return render_template("core/error.html", status=status, message=message), status


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
