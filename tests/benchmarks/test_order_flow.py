"""The order flow benchmark walks every order through the whole procedure, and each order costs the same statements.

Not a timed test: it runs the benchmark's flow for a few orders and reads what it counted.
"""
from __future__ import annotations

import argparse

from benchmarks import order_flow

# The statements each step of one order sends, all its requests together (the API's token look-ups included):
# kept, so that a change that adds one to a step shows here, and lowered as steps get cheaper. Several rows of one
# table go in as one statement on both databases (insert sentinels, executemany), so both send the same.
# kpi on: each of the eight tasks' completion records its fact (execute), the invoice issued at acceptance its own.
# The audit entries of a request go in at its commit, in one statement. The stored invoice's GET: the token, the
# order, the invoice with what was paid and credited (its version), the stored row.
SAME = {"create": 10, "submit": 26, "review": 38, "plan": 8, "execute": 76, "ship": 26, "accept": 28, "pay": 26,
        "invoice": 4}
STATEMENTS = {"sqlite": SAME, "postgresql": SAME}


def test_each_order_is_planned_worked_checked_accepted_and_paid_with_the_same_statements(own_database_url):
    result = order_flow.run_ordo(argparse.Namespace(orders=3, warmup=1, db_uri=own_database_url, kpi_alternate=False))

    # run_ordo verifies every order through the API (it exits otherwise): completed, its eight tasks done,
    # one shipment whose three lines passed the check and were each accepted.
    assert result["orders"] == 3 and result["tasks_per_order"] == 8
    # Every step of the procedure is in the measured flow, each sending statements of its own; after it, the
    # worker renders the delivery note, the certificate and the invoice, and the invoice's GET serves it stored.
    assert list(result["statements_per_order"]) == [*order_flow.STEPS, *order_flow.AFTER, "total"]
    assert all(result["statements_per_order"][step] > 0 for step in order_flow.STEPS + order_flow.AFTER)
    assert result["documents_per_order"] == 3
    # The third order costs the statements the first did: no step's statements grow with the data.
    low, high = result["statements_range"]
    assert low == high == result["statements_per_order"]["total"]
    # Each step sends the statements it is known to: creating, submitting, deciding, planning, working the
    # tasks, shipping, accepting, paying, and the stored invoice's GET.
    expected = STATEMENTS["postgresql" if result["db"].startswith("postgresql") else "sqlite"]
    assert {step: result["statements_per_order"][step] for step in expected} == expected


def test_no_step_of_the_flow_sends_more_statements_for_an_order_of_more_lines(own_database_url):
    three = order_flow.run_ordo(argparse.Namespace(orders=1, warmup=1, db_uri=own_database_url, lines=3,
                                                     kpi_alternate=False))
    twelve = order_flow.run_ordo(argparse.Namespace(orders=1, warmup=1, db_uri=own_database_url, lines=12,
                                                      kpi_alternate=False))

    # Entry, the review, the plan, the shipment with its check per line, acceptance per line, payment, the
    # documents: each step's statements are the same for 3 lines and for 12 (one INSERT for all the lines).
    assert twelve["statements_per_order"] == three["statements_per_order"]
