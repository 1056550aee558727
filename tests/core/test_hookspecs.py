"""Every hook is specified, documented under its exact signature, implemented and has its own test.

As datasette does: a hook counts as tested only when a test function is named
after it (``test_hook_<name>``), and as documented only when an entry is headed
by its signature exactly as the spec declares it.
"""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from core import hookdoc
from core.app import build_registry
from core.plugins import discover

ROOT = Path(__file__).resolve().parents[2]
SPECS = hookdoc.hook_functions()
DOCUMENTS = ("README.md", "docs/plugin-guide.md")  # where a hook's entry may live
HEADING = re.compile(r"^#{1,6}\s+`(?P<code>[^`]+)`\s*$")


def declared_signatures() -> dict[str, str]:
    """Each spec's signature as written in core/hookspecs.py, read from the source, not from hookdoc."""
    path = ROOT / "core" / "hookspecs.py"
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    signatures = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
            signatures[node.name] = f"{node.name}({ast.unparse(node.args)}){returns}"
    return signatures


def documentation_entries(text: str) -> dict[str, str]:
    """The entries of a Markdown page headed by code (``#### `name(...)` ``), each with its text."""
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        heading = None if fenced else HEADING.match(line)
        if heading:
            current = entries.setdefault(heading["code"], [])
        elif not fenced and line.startswith("#"):
            current = None  # another section begins
        elif current is not None:
            current.append(line)
    return {code: "\n".join(lines).strip() for code, lines in entries.items()}


def collected_tests(source: str) -> set[str]:
    """The names of the functions pytest would collect from a test module: top level and in ``Test*`` classes."""
    tree = ast.parse(source)
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names |= {item.name for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))}
    return names


def test_every_hook_has_a_test_named_test_hook_and_its_name():
    modules = sorted({*(ROOT / "tests").rglob("test_*.py"), *(ROOT / "tests").rglob("*_test.py")})
    defined = {name for module in modules for name in collected_tests(module.read_text(encoding="utf-8"))}

    missing = [f"test_hook_{spec.__name__}" for spec in SPECS if f"test_hook_{spec.__name__}" not in defined]

    assert not missing, (
        "these hooks have no test named after them: " + ", ".join(missing)
        + ". Write each in the test module mirroring the code that calls the hook: register a plugin that"
          " implements it and assert what the hook promises."
    )


def test_every_hook_has_a_documentation_entry_headed_by_its_exact_signature():
    entries: dict[str, str] = {}
    for document in DOCUMENTS:
        for code, text in documentation_entries((ROOT / document).read_text(encoding="utf-8")).items():
            entries[code] = entries.get(code) or text
    declared = declared_signatures()

    problems = []
    for spec in SPECS:
        signature = declared[spec.__name__]
        if not entries.get(signature):
            near = [code for code in entries if code.startswith(f"{spec.__name__}(")]
            problems.append(f"`{signature}`" + (f" (found `{near[0]}`)" if near else ""))

    assert not problems, (
        f"no entry in {' or '.join(DOCUMENTS)} headed by: " + "; ".join(problems)
        + ". Run `python -m core.hookdoc README.md` to regenerate the README's hook reference."
    )


def test_a_hook_named_in_a_comment_a_string_or_a_nested_function_has_no_test():
    source = (
        "# test_hook_paid\n"
        "NOTE = 'test_hook_paid'\n"
        "def test_payments():\n"
        "    def test_hook_paid(): ...\n"
        "class TestShipping:\n"
        "    def test_hook_shipped(self): ...\n"
        "def test_hook_delivered(): ...\n"
    )
    assert {name for name in collected_tests(source) if name.startswith("test_hook_")} == {
        "test_hook_shipped", "test_hook_delivered"}


def test_an_entry_counts_only_under_a_heading_of_the_whole_signature_outside_code():
    text = (
        "#### `paid(order, payment)`\n\nReact to a payment.\n\n"
        "```markdown\n#### `shipped(order: Order) -> None`\n```\n\n"
        "#### `delivered(order: Order, delivery: Delivery) -> None`\n\n"
        "### `order_completed(order: Order) -> None`\n\nReact to a completed order.\n"
    )
    entries = documentation_entries(text)
    assert "paid(order: Order, payment: Payment) -> None" not in entries  # headed without the types
    assert "shipped(order: Order) -> None" not in entries  # only quoted in a code block
    assert entries["delivered(order: Order, delivery: Delivery) -> None"] == ""  # a heading with nothing under it
    assert entries["order_completed(order: Order) -> None"] == "React to a completed order."


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
