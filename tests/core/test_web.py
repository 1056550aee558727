"""Ids in paths: a number no row can have does not match the route (404), on every route, never a 500.
Error pages: written in the language of whoever asked."""
from __future__ import annotations

import pytest
from werkzeug.routing.converters import NumberConverter

from core.api import API_PREFIX
from core.db import MAX_ID
from core.web import IdConverter
from tests import factories
from tests.test_translations_crawl import CJK, LATIN_WORD, SAME_IN_BOTH, read_page

OUT_OF_RANGE = [0, MAX_ID + 1, 924992436635, 2**40, 2**64, int("9" * 30)]
BODY_METHODS = {"POST", "PATCH", "PUT"}


def _id_rules(app):
    """(rule, its id arguments) for every rule with an id in its path."""
    for rule in app.url_map.iter_rules():
        ids = [name for name, converter in rule._converters.items() if isinstance(converter, NumberConverter)]
        if ids:
            yield rule, ids


def _path(app, rule, ids, method, value) -> str:
    """The rule's path with ``value`` for every id and a plain word for any other argument."""
    values = {name: value if name in ids else "confirmation" for name in rule.arguments}
    path = app.url_map.bind("ordo.test").build(rule.endpoint, values, method=method)
    assert str(value) in path, (rule.rule, path)
    return path


@pytest.fixture
def callers(app, world):
    admin = world.users["administrator"]
    return factories.ApiClient(app, admin), factories.portal_login(app, admin)


def _request(callers, rule, method, path):
    api, portal = callers
    if rule.rule.startswith(API_PREFIX + "/"):
        return api._call(method, path, json={} if method in BODY_METHODS else None), "application/problem+json"
    return portal.open(path, method=method), "text/html"


def test_every_number_in_a_path_is_a_bounded_id(app):
    loose = [rule.rule for rule, ids in _id_rules(app)
             if not all(isinstance(rule._converters[name], IdConverter) for name in ids)]
    assert loose == [], "declare ids as <id:name>, not <int:name>"
    assert len(list(_id_rules(app))) >= 25


def test_an_out_of_range_id_in_any_path_is_not_found(app, callers):
    answers = {}
    for rule, ids in _id_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for value in OUT_OF_RANGE:
                response, content_type = _request(callers, rule, method, _path(app, rule, ids, method, value))
                # Werkzeug would say 405 when another rule of the same shape takes other methods
                # (it checks the method before the id); no method could succeed, so it is a 404.
                if response.status_code != 404 or response.mimetype != content_type:
                    answers[f"{method} {rule.rule} = {value}"] = (response.status_code, response.mimetype)
    assert answers == {}


def test_the_largest_id_reaches_the_database_and_names_no_row(app, callers):
    """MAX_ID itself is a valid id: the query runs and finds nothing, or the body is refused first."""
    answers = {}
    for rule, ids in _id_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response, content_type = _request(callers, rule, method, _path(app, rule, ids, method, MAX_ID))
            if response.status_code >= 500 or response.status_code == 200:
                answers[f"{method} {rule.rule}"] = response.status_code
            if rule.rule.startswith(API_PREFIX + "/") and response.mimetype != content_type:
                answers[f"{method} {rule.rule}"] = response.mimetype
    assert answers == {}


def test_a_long_run_of_digits_is_not_found_before_it_is_read(app, callers):
    api, _portal = callers
    response = api.get(f"/api/v1/orders/{'9' * 5000}")
    assert response.status_code in {404, 414}
    assert response.mimetype == "application/problem+json"


# --- error pages -------------------------------------------------------------------

# Each way a portal page answers with an error of HTTP's own (Werkzeug's, not a service's).
HTTP_ERRORS = [("GET", "/no-such-page", 404), ("DELETE", "/inbox", 405), ("GET", "/orders/99999", 404)]


def _error_page(app, world, method: str, path: str, language: str) -> tuple[int, str]:
    client = factories.portal_login(app, world.users["sales"])
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.open(path, method=method)
    text, _links = read_page(response.get_data(as_text=True))
    for typed in (world.company.name, world.users["sales"].name):  # names as typed, in the header
        text = text.replace(typed, " ")
    return response.status_code, text


@pytest.mark.parametrize(("method", "path", "status"), HTTP_ERRORS)
def test_an_error_page_reads_in_chinese_for_a_chinese_reader(app, world, method, path, status):
    answered, text = _error_page(app, world, method, path, "zh-CN,zh;q=0.9")

    english = [word for word in LATIN_WORD.findall(text) if word not in SAME_IN_BOTH]
    assert answered == status and CJK.search(text)
    assert english == [], text


@pytest.mark.parametrize(("method", "path", "status"), HTTP_ERRORS)
def test_an_error_page_reads_in_english_for_an_english_reader(app, world, method, path, status):
    answered, text = _error_page(app, world, method, path, "en-US,en;q=0.9")

    assert answered == status and CJK.findall(text) == []


def test_a_missing_page_says_so_in_the_reader_s_words_not_werkzeug_s(app, world):
    _status, chinese = _error_page(app, world, "GET", "/no-such-page", "zh-CN")
    _status, english = _error_page(app, world, "GET", "/no-such-page", "en")

    assert "没有这个页面：请检查网址，或从收件箱重新开始。" in chinese
    assert "There is no such page: check the address, or start again from the inbox." in english
    assert "The requested URL was not found" not in english
