"""The hook reference in the README, generated from ``core.hookspecs``.

Each hook gets an entry headed by its exact signature, then its docstring.
``python -m core.hookdoc README.md`` rewrites the block between the markers;
a test fails when the README and the specs differ.
"""
from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from core import hookspecs

START = "<!-- hook-reference:start -->"
END = "<!-- hook-reference:end -->"


def hook_functions() -> list:
    """The hook specs in the order the module defines them."""
    found = [(name, obj) for name, obj in vars(hookspecs).items()
             if inspect.isfunction(obj) and hasattr(obj, f"{hookspecs.PROJECT}_spec")]
    return [obj for _, obj in sorted(found, key=lambda item: item[1].__code__.co_firstlineno)]


class _Annotation:
    """An annotation that prints as written in the spec (``Order``, not ``'Order'``)."""

    def __init__(self, annotation: object) -> None:
        self.text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)

    def __repr__(self) -> str:
        return self.text


def _as_written(annotation: object) -> object:
    return annotation if annotation is inspect.Signature.empty else _Annotation(annotation)


def signature(function) -> str:
    """The hook's exact signature, as implementers see it: ``paid(order: Order, payment: Payment) -> None``."""
    spec = inspect.signature(function)
    # The specs' annotations are strings (postponed evaluation): print them bare, as in the source.
    spec = spec.replace(
        parameters=[p.replace(annotation=_as_written(p.annotation)) for p in spec.parameters.values()],
        return_annotation=_as_written(spec.return_annotation),
    )
    return f"{function.__name__}{spec}"


def markdown() -> str:
    sections = []
    for function in hook_functions():
        doc = inspect.cleandoc(function.__doc__ or "")
        doc = re.sub(r":param (\w+):", r"- `\1`:", doc)
        sections.append(f"#### `{signature(function)}`\n\n{doc}\n")
    return "\n".join(sections)


def readme_block(text: str) -> str:
    start, end = text.index(START) + len(START), text.index(END)
    return text[start:end].strip()


def write(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    start, end = text.index(START) + len(START), text.index(END)
    path.write_text(text[:start] + "\n" + markdown() + "\n" + text[end:], encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "README.md"))
