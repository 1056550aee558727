"""Sentences stored for later are read in the reader's language, whoever wrote them down."""
from __future__ import annotations

import json

from flask_babel import force_locale

from core.stored_text import shown, stored


def test_a_stored_sentence_is_translated_when_it_is_read_not_when_it_is_written(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        kept = json.loads(json.dumps(stored("product %(code)s does not exist", code="P9")))  # as a JSON column holds it

    with app.test_request_context(), force_locale("en"):
        english = shown(kept)
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        chinese = shown(kept)

    assert (english, chinese) == ("product P9 does not exist", "产品 P9 不存在")


def test_a_sentence_inside_a_sentence_is_translated_too(app):
    kept = stored("order %(ref)s was left as a draft: %(reason)s", ref="generic:S1",
                  reason=stored("the value must be greater than 0"))

    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert "数值必须大于 0" in shown(kept) and "generic:S1" in shown(kept)


def test_text_stored_before_or_typed_by_a_person_shows_as_it_is(app):
    with app.test_request_context(), force_locale("zh_Hans_CN"):
        assert shown("the value is too large") == "the value is too large"
        assert shown(None) == ""
        assert app.jinja_env.from_string("{{ v | shown }}").render(v=stored("the value is too large")) == "数值过大"
