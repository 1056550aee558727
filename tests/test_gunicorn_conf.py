"""The web process's gunicorn settings (gunicorn.conf.py): the production worker model and the bounds on a
worker's memory (docs/deploying.md, section 3)."""
from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from gunicorn.config import Config

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


class FakeGlibc:
    """Records the trims asked of the C library."""

    def __init__(self) -> None:
        self.trims = 0

    def malloc_trim(self, pad: int) -> int:
        self.trims += 1
        return 1


def settings() -> dict[str, Any]:
    return runpy.run_path(str(CONF))


def test_gunicorn_reads_the_production_settings_from_the_file():
    config = Config()
    for name, value in settings().items():
        if name in config.settings:
            config.set(name, value)
    assert (config.worker_class_str, config.workers, config.threads) == ("gthread", 2, 4)
    assert config.limit_request_line == 8190
    # Recycled after 2,000 requests, not all workers at once.
    assert (config.max_requests, config.max_requests_jitter) == (2000, 200)
    assert config.post_request.__name__ == "post_request"
    assert config.post_worker_init.__name__ == "post_worker_init"


def test_a_loaded_worker_keeps_its_objects_out_of_later_collections():
    conf = settings()
    gc.collect()
    alive = len(gc.get_objects())
    try:
        conf["post_worker_init"](None)
        # What was alive is frozen: a full collection walks only what was made since.
        assert gc.get_freeze_count() > alive // 2
        assert len(gc.get_objects()) < gc.get_freeze_count() // 10
    finally:
        gc.unfreeze()


def test_a_warm_worker_freezes_its_heap_once(monkeypatch):
    conf = settings()
    hook = conf["post_request"]
    frozen = []
    monkeypatch.setitem(hook.__globals__, "GLIBC", None)
    monkeypatch.setitem(hook.__globals__, "freeze_heap", lambda: frozen.append(True))
    worker = SimpleNamespace(nr=conf["GC_SETTLE_AFTER_REQUESTS"] - 1)
    hook(worker, None, {}, None)
    assert frozen == []  # its caches still filling
    worker.nr += 1
    hook(worker, None, {}, None)
    worker.nr += 1
    hook(worker, None, {}, None)
    assert frozen == [True]  # once in the worker's life


def test_a_worker_over_its_bound_gives_free_pages_back_at_most_once_in_a_while(monkeypatch):
    conf = settings()
    hook = conf["post_request"]
    glibc, resident, clock = FakeGlibc(), [100.0], [1000.0]
    globals_ = hook.__globals__
    monkeypatch.setitem(globals_, "GLIBC", glibc)
    monkeypatch.setitem(globals_, "resident_mb", lambda: resident[0])
    monkeypatch.setattr(globals_["time"], "monotonic", lambda: clock[0])

    hook(None, None, {}, None)
    assert glibc.trims == 0  # under the bound: nothing to give back

    resident[0] = conf["TRIM_ABOVE_MB"] + 1
    hook(None, None, {}, None)
    hook(None, None, {}, None)
    assert glibc.trims == 1  # once, not after every request while it stays over

    clock[0] += conf["TRIM_EVERY_SECONDS"]
    hook(None, None, {}, None)
    assert glibc.trims == 2


def test_without_glibc_the_hook_does_nothing(monkeypatch):
    hook = settings()["post_request"]
    monkeypatch.setitem(hook.__globals__, "GLIBC", None)
    monkeypatch.setitem(hook.__globals__, "resident_mb", lambda: 10_000.0)
    hook(None, None, {}, None)  # no C library to ask: no error either


def test_the_resident_memory_is_read_from_proc():
    assert 1 < settings()["resident_mb"]() < 10_000
