"""gunicorn's settings for Ordo's web process (docs/deploying.md, section 3), and the bounds on its memory.

gunicorn reads this file from the working directory on its own; ``scripts/serve-demo.sh``, the systemd
unit of the deploying guide and ``benchmarks/pages.py`` name it with ``--config``. What the command line
gives wins over it (the bind address, the application).

Memory. A request that reads many rows (an account of 40,000 orders) raises a worker's heap for as long as
the worker lives: Python's allocator and glibc's keep what they were given, and a few objects made meanwhile
(a compiled statement in SQLAlchemy's cache, a template) pin the freed pages. The page is what to fix; these
bound what is left (measured in docs/deploying.md, "Memory bounds"):

- A worker is replaced after ``max_requests`` requests (2,000, and up to 200 more so that the workers do
  not restart together): whatever a worker holds, it holds only for a while. A request in progress
  finishes first. The only bound that returns Python's own arenas.
- After a request, a worker whose resident memory is over ``ORDO_TRIM_ABOVE_MB`` (150) gives glibc's free
  pages back to the system (``malloc_trim``), at most once every ``ORDO_TRIM_EVERY_SECONDS`` (10); with
  ``PYTHONMALLOC=malloc`` in the environment that includes Python's small objects.
- glibc gives each thread that allocates a heap of its own (an *arena*), up to eight per core, and a freed
  page goes back to the arena that gave it: two arenas are shared by the threads instead
  (``MALLOC_ARENA_MAX=2``, set in the master, which the workers inherit; the environment's setting wins).

On a system without glibc (musl, macOS) the first two do nothing.

Garbage collection. A worker holds about 250,000 objects once the app is loaded (modules, the models'
metadata, the URL map, the translations) and 80,000 more once its first pages have filled the template and
statement caches; they live as long as the worker. Python's full collection walks every one of them each
time, about 130 ms of CPU at the demo's size, every hundred requests or so: the slowest request of nearly
every page (benchmarks/README.md, issue 16, "The demo's pages"). ``gc.freeze`` moves the objects alive at a
moment out of the collector's sight: once the app is loaded (``post_worker_init``) and once more after the
worker's first ``GC_SETTLE_AFTER_REQUESTS`` requests (50), each time after one full collection, so no
garbage is frozen. What a request makes is collected as before. A frozen object that becomes garbage later
in a reference cycle (a cache entry with a cycle, evicted) is not reclaimed until the worker is replaced
(``max_requests`` above).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import threading
import time
from typing import Any

worker_class = "gthread"
workers = 2
threads = 4
# gunicorn's largest: URLs over Ordo's own limit (ORDO_MAX_URL_LENGTH, 4096) reach the app, which refuses
# them with problem+json.
limit_request_line = 8190
max_requests = 2000
max_requests_jitter = 200

M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)
ARENAS = 2
TRIM_ABOVE_MB = float(os.environ.get("ORDO_TRIM_ABOVE_MB", "150"))
TRIM_EVERY_SECONDS = float(os.environ.get("ORDO_TRIM_EVERY_SECONDS", "10"))
GC_SETTLE_AFTER_REQUESTS = 50


def _glibc() -> Any:
    """glibc's functions, or None where the C library is another one."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    library = ctypes.CDLL(name)
    return library if hasattr(library, "mallopt") and hasattr(library, "malloc_trim") else None


GLIBC = _glibc()
if GLIBC is not None and "MALLOC_ARENA_MAX" not in os.environ:  # the environment's setting wins
    GLIBC.mallopt(M_ARENA_MAX, ARENAS)

_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
_trimmed = [0.0]
_trim_lock = threading.Lock()
_settled = [False]
_settle_lock = threading.Lock()


def resident_mb() -> float:
    """This process's resident memory, from /proc (0 where there is none)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE_MB
    except OSError:
        return 0.0


def freeze_heap() -> None:
    """Collect what is garbage now, then keep every object still alive out of later collections."""
    gc.collect()
    gc.freeze()


def post_worker_init(worker: Any) -> None:
    """The app is loaded: its objects live as long as the worker, and no collection need walk them."""
    freeze_heap()


def settle_heap(worker: Any) -> None:
    """Once the worker has served its first requests (its caches warm), freeze what they left alive."""
    if _settled[0] or getattr(worker, "nr", 0) < GC_SETTLE_AFTER_REQUESTS:
        return
    with _settle_lock:
        if _settled[0]:
            return
        _settled[0] = True
    freeze_heap()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    """Freeze the warm worker's heap once; give glibc's free pages back once a request has left the worker over
    its bound."""
    settle_heap(worker)
    if GLIBC is None or resident_mb() <= TRIM_ABOVE_MB:
        return
    now = time.monotonic()
    with _trim_lock:
        if now - _trimmed[0] < TRIM_EVERY_SECONDS:
            return
        _trimmed[0] = now
    GLIBC.malloc_trim(0)
