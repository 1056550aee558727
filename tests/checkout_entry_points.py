"""The checkout's plugins, seen by entry-point discovery even before the environment is reinstalled.

The bundled plugins arrive as entry points (``pyproject.toml``,
``[project.entry-points."ordo.plugins"]``), which the environment learns at
``pip install -e .``. A plugin the checkout declares after the environment was
installed would be missing from every test's ``discover()`` until then. This
writes, in a temporary folder put on ``sys.path``, a distribution holding only
the checkout's entry points the installed metadata lacks; with an up-to-date
environment it holds none and changes nothing.
"""
from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
import tomllib
from importlib.metadata import entry_points
from pathlib import Path

GROUP = "ordo.plugins"
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def declare_missing() -> list[str]:
    """Make the checkout's undeclared plugins discoverable; the names added."""
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["entry-points"][GROUP]
    installed = {point.name for point in entry_points(group=GROUP)}
    missing = {name: target for name, target in declared.items() if name not in installed}
    if not missing:
        return []
    folder = Path(tempfile.mkdtemp(prefix="ordo-checkout-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    info = folder / "ordo_checkout_plugins-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ordo-checkout-plugins\nVersion: 0\n")
    (info / "entry_points.txt").write_text(
        f"[{GROUP}]\n" + "".join(f"{name} = {target}\n" for name, target in sorted(missing.items())))
    sys.path.append(str(folder))
    return sorted(missing)
