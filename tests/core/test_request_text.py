"""A NUL byte, a lone surrogate or bytes that are not UTF-8 in any part of a request: a 400 naming the
parameter, never a 500 (core.request_text)."""
from __future__ import annotations

import pytest

from core.request_text import json_refusal, query_refusal, unreadable
from tests import factories

NUL, SURROGATE, OVERLONG = "%00", "%ED%A0%80", "%C0%AF"
HOSTILE = [NUL, SURROGATE, OVERLONG]


@pytest.mark.parametrize("encoded", HOSTILE)
def test_the_query_parser_names_the_parameter_holding_unreadable_text(encoded):
    assert query_refusal(f"page=1&q=ab{encoded}cd".encode()) == "q"
    named = query_refusal(f"x{encoded}=1".encode())  # a name itself unreadable: shown with replacements
    assert named is not None and named.startswith("x\ufffd") and "\x00" not in named


def test_readable_text_passes_the_parser_whatever_its_script_or_spaces():
    assert query_refusal("q=%E6%B7%98%E5%AE%9D+%E9%9B%B6%E5%94%AE&number=SO-1%09&&flag".encode()) is None
    assert not unreadable("上海\t,=+@".encode())
    assert unreadable(b"a\x00b") and unreadable(b"\xed\xa0\x80") and unreadable(b"\xc0\xaf")


def test_json_strings_with_a_nul_or_a_lone_surrogate_are_named_by_their_path():
    assert json_refusal({"name": "ok", "lines": [{"note": "a\x00"}]}) == "lines[0].note"
    assert json_refusal({"name": "\ud800"}) == "name"
    assert json_refusal({"na\x00me": 1}) == "na\x00me"
    assert json_refusal({"name": "上海", "lines": [1, None, True]}) is None


@pytest.fixture
def api(app, world):
    return factories.ApiClient(app, world.users["administrator"])


@pytest.mark.parametrize("encoded", HOSTILE)
@pytest.mark.parametrize("path,name", [
    ("/api/v1/orders?number={}", "number"),
    ("/api/v1/customers?q={}", "q"),
    ("/api/v1/products?q={}", "q"),
])
def test_an_api_filter_with_unreadable_text_is_a_problem_naming_it(api, path, name, encoded):
    response = api.get(path.format(f"A{encoded}"))
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.json["errors"] == [{"field": name, "message": response.json["detail"]}]
    assert name in response.json["detail"]


@pytest.mark.parametrize("text", ["Acme\x00Ltd", "Acme\ud800Ltd"])
def test_creating_a_customer_with_a_nul_or_a_surrogate_in_its_json_is_a_400(api, text):
    response = api.post("/api/v1/customers", json={"code": "C100", "name": text})
    assert response.status_code == 400 and response.json["errors"][0]["field"] == "name"


def test_json_that_is_not_utf8_is_a_400(api):
    response = api.post("/api/v1/customers", data=b'{"code": "C100", "name": "\xc0\xaf"}',
                        headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


@pytest.mark.parametrize("encoded", HOSTILE)
@pytest.mark.parametrize("path", ["/search?q={}", "/lookup/customers?q={}", "/lookup/products?q={}",
                                  "/orders?q={}", "/customers?q={}"])
def test_a_portal_search_with_unreadable_text_shows_the_error_page(app, world, path, encoded):
    client = factories.portal_login(app, world.users["sales"])
    response = client.get(path.format(f"A{encoded}"))
    assert response.status_code == 400
    assert "q: contains a NUL byte or text that is not valid UTF-8." in response.get_data(as_text=True)


@pytest.mark.parametrize("body", [b"code=C100&name=A%00B", b"code=C100&name=A%ED%A0%80", b"code=C100&name=A\xc0\xaf"])
def test_a_portal_form_with_unreadable_text_is_refused_before_csrf_or_the_form_reads_it(app, world, body):
    client = factories.portal_login(app, world.users["sales"])
    response = client.post("/customers/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400 and "name: contains a NUL byte" in response.get_data(as_text=True)


def test_a_multipart_field_with_a_nul_is_refused(app, world):
    client = factories.portal_login(app, world.users["sales"])
    response = client.post("/customers/new", data={"code": "C100", "name": "A\x00B"},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "name: contains a NUL byte" in response.get_data(as_text=True)


@pytest.mark.parametrize("raw", [b"/orders/\x00", b"/orders/\xc0\xaf", b"/api/v1/orders/\xed\xa0\x80"])
def test_a_path_with_unreadable_bytes_is_a_400(app, world, raw):
    # PATH_INFO as a server hands it over (its bytes as latin-1): the test client would re-encode them.
    client = factories.portal_login(app, world.users["sales"])
    response = client.get("/", environ_overrides={"PATH_INFO": raw.decode("latin-1")})
    assert response.status_code == 400 and "path" in response.get_data(as_text=True)
