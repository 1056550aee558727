"""PDF rendering: a real CJK font embedded, one renderer reused, data escaped.

``pdftotext`` prints Chinese even when the PDF shows empty boxes, so the font
is checked with ``pdffonts``; the text extraction is used for what the words say.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

import jinja2
import pytest

from core.pdf import render_pdf

TEST_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def pdf_app(app):
    app.jinja_loader = jinja2.ChoiceLoader([app.jinja_loader, jinja2.FileSystemLoader(TEST_TEMPLATES)])
    return app


def fonts(pdf: bytes, tmp_path: Path) -> list[dict[str, str]]:
    """``pdffonts`` as rows of {name, emb}, read by the header's column positions."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    header, rule, *rows = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True,
                                         text=True).stdout.splitlines()
    emb = header.index("emb")
    return [{"name": row.split()[0], "emb": row[emb:emb + 3]} for row in rows if row.strip()]


def text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_chinese_text_is_set_in_the_configured_cjk_font_embedded_in_the_file(pdf_app, tmp_path):
    pdf = render_pdf("sample.html", title="订单确认书", customer_name="上海华东机电有限公司")

    assert pdf.startswith(b"%PDF-")
    embedded = fonts(pdf, tmp_path)
    # WeasyPrint names the subset after the family: "ABCDEF+Noto-Sans-CJK-SC".
    assert any("NotoSansCJK" in font["name"].replace("-", "") and font["emb"] == "yes"
               for font in embedded), embedded
    assert "上海华东机电有限公司" in text(pdf, tmp_path)


def test_page_numbers_print_in_the_same_font_as_the_text(pdf_app, tmp_path):
    pdf = render_pdf("sample.html", title="订单确认书", customer_name="上海华东机电有限公司")

    assert [font["name"].partition("+")[2] for font in fonts(pdf, tmp_path)] == ["Noto-Sans-CJK-SC"]
    assert "1/1" in text(pdf, tmp_path).replace(" ", "")


def test_one_renderer_and_its_font_configuration_serve_every_render(pdf_app):
    renderer = pdf_app.extensions["ordo.pdf"]
    font_config, stylesheet = renderer.font_config, renderer.stylesheet

    first = render_pdf("sample.html", title="一", customer_name="客户甲")
    second = render_pdf("sample.html", title="二", customer_name="客户乙")

    assert first.startswith(b"%PDF-") and second.startswith(b"%PDF-")
    assert pdf_app.extensions["ordo.pdf"] is renderer
    assert renderer.font_config is font_config
    assert renderer.stylesheet is stylesheet


def test_markup_in_data_is_printed_as_text_not_applied(pdf_app, tmp_path):
    pdf = render_pdf("sample.html", title="订单确认书", customer_name="<b>x</b> & 华东")

    assert "客户：<b>x</b> & 华东" in text(pdf, tmp_path)
    # Applied markup would have set "x" in the bold face ("Noto-Sans-CJK-SC-Bold").
    assert not any(font["name"].endswith("-Bold") for font in fonts(pdf, tmp_path))
