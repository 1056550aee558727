"""An app on a real HTTP server (Werkzeug's, threaded, as gunicorn's threads serve it) for the browser tests."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` served on 127.0.0.1 while the block runs; its base URL.

    On leaving, the server stops taking requests and waits for those it is still answering. A request the
    browser sent last (a poll, a page it was leaving) may still hold a database connection: left running,
    it gives the connection back after the test's clean-up has disposed of the engine, to a pool nobody
    closes, and the garbage collector later closes it with a warning on whichever test is running then.
    The browser, which a test asks for after its server, has closed its connections by then."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = False  # each request's thread is kept, for server_close() to wait for
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
