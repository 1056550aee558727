"""The plugin guide's recipe for a rule author's tests works against an installed Ordo.

The two code blocks of "Testing against an installed Ordo" in docs/plugin-guide.md are
copied into a folder outside Ordo's tree, with the example rule installed by pip,
and run by pytest there with ``core.testing``'s fixtures: no Ordo ``tests`` package,
no Ordo ``conftest.py``.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys

from tests.plugins.review.test_third_party_plugin import ROOT, install_example

GUIDE = ROOT / "docs" / "plugin-guide.md"


def recipe_blocks() -> dict[str, str]:
    """The guide's Python blocks that open with a file name comment, by that name."""
    text = GUIDE.read_text(encoding="utf-8")
    section = text[text.index("### Testing against an installed Ordo"):text.index("### Your own rule")]
    blocks = re.findall(r"```python\n# (\S+\.py)\n(.*?)```", section, flags=re.S)
    return {name: body for name, body in blocks}


def test_the_guide_shows_a_conftest_and_a_test():
    assert set(recipe_blocks()) == {"conftest.py", "test_lead_time.py"}


def test_the_guides_recipe_passes_in_a_folder_of_its_own(tmp_path):
    site = install_example(tmp_path)
    project = tmp_path / "my-plugin" / "tests"
    project.mkdir(parents=True)
    for name, body in recipe_blocks().items():
        (project / name).write_text(body, encoding="utf-8")
    # Ordo as installed: its packages on the path, not its tests (the worktree's code is what is installed).
    installed = tmp_path / "ordo-installed"
    installed.mkdir()
    for package in ("core", "plugins", "templates", "translations", "static", "migrations"):
        (installed / package).symlink_to(ROOT / package)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(installed)])}
    environment.pop("ORDO_TEST_DATABASE_URL", None)

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        capture_output=True, text=True, cwd=project.parent, env=environment, check=False, timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
