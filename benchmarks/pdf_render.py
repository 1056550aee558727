#!/usr/bin/env python3
"""PDF rendering: Ordo's renderer against plain WeasyPrint, same document, same run.

Ordo's core.pdf keeps one FontConfiguration and a compiled base stylesheet for
every render. The reference renders the very same HTML the way a one-off
script would: a new FontConfiguration and stylesheet each time. Both render an
order confirmation of a Chinese customer with the Noto CJK font, so the ratio
is what the reuse buys (and shows that the CJK path is not the slow fontTools
fallback, which is about 7x slower without libharfbuzz-subset0). The last line
is what a request for the same document costs once it is stored
(``core.documents.stored_document``: the version check and the stored bytes).

    .venv/bin/python benchmarks/pdf_render.py --renders 20
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    args = parser.parse_args()

    from flask import render_template
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from core.app import create_app
    from core.db import commit
    from core.extensions import db
    from core.documents import document_kinds, stored_document
    from core.pdf import render_pdf
    from tests import factories, orders

    workdir = tempfile.mkdtemp(prefix="ordo-pdf-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite",
                      "ORDO_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SERVER_NAME": "bench"},
                     instance_path=workdir)
    with app.app_context(), app.test_request_context():
        db.create_all()
        world = factories.build_world(app)
        order = orders.draft(world, lines=[(world.products[0], "10", None), (world.products[1], "200", None)])
        order.number = "SO20261127-0001"
        commit()
        kind = document_kinds(order)["confirmation"]
        context = {"order": order, "show_prices": True, **kind.context(order)}
        base_css = app.extensions["ordo.pdf"]._base_css()

        def ordo() -> bytes:
            return render_pdf(kind.template, **context)

        def plain() -> bytes:
            html = render_template(f"pdf/{kind.template}", **context)
            fonts = FontConfiguration()
            return HTML(string=html, base_url=str(ROOT)).write_pdf(
                stylesheets=[CSS(string=base_css, font_config=fonts)], font_config=fonts)

        def stored() -> bytes:
            return stored_document(order, "confirmation", world.users["sales"]).content

        results = {}
        for name, render in (("ordo", ordo), ("plain", plain), ("stored", stored)):
            render()  # warm-up: imports, font discovery; the first stored() renders and stores
            samples = []
            for _ in range(args.renders):
                start = time.perf_counter()
                assert render()[:5] == b"%PDF-"
                samples.append(time.perf_counter() - start)
            results[name] = statistics.median(samples) * 1000
    print(f"order confirmation, median of {args.renders} renders:")
    print(f"  ordo (reused fonts and stylesheet) {results['ordo']:8.1f} ms")
    print(f"  plain WeasyPrint (fresh each time) {results['plain']:8.1f} ms")
    print(f"  stored (served from the store)     {results['stored']:8.1f} ms")
    print(f"ratio plain / ordo: {results['plain'] / results['ordo']:.2f}x")
    figures = Results("pdf_render", renders=args.renders)
    for side, ms in results.items():
        figures.figure("median_ms", round(ms, 2), side=side)
    figures.figure("ratio", round(results["plain"] / results["ordo"], 3), of="plain ms / ordo ms")


if __name__ == "__main__":
    main()
