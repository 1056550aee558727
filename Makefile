# Benchmarks (benchmarks/README.md); the install and the tests are scripts/install.sh and scripts/test.sh.
#
#   make bench                 every benchmark of benchmarks/README.md, one after the other
#   make bench-pages           every GET page and API resource at $(ORDERS) orders, against bare Flask
#   make bench-pages ORDERS=10000 PAGES_ARGS="--routes ^/orders --requests 50"
#   make bench DATABASE_URL=postgresql://postgres@127.0.0.1/ordo_bench    the same on PostgreSQL
#   make bench-demo-pages      every GET page on the database `ordo demo` loaded (instance/ordo.sqlite, as
#                              scripts/serve-demo.sh makes it; DEMO_DATABASE_URL=... for another): nothing emptied
#   make bench-demo-pages PAGES_ARGS=--in-process    the same in this process, no server: each request's own time
#
# Every benchmark given DATABASE_URL empties that database first: name one of its own.
# Without it the page and list benchmarks share one SQLite file per size ($(BENCH_DB)),
# generated once (benchmarks/flow_data.py) and kept for the next run (--reuse).

PY ?= .venv/bin/python
ORDERS ?= 100000
DATABASE_URL ?=
PAGES_ARGS ?=
DEMO_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/ordo.sqlite
BENCH_DB = $(or $(DATABASE_URL),sqlite:////tmp/ordo-bench-$(ORDERS).sqlite)
DB_URI = $(if $(DATABASE_URL),--db-uri $(DATABASE_URL))
# order_flow.py compares with the Tryton peer once ../shared/peers/tryton/setup.sh has made its venv.
PEER = $(if $(wildcard /tmp/tryton-venv/bin/python),,--no-peer)

.PHONY: bench bench-clean bench-flow bench-pdf bench-document bench-import bench-memory bench-duplicates bench-list bench-pages \
	bench-demo-pages

bench: bench-clean bench-flow bench-pdf bench-document bench-import bench-memory bench-duplicates bench-list bench-pages

# Every benchmark appends its figures to benchmarks/results/latest.jsonl (benchmarks/results.py): one run's.
bench-clean:
	rm -f benchmarks/results/latest.jsonl

bench-flow:
	$(PY) benchmarks/order_flow.py --orders 50 $(DB_URI) $(PEER)

bench-pdf:
	$(PY) benchmarks/pdf_render.py --renders 20

bench-document:
	$(PY) benchmarks/stored_document.py --requests 300 $(DB_URI)

bench-import:
	$(PY) benchmarks/import_orders.py --rows 100000 $(DB_URI)

bench-memory:
	$(PY) benchmarks/import_memory.py $(DB_URI)

bench-duplicates:
	$(PY) benchmarks/duplicate_history.py --orders 20 $(DB_URI)

bench-list:
	$(PY) benchmarks/list_view.py --orders $(ORDERS) --database-url $(BENCH_DB) --reuse

bench-pages:
	$(PY) benchmarks/pages.py --orders $(ORDERS) --database-url $(BENCH_DB) --reuse $(PAGES_ARGS)

bench-demo-pages:
	$(PY) benchmarks/pages.py --demo --database-url $(DEMO_DATABASE_URL) $(PAGES_ARGS)
