"""Every hook is specified, documented in the README, implemented and tested."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from core import hookdoc
from core.app import build_registry
from core.plugins import discover

ROOT = Path(__file__).resolve().parents[2]
SPECS = hookdoc.hook_functions()


def test_the_readme_hook_reference_matches_the_specs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert hookdoc.readme_block(readme) == hookdoc.markdown().strip(), (
        "README.md's hook reference is stale: run `python -m core.hookdoc README.md`")


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.__name__)
def test_every_spec_documents_each_parameter_and_its_return(spec):
    doc = inspect.getdoc(spec) or ""
    assert doc.splitlines()[0].endswith("."), "opens with one sentence"
    for name in inspect.signature(spec).parameters:
        assert f":param {name}:" in doc, f"{spec.__name__} does not document {name}"
    assert "return" in doc.lower()


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.__name__)
def test_every_hook_is_implemented_by_the_core_or_a_bundled_plugin(spec):
    registry = build_registry(discover())
    implementers = {impl.plugin_name for impl in getattr(registry.pm.hook, spec.__name__).get_hookimpls()}
    assert implementers, f"nobody implements {spec.__name__}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.__name__)
def test_every_hook_is_exercised_by_a_test(spec):
    sources = [path.read_text(encoding="utf-8") for path in (ROOT / "tests").rglob("test_*.py")
               if path.name != "test_hookspecs.py"]
    assert any(spec.__name__ in source for source in sources), f"no test mentions {spec.__name__}"
