"""Column mappings a company saves per channel: checked with a message per field, audited, and used by imports."""
from __future__ import annotations

import pytest

from core.db import commit
from core.errors import NotFound, PermissionDenied, ValidationError
from core.models import AuditEntry, Channel
from plugins.intake import import_jobs, mappings, saved_mappings
from tests import factories

WECHAT = {"order_ref": "单号", "customer_code": "客户", "product_code": "货号", "quantity": "件数"}


def save(world, user: str = "sales", **overrides):
    data = {"name": "wechat", "label": "微信小店 导出", "channel": Channel.WEBSITE, "columns": dict(WECHAT)}
    data.update(overrides)
    row = saved_mappings.save(world.company, world.users[user], **data)
    commit()
    return row


def problems_of(world, **overrides) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as refused:
        save(world, **overrides)
    return [(item["field"], item["message"]) for item in refused.value.errors]


def test_a_clerk_saves_a_mapping_for_a_channel_and_the_import_finds_it(app, world):
    row = save(world, columns={**WECHAT, "notes": "买家留言", "phone": ""})

    assert (row.name, row.label, row.channel) == ("wechat", "微信小店 导出", Channel.WEBSITE)  # label as typed
    assert row.columns == {**WECHAT, "notes": "买家留言"}  # an optional field left empty is not imported
    found = mappings.resolve(world.company.id, "wechat")
    assert found is not None and found.columns["quantity"] == ("件数",) and found.channel == Channel.WEBSITE
    assert [mapping.name for mapping in mappings.available(world.company.id)][-1] == "wechat"


def test_saving_again_changes_the_mapping_and_both_are_audited(app, world):
    first = save(world)
    second = save(world, label="微信小店", channel="email", columns={**WECHAT, "quantity": "数量"})

    assert second.id == first.id and (second.label, second.channel) == ("微信小店", Channel.EMAIL)
    entries = AuditEntry.query.filter_by(entity="intake_import_mapping", entity_id=first.id).order_by(
        AuditEntry.id).all()
    assert [entry.action for entry in entries] == ["import_mapping_saved", "import_mapping_saved"]
    assert entries[0].before is None and entries[0].after["channel"] == "website"
    assert entries[1].before["columns"]["quantity"] == "件数" and entries[1].after["columns"]["quantity"] == "数量"
    assert entries[1].actor_id == world.users["sales"].id


def test_saving_it_unchanged_writes_no_audit_entry(app, world):
    save(world)
    save(world)

    assert AuditEntry.query.filter_by(entity="intake_import_mapping").count() == 1


def test_every_problem_of_a_mapping_is_named_at_once_by_its_field(app, world):
    found = problems_of(world, name="WeChat Shop", label=" ", channel="fax",
                        columns={"order_ref": "单号", "customer_code": "单号", "product_code": "",
                                 "colour": "颜色"})

    assert found == [
        ("name", "the name 'WeChat Shop' must be a lower-case code: a letter, then letters, digits, - or _"),
        ("label", "the mapping needs a label, as it is shown in the list of mappings"),
        ("channel", "'fax' is not a channel"),
        ("columns.colour", "'colour' is not a field an import reads"),
        ("columns.product_code", "choose the header that holds this field: every import needs it"),
        ("columns.quantity", "choose the header that holds this field: every import needs it"),
        ("columns.customer_code", "the header 单号 already feeds another field"),
    ]


@pytest.mark.parametrize(("name", "message"), [
    ("", "the mapping needs a name: a lower-case code such as wechat-shop"),
    ("taobao", "taobao is the name of a built-in mapping; choose another"),
    ("1shop", "the name '1shop' must be a lower-case code: a letter, then letters, digits, - or _"),
    ("x" * 65, "the name is longer than 64 characters"),
])
def test_a_name_must_be_a_free_lower_case_code(app, world, name, message):
    assert problems_of(world, name=name) == [("name", message)]


def test_a_header_with_spaces_around_it_is_refused_rather_than_trimmed(app, world):
    assert problems_of(world, columns={**WECHAT, "notes": " 备注"}) == [
        ("columns.notes", "the header must not be empty or start or end with spaces")]


def test_the_refusal_s_message_says_every_problem(app, world):
    with pytest.raises(ValidationError) as refused:
        save(world, name="taobao", label="")
    assert str(refused.value) == ("the mapping cannot be saved: taobao is the name of a built-in mapping; choose "
                                  "another; the mapping needs a label, as it is shown in the list of mappings")
    assert refused.value.field == "name"


def test_deleting_a_mapping_is_audited_and_another_company_cannot_touch_it(app, world):
    row = save(world)
    other = factories.build_world(app, "OTHER")
    commit()

    with pytest.raises(NotFound, match="there is no saved mapping wechat"):
        saved_mappings.delete(other.company, other.users["sales"], "wechat")
    saved_mappings.delete(world.company, world.users["customer_service"], "wechat")
    commit()

    assert mappings.resolve(world.company.id, "wechat") is None
    entry = AuditEntry.query.filter_by(action="import_mapping_deleted").one()
    assert (entry.entity_id, entry.before["label"], entry.after) == (row.id, "微信小店 导出", None)


def test_keeping_mappings_needs_the_import_permission(app, world):
    with pytest.raises(PermissionDenied, match="you may not import orders, so you may not keep their column "
                                               "mappings"):
        save(world, user="finance")
    with pytest.raises(PermissionDenied):
        saved_mappings.delete(world.company, world.users["customer"], "wechat")


def test_uploads_waiting_under_a_deleted_mapping_fall_back_to_the_generic_one(app, world):
    save(world)
    data = "单号,客户,货号,件数\nW1,C001,P001,2\n".encode()
    waiting = import_jobs.upload(world.company, world.users["sales"], "shop.csv", data, "wechat")
    queued = import_jobs.upload(world.company, world.users["sales"], "shop.csv", data, "wechat")
    import_jobs.confirm(queued, world.users["sales"], "wechat", False)
    commit()

    saved_mappings.delete(world.company, world.users["sales"], "wechat")
    commit()

    assert (waiting.mapping, queued.mapping) == ("generic", "wechat")  # a queued import keeps what it was given
