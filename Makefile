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
# generated once (benchmarks/flow_data.py) and kept for the next run (--reuse); kpi.py and ageing.py
# keep theirs ($(KPI_ORDERS) orders, $(AGEING_INVOICES) invoices) in <tmp>/ordo-bench-kpi/ and -ageing/ the same way.
# The HTTP flow runs on SQLite and on PostgreSQL at once: $(HTTP_PG), or DATABASE_URL if it is PostgreSQL.

PY ?= .venv/bin/python
ORDERS ?= 100000
DATABASE_URL ?=
PAGES_ARGS ?=
DEMO_DATABASE_URL ?= sqlite:///$(CURDIR)/instance/ordo.sqlite
BENCH_DB = $(or $(DATABASE_URL),sqlite:////tmp/ordo-bench-$(ORDERS).sqlite)
DB_URI = $(if $(DATABASE_URL),--db-uri $(DATABASE_URL))
# order_flow.py compares with the Tryton peer once ../shared/peers/tryton/setup.sh has made its venv.
PEER = $(if $(wildcard /tmp/tryton-venv/bin/python),,--no-peer)
# The HTTP flow's PostgreSQL database (emptied by it); without DATABASE_URL, a database of its own.
HTTP_PG = $(if $(filter postgresql%,$(DATABASE_URL)),$(DATABASE_URL),postgresql://postgres@127.0.0.1:5432/ordo_bench_http)
KPI_ORDERS ?= 100000
AGEING_INVOICES ?= 100000

.PHONY: bench bench-clean bench-flow bench-floor bench-http bench-pdf bench-document bench-import bench-memory \
	bench-duplicates bench-list bench-pages bench-kpi bench-ageing bench-demo-pages

bench: bench-clean bench-flow bench-floor bench-http bench-pdf bench-document bench-import bench-memory bench-duplicates \
	bench-list bench-pages bench-kpi bench-ageing

# Every benchmark appends its figures to benchmarks/results/latest.jsonl (benchmarks/results.py): one run's.
bench-clean:
	rm -f benchmarks/results/latest.jsonl

bench-flow:
	$(PY) benchmarks/order_flow.py --orders 50 $(DB_URI) $(PEER)

# The flow's writes replayed with plain sqlite3 in WAL (SQLite only: the floor is sqlite3's).
bench-floor:
	$(PY) benchmarks/wal_floor.py --orders 20 --rounds 4 --floor-orders 200

# The flow over HTTP from 8 clients, on SQLite and on PostgreSQL ($(HTTP_PG), emptied first), against the peer.
bench-http:
	$(PY) benchmarks/http_flow.py --orders 48 --clients 8 --db-uri sqlite:////tmp/ordo-bench-http.sqlite \
		--db-uri $(HTTP_PG) $(if $(PEER),--peer-orders 0)

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

# The KPI pages and the ageing report against hand-written SQL; their data is generated once per size and kept.
bench-kpi:
	$(PY) benchmarks/kpi.py --orders $(KPI_ORDERS) --rounds 3 --reuse $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

bench-ageing:
	$(PY) benchmarks/ageing.py --invoices $(AGEING_INVOICES) --rounds 3 --reuse $(if $(DATABASE_URL),--database-url $(DATABASE_URL))

bench-demo-pages:
	$(PY) benchmarks/pages.py --demo --database-url $(DEMO_DATABASE_URL) $(PAGES_ARGS)
