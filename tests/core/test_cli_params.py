"""The ``--as-of`` moment of the clock-driven commands: an aware ISO date and time, as UTC, or a clear refusal."""
from __future__ import annotations

from datetime import datetime, timezone

import click
import pytest
from click.testing import CliRunner

from core.cli_params import AS_OF


@click.command()
@AS_OF
def show(as_of: datetime | None) -> None:
    click.echo(repr(as_of))


def run(*args: str):
    return CliRunner().invoke(show, list(args))


def test_a_moment_with_its_offset_is_read_as_utc():
    result = run("--as-of", "2026-12-07T09:30:00+08:00")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == repr(datetime(2026, 12, 7, 1, 30, tzinfo=timezone.utc))
    assert run("--as-of", "2026-12-07T01:30:00Z").output == result.output


def test_without_the_option_the_command_runs_as_of_now():
    assert run().output.strip() == "None"


@pytest.mark.parametrize("value, problem", [
    ("next monday", "'next monday' is not an ISO 8601 date and time, e.g. 2026-12-07T09:00:00+08:00"),
    ("2026-13-01T00:00:00+08:00", "is not an ISO 8601 date and time"),
    ("2026-12-07T09:00:00", "'2026-12-07T09:00:00' has no UTC offset: add one, e.g. 2026-12-07T09:00:00+08:00 or Z"),
    ("2026-12-07", "'2026-12-07' has no UTC offset"),
])
def test_a_bad_moment_is_refused_naming_the_option_and_the_problem(value, problem):
    result = run("--as-of", value)

    assert result.exit_code == 2
    assert "Invalid value for '--as-of'" in result.output and problem in result.output
