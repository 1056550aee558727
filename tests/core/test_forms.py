"""The portal forms' base class refuses control characters in every text field (core.forms.PortalForm)."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, PasswordField, StringField, TextAreaField

from core.extensions import db
from core.forms import PortalForm
from core.models import Customer
from tests import factories
from tests.core.test_masterdata_pages import NEW_CUSTOMER


class RowForm(Form):
    note = StringField()


class SampleForm(PortalForm):
    name = StringField()
    address = TextAreaField()
    password = PasswordField()
    rows = FieldList(FormField(RowForm), min_entries=1)


def validated(app, **data) -> SampleForm:
    with app.test_request_context(method="POST"):
        form = SampleForm(formdata=MultiDict(data))
        form.validate()
        return form


@pytest.mark.parametrize("text", ["Bell\x07Corp", "Bell\nCorp", "Bell\rCorp", "Bell\x00", "Bell\x7f", "Bell\x9b"])
def test_a_one_line_field_refuses_a_control_character_naming_it(app, text):
    form = validated(app, name=text)
    assert list(form.errors) == ["name"]
    assert "control character (U+" in form.errors["name"][0]


def test_a_text_area_takes_lines_and_tabs_and_a_password_anything(app):
    form = validated(app, name="Bell\tCorp", address="上海市\r\n浦东新区\t88 号", password="p\x07w")
    assert form.errors == {}


def test_a_text_area_refuses_other_control_characters(app):
    assert list(validated(app, address="上海市\x0b").errors) == ["address"]


def test_a_row_of_a_field_list_refuses_them_too(app):
    form = validated(app, **{"rows-0-note": "ok\x1b[31m"})
    assert list(form.errors) == ["rows"] and "control character (U+001B)" in form.errors["rows"][0]["note"][0]


def test_the_customer_page_refuses_a_name_with_a_bell_and_saves_nothing(app, world):
    client = factories.portal_login(app, world.users["sales"])
    response = client.post("/customers/new", data={**NEW_CUSTOMER, "name": "Bell\x07Corp"})
    assert response.status_code == 200  # the form again, the error beside the field
    assert "control character (U+0007)" in response.get_data(as_text=True)
    assert db.session.execute(select(Customer).where(Customer.code == "C100")).scalar_one_or_none() is None
