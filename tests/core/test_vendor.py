"""The front-end libraries that scripts/install.sh copies from node_modules are served by the app itself."""
from __future__ import annotations

from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"


@pytest.mark.skipif(not (VENDOR / "htmx.min.js").is_file(),
                    reason="static/vendor is empty: run scripts/install.sh (npm ci) to install htmx and ECharts")
@pytest.mark.parametrize("library", ["htmx.min.js", "echarts.min.js"])
def test_a_vendored_library_is_served_as_javascript_under_the_csp(make_app, library):
    app = make_app(plugins=[])
    response = app.test_client().get(f"/static/vendor/{library}")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["X-Content-Type-Options"] == "nosniff"  # so the type is all the browser goes by
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.get_data() == (VENDOR / library).read_bytes()
    response.close()
