"""The WAL floor replays the writes of one order of the flow, in its transactions, as many times as asked.

Not a timed test: it runs the benchmark for two orders of Ordo and a few of the floor, and reads what it checked.
"""
from __future__ import annotations

import argparse

import pytest

from benchmarks import wal_floor


def test_the_floor_writes_per_order_the_rows_the_flow_wrote_in_the_same_transactions(own_database_url):
    if not own_database_url.startswith("sqlite"):
        pytest.skip("the floor is plain sqlite3's: the flow it is compared with runs on SQLite")
    result = wal_floor.run(argparse.Namespace(orders=2, rounds=2, floor_orders=3, warmup=1, db_uri=own_database_url))

    assert result["orders"] == 2 and result["floor_orders"] == 6
    # Each table gains as many rows an order in the floor as in the flow: the order, its lines, its review steps,
    # its plan's eight tasks, the shipment, the invoice, the audit entries...
    assert result["floor_rows_per_order"] == result["flow_rows_per_order"]
    assert result["flow_rows_per_order"]["order"] == 1 and result["flow_rows_per_order"]["logistics_task"] == 8
    assert sum(result["flow_rows_per_order"].values()) == result["rows_added_per_order"]
    # Each UPDATE of a replayed order changes the rows it changed in the flow (one each: a version checked).
    assert result["floor_rows_changed"] == [result["flow_rows_changed"]] * 6
    assert result["rows_changed_per_order"] == sum(result["flow_rows_changed"]) > 0
    # Only the flow's writes are replayed, in fewer transactions than it has requests that write.
    assert 0 < result["writes_per_order"] < result["statements_per_order"]
    assert 0 < result["transactions_per_order"] <= 32


def test_the_floor_refuses_a_database_that_is_not_sqlite():
    with pytest.raises(SystemExit, match="plain sqlite3"):
        wal_floor.run(argparse.Namespace(orders=1, rounds=1, floor_orders=1, warmup=0,
                                         db_uri="postgresql://postgres@127.0.0.1:5432/none"))
