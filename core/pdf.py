"""PDF rendering with WeasyPrint: one font configuration and stylesheet, reused.

Templates live in ``templates/pdf/`` and render through Flask's Jinja
environment, so they are autoescaped and translated like every page, but see
only what the caller passes: no request, no current user. Chinese text needs a
real CJK font; the family is configured once (``ORDO_PDF_FONT_FAMILY``).
Every customer document prints the seller's profile from ``pdf/_seller.html``;
its logo is embedded in the document as a ``data:`` URI (``logo_uri``).

WeasyPrint is imported, and its font configuration built, by the first document a
process renders, not when the app starts: it adds about 26 MB to a process, and
most of a server's workers serve stored documents and render none (a document is
rendered once per version). A third-party import inside a function, for that reason.
"""
from __future__ import annotations

import base64
import threading
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from core.models import Company

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration


class PdfRenderer:
    """One font configuration and stylesheet for every document a process renders, made at its first."""

    def __init__(self, font_family: str) -> None:
        self.font_family = font_family
        self._lock = threading.Lock()
        self._fonts: tuple[FontConfiguration, CSS] | None = None

    def _loaded(self) -> tuple[FontConfiguration, CSS]:
        with self._lock:
            if self._fonts is None:
                from weasyprint import CSS
                from weasyprint.text.fonts import FontConfiguration
                font_config = FontConfiguration()
                self._fonts = font_config, CSS(string=self._base_css(), font_config=font_config)
            return self._fonts

    @property
    def font_config(self) -> FontConfiguration:
        return self._loaded()[0]

    @property
    def stylesheet(self) -> CSS:
        return self._loaded()[1]

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
        font_config, stylesheet = self._loaded()
        from weasyprint import HTML
        return HTML(string=html, base_url=current_app.root_path).write_pdf(
            stylesheets=[stylesheet], font_config=font_config
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
