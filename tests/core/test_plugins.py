"""The plugin manager: discovery, dependency order, validation, subset hook callers."""
from __future__ import annotations

import pytest

from core.contracts import Stage
from core.errors import PluginError
from core.defaults import review as review_fallback
from core.plugins import Manifest, PluginRegistry, dependency_order, discover

BUNDLED = {"intake", "review", "logistics", "billing", "kpi"}


def manifest(name: str, *, depends: tuple[str, ...] = (), hooks: str = "tests.core.samples.recorder",
             stage: Stage | None = None) -> Manifest:
    return Manifest(name=name, version="1.0", hooks=hooks, depends=depends, stage=stage)


def test_the_bundled_plugins_are_discovered_through_the_entry_point_group():
    names = {m.name for m in discover()}
    assert BUNDLED <= names


def test_plugins_load_after_what_they_depend_on():
    ordered = dependency_order([manifest("c", depends=("b",)), manifest("a"), manifest("b", depends=("a",))])
    assert [m.name for m in ordered] == ["a", "b", "c"]


def test_a_missing_dependency_names_the_plugin_and_what_it_needs():
    with pytest.raises(PluginError, match="plugin 'rules' depends on 'review', which is not installed"):
        dependency_order([manifest("rules", depends=("review",))])


def test_a_dependency_cycle_is_refused_with_the_cycle_spelt_out():
    with pytest.raises(PluginError, match="cycle: a -> b -> a"):
        dependency_order([manifest("a", depends=("b",)), manifest("b", depends=("a",))])


def test_a_misspelt_hook_fails_start_up_naming_plugin_and_hook():
    with pytest.raises(PluginError, match="plugin 'typo' implements 'order_submited'"):
        PluginRegistry([manifest("typo", hooks="tests.core.samples.misspelt")])


def test_a_plugin_whose_code_cannot_be_imported_is_named():
    with pytest.raises(PluginError, match="plugin 'ghost': cannot import 'tests.core.samples.nowhere'"):
        PluginRegistry([manifest("ghost", hooks="tests.core.samples.nowhere")])


def test_start_up_with_a_missing_dependency_fails(make_app):
    with pytest.raises(PluginError, match="depends on 'review'"):
        make_app(plugins=[manifest("rules", depends=("review",))])


def test_an_inactive_dependency_makes_its_dependents_inactive():
    registry = PluginRegistry([manifest("a", hooks="tests.core.samples.noop_a"),
                               manifest("b", depends=("a",), hooks="tests.core.samples.noop_b")])
    assert registry.effective({"b"}) == frozenset()
    assert registry.effective({"a", "b"}) == {"a", "b"}


def test_the_review_fallback_takes_part_exactly_when_review_is_absent():
    review = manifest("review", stage=Stage.REVIEW)
    registry = PluginRegistry([review], fallbacks={Stage.REVIEW: ("core.fallback.review", review_fallback)})

    def names(active):
        callers = registry.hooks_for(active).order_submitted.get_hookimpls()
        return {impl.plugin_name for impl in callers}

    assert "core.fallback.review" in names(set())
    assert "core.fallback.review" not in names({"review"})
    assert "review" in names({"review"})


def test_hooks_implemented_are_listed_per_plugin():
    registry = PluginRegistry([manifest("recorder")])
    assert registry.hooks_implemented("recorder") == [
        "change_requested", "delivered", "order_changed", "order_completed", "order_submitted", "paid",
        "production_started", "review_decided",
    ]


def test_two_plugins_cannot_own_one_stage():
    with pytest.raises(PluginError, match="'review' and 'review2' both own the review stage"):
        dependency_order([manifest("review", stage=Stage.REVIEW), manifest("review2", stage=Stage.REVIEW)])
