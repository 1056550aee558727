"""The HTTP flow drives whole orders through gunicorn with concurrent clients, each order verified after.

Not a timed test: it runs the benchmark for two orders from two clients and reads what it counted.
"""
from __future__ import annotations

import argparse

from benchmarks import http_flow, pages


def test_two_clients_take_their_orders_through_the_whole_procedure_over_http(own_database_url):
    args = argparse.Namespace(orders=2, clients=2, warmup=0, workers=1, threads=2, timeout=120.0,
                              gunicorn_config=str(pages.GUNICORN_CONFIG))

    # run_database verifies every order through the API (it exits otherwise): completed, its eight tasks done,
    # one shipment whose lines passed the check and were each accepted.
    result = http_flow.run_database(own_database_url, args)

    assert result["db"] == ("sqlite" if own_database_url.startswith("sqlite") else "postgresql")
    assert result["orders"] == 2 and result["clients"] == 2
    # Create, submit, 3 x (read the steps, decide), read and confirm the plan, 8 tasks started and completed,
    # the shipment made, checked and dispatched, acceptance, the total read and the payment: 32 requests.
    assert result["requests"] == 64 and result["requests_per_order"] == 32
    assert 0 < result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
    assert len(result["worker_rss_mb"]) == 1 and result["worker_rss_mb"][0] > 0
