"""The ordo command line: plugins, modules, users; bad input is one line and exit status 2."""
from __future__ import annotations

from sqlalchemy import select

from core.extensions import db
from core.models import User
from core.modules import active_modules


def test_plugins_list_shows_version_stage_state_per_company_and_hooks(app, world, runner):
    result = runner.invoke(args=["plugins", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    intake = next(i for i, line in enumerate(lines) if line.startswith("intake "))
    assert "stage=intake" in lines[intake] and "required" in lines[intake]
    assert lines[intake + 1].strip() == "enabled: ACME=on"
    assert lines[intake + 2].strip().startswith("hooks: ")
    assert any(line.startswith("review 0.1.0  stage=review") for line in lines)


def test_modules_are_switched_per_company_at_run_time(app, world, runner):
    result = runner.invoke(args=["modules", "disable", "billing", "--company", "acme"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "billing is off for ACME"
    assert "billing" not in active_modules(world.company.id)
    result = runner.invoke(args=["modules", "enable", "billing", "--company", "ACME"])
    assert result.output.strip() == "billing is on for ACME"
    assert "billing" in active_modules(world.company.id)


def test_an_unknown_plugin_is_one_line_and_exit_status_2(app, world, runner):
    result = runner.invoke(args=["modules", "enable", "shipping", "--company", "ACME"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "Error: no plugin named 'shipping' is installed (see 'ordo plugins list')"]


def test_an_unknown_company_is_one_line_and_exit_status_2(app, world, runner):
    result = runner.invoke(args=["modules", "disable", "review", "--company", "NOPE"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["Error: no company with the code 'NOPE'"]


def test_intake_cannot_be_switched_off(app, world, runner):
    result = runner.invoke(args=["modules", "disable", "intake", "--company", "ACME"])
    assert result.exit_code == 2
    assert "intake is required" in result.output


def test_users_are_created_from_the_command_line(app, world, runner):
    result = runner.invoke(args=["users", "create", "--company", "ACME", "--username", "zhang.wei",
                                 "--name", "张伟", "--role", "finance", "--password", "s3cret-pass"])
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.username == "zhang.wei")).scalar_one()
    assert user.role_names == ["finance"] and user.check_password("s3cret-pass")


def test_a_user_with_an_unknown_role_is_refused(app, world, runner):
    result = runner.invoke(args=["users", "create", "--company", "ACME", "--username", "x", "--role", "wizard",
                                 "--password", "s3cret-pass"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: unknown role: wizard"


def test_a_company_is_created_with_its_roles(app, runner):
    result = runner.invoke(args=["companies", "create", "hz01", "杭州分公司"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "created company HZ01 (杭州分公司)"
    again = runner.invoke(args=["companies", "create", "HZ01", "again"])
    assert again.exit_code == 2 and again.output.strip() == "Error: company HZ01 already exists"
