"""The company's profile: an administrator keeps the seller's details and logo that customer documents print."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from core import company_profile
from core.db import commit
from core.errors import ValidationError
from core.extensions import db
from core.models import AuditEntry, Company
from tests import factories, orders
from tests.core.images import image
from tests.core.test_documents import pdf_text
from tests.core.test_queries import statements

PROFILE = {"legal_name": "Acme Trading Co., Ltd.", "address": "88 Zhangjiang Road, Shanghai",
           "phone": "+86 21 5080 1234", "tax_id": "91310115MA1K4B2C3J", "bank": "ICBC Zhangjiang",
           "bank_account": "1001 2345 6789", "language": "en"}


def company(world) -> Company:
    db.session.expire_all()
    return db.session.get_one(Company, world.company.id)


def post(client, **fields):
    data = {"legal_name": "", "address": "", "phone": "", "tax_id": "", "bank": "", "bank_account": "",
            "language": "", **fields}
    return client.post("/admin/company", data=data, content_type="multipart/form-data")


# --- the service ------------------------------------------------------------------------------------


def test_the_profile_is_saved_as_typed_blank_as_none_and_audited(world):
    company_profile.update_profile(world.company, {**PROFILE, "phone": "  "}, actor=world.users["administrator"])
    commit()

    saved = company(world)
    assert (saved.legal_name, saved.tax_id, saved.language, saved.phone) == (
        "Acme Trading Co., Ltd.", "91310115MA1K4B2C3J", "en", None)
    assert saved.printed_name == "Acme Trading Co., Ltd."
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "company_profile_changed")).scalar_one()
    assert entry.after["bank"] == "ICBC Zhangjiang" and entry.actor_id == world.users["administrator"].id


@pytest.mark.parametrize(("data", "field", "says"), [
    ({"tax_id": "12345"}, "tax_id", "18"),
    ({"language": "de"}, "language", "zh_CN, en"),
    ({"phone": "1" * 41}, "phone", "40"),
    ({"code": "NEW"}, "code", "no field"),
])
def test_a_value_that_cannot_be_right_is_refused_naming_the_field(world, data, field, says):
    with pytest.raises(ValidationError) as refused:
        company_profile.update_profile(world.company, data, actor=None)
    assert refused.value.field == field and says in refused.value.message


def test_a_png_or_jpeg_logo_is_kept_with_its_type_and_digest(world):
    company_profile.set_logo(world.company, image("JPEG"), actor=None)
    commit()

    saved = company(world)
    assert saved.logo == image("JPEG") and saved.logo_type == "image/jpeg" and len(saved.logo_hash or "") == 64


@pytest.mark.parametrize(("content", "says"), [
    (b"", "empty"),
    (b"%PDF-1.7 not an image", "not a PNG or JPEG image"),
    (image("PNG")[:60], "not a PNG or JPEG image"),  # cut short
    (image("GIF"), "GIF"),
    (image("PNG", (600, 600), noise=True), "at most 512 KB"),
    (image("PNG", (5000, 4000)), "too many pixels"),
])
def test_a_logo_that_is_no_small_png_or_jpeg_is_refused(world, content, says):
    with pytest.raises(ValidationError) as refused:
        company_profile.set_logo(world.company, content, actor=None)
    assert refused.value.field == "logo" and says in refused.value.message


# --- the page ---------------------------------------------------------------------------------------


def test_an_administrator_saves_the_profile_and_a_logo_and_the_documents_print_them(app, world, tmp_path):
    admin = factories.portal_login(app, world.users["administrator"])

    response = post(admin, **PROFILE, logo=(io.BytesIO(image("PNG")), "logo.png"))

    assert response.status_code == 302, response.get_data(as_text=True)
    saved = company(world)
    assert saved.legal_name == "Acme Trading Co., Ltd." and saved.logo_type == "image/png"
    page = admin.get("/admin/company").get_data(as_text=True)
    assert 'value="91310115MA1K4B2C3J"' in page and "/admin/company/logo" in page
    assert admin.get("/admin/company/logo").data == image("PNG")
    order = orders.draft(world)
    commit()
    text = pdf_text(admin.get(f"/orders/{order.id}/documents/confirmation").data, tmp_path)
    assert "Acme Trading Co., Ltd." in text and "91310115MA1K4B2C3J" in text


def test_a_wrong_tax_id_or_a_file_that_is_no_image_is_a_400_with_the_reason_at_the_field(app, world):
    admin = factories.portal_login(app, world.users["administrator"])

    wrong_id = post(admin, legal_name="Acme", tax_id="12345")
    not_an_image = post(admin, legal_name="Acme", logo=(io.BytesIO(b"MZ\x90\x00 an executable"), "logo.png"))

    assert wrong_id.status_code == 400 and "18" in wrong_id.get_data(as_text=True)
    assert not_an_image.status_code == 400
    assert "the logo is not a PNG or JPEG image" in not_an_image.get_data(as_text=True)
    saved = company(world)
    assert saved.legal_name is None and saved.logo is None  # nothing of a refused form is kept


def test_removing_the_logo(app, world):
    company_profile.set_logo(world.company, image("PNG"), actor=None)
    commit()
    admin = factories.portal_login(app, world.users["administrator"])

    assert post(admin, remove_logo="y").status_code == 302

    assert company(world).logo_hash is None
    assert admin.get("/admin/company/logo").status_code == 404


def test_only_an_administrator_opens_the_profile_page(app, world):
    sales = factories.portal_login(app, world.users["sales"])
    assert sales.get("/admin/company").status_code == 403
    assert post(sales, legal_name="Not mine").status_code == 403


def test_the_profile_page_issues_the_same_statements_with_or_without_a_profile_and_logo(app, world):
    admin = factories.portal_login(app, world.users["administrator"])
    admin.get("/admin/company")
    with statements(db.engine) as bare:
        admin.get("/admin/company")
    company_profile.update_profile(world.company, PROFILE, actor=None)
    company_profile.set_logo(world.company, image("PNG"), actor=None)
    commit()
    with statements(db.engine) as filled:
        assert admin.get("/admin/company").status_code == 200
    assert len(filled) == len(bare)
