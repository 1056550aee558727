"""PDF rendering with WeasyPrint: one font configuration and stylesheet, reused.

Templates live in ``templates/pdf/`` and render through Flask's Jinja
environment, so they are autoescaped and translated like every page, but see
only what the caller passes: no request, no current user. Chinese text needs a
real CJK font; the family is configured once (``ORDO_PDF_FONT_FAMILY``).
Every customer document prints the seller's profile from ``pdf/_seller.html``;
its logo is embedded in the document as a ``data:`` URI (``logo_uri``).
"""
from __future__ import annotations

import base64
from typing import Any

from flask import Flask, current_app
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from core.models import Company


class PdfRenderer:
    def __init__(self, font_family: str) -> None:
        self.font_config = FontConfiguration()
        self.font_family = font_family
        self.stylesheet = CSS(string=self._base_css(), font_config=self.font_config)

    def _base_css(self) -> str:
        family = self.font_family.replace('"', "")
        # Page-margin boxes inherit from @page, not from body: name the font there too,
        # or page numbers print in the system's serif default.
        return (
            f'@page {{ size: A4; margin: 18mm 16mm; font-family: "{family}", sans-serif; '
            "@bottom-right { content: counter(page) ' / ' counter(pages); font-size: 8pt; } }"
            f'body {{ font-family: "{family}", sans-serif; font-size: 10pt; }}'
        )

    def render(self, template: str, **context: Any) -> bytes:
        # From the environment itself, without the request's context processors (current_user, the
        # navigation): a document is stored and served to every user of its variant, so nothing of
        # who asked first may print on it.
        html = current_app.jinja_env.get_template(f"pdf/{template}").render(context)
        return HTML(string=html, base_url=current_app.root_path).write_pdf(
            stylesheets=[self.stylesheet], font_config=self.font_config
        )


def logo_uri(company: Company) -> str | None:
    """The company's logo as a ``data:`` URI to embed in a document; None when it has none."""
    if not company.logo_type or not company.logo:
        return None
    return f"data:{company.logo_type};base64,{base64.b64encode(company.logo).decode('ascii')}"


def init_app(app: Flask) -> None:
    app.extensions["ordo.pdf"] = PdfRenderer(app.config["ORDO_PDF_FONT_FAMILY"])
    app.jinja_env.globals["logo_uri"] = logo_uri


def render_pdf(template: str, **context: Any) -> bytes:
    """Render ``templates/pdf/<template>`` to PDF bytes."""
    return current_app.extensions["ordo.pdf"].render(template, **context)
