"""The company's profile in the API: read by any token, replaced and given a logo by an administrator."""
from __future__ import annotations

import io

import pytest

from core.extensions import db
from core.models import Company
from tests import factories
from tests.core.images import image
from tests.core.test_company_profile import PROFILE

PATH = "/api/v1/company/profile"


@pytest.fixture
def admin_api(app, world):
    return factories.ApiClient(app, world.users["administrator"])


def upload_logo(api, content: bytes, filename: str):
    """PUT the logo as multipart/form-data, as a browser or curl -F sends it."""
    response = api.put(f"{PATH}/logo", data={"logo": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")
    # Werkzeug's test client spools a large body to a temporary file it leaves open.
    response.request.environ["wsgi.input"].close()
    return response


def test_an_administrator_replaces_the_profile_and_everyone_reads_it(app, world, admin_api):
    response = admin_api.put(PATH, json=PROFILE)

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {**PROFILE, "name": world.company.name, "has_logo": False, "logo_type": None}
    read = factories.ApiClient(app, world.users["production"]).get(PATH).get_json()
    assert read["legal_name"] == "Acme Trading Co., Ltd." and read["tax_id"] == "91310115MA1K4B2C3J"


def test_put_replaces_a_field_left_out_is_none(admin_api):
    admin_api.put(PATH, json=PROFILE)

    assert admin_api.put(PATH, json={"legal_name": "Acme"}).get_json()["tax_id"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"tax_id": "12345"}, "tax_id"),
    ({"language": "fr"}, "language"),
    ({"phone": "1" * 41}, "phone"),
    ({"legal_name": 42}, "legal_name"),
    ({"code": "NEW"}, "code"),
])
def test_a_wrong_value_is_a_400_problem_naming_the_field(admin_api, world, body, field):
    response = admin_api.put(PATH, json=body)

    assert response.status_code == 400 and response.content_type == "application/problem+json"
    assert [error["field"] for error in response.get_json()["errors"]] == [field]
    db.session.expire_all()
    assert db.session.get_one(Company, world.company.id).legal_name is None


def test_only_an_administrator_changes_it(app, world):
    response = factories.ApiClient(app, world.users["sales"]).put(PATH, json=PROFILE)
    assert response.status_code == 403


def test_a_logo_is_uploaded_as_multipart_and_served_back(admin_api):
    response = upload_logo(admin_api, image("PNG"), "logo.png")

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["has_logo"] is True and response.get_json()["logo_type"] == "image/png"
    served = admin_api.get(f"{PATH}/logo")
    assert served.data == image("PNG") and served.content_type == "image/png"


@pytest.mark.parametrize(("content", "says"), [
    (b"GIF89a not really", "not a PNG or JPEG image"),
    (image("PNG", (600, 600), noise=True), "at most 512 KB"),
    (image("GIF"), "only PNG and JPEG"),
])
def test_a_logo_that_is_no_image_or_too_big_is_a_400_naming_the_logo(admin_api, content, says):
    response = upload_logo(admin_api, content, "logo.png")

    assert response.status_code == 400
    [error] = response.get_json()["errors"]
    assert error["field"] == "logo" and says in error["message"]


def test_a_logo_sent_as_json_is_a_400_not_a_500(admin_api):
    response = admin_api.put(f"{PATH}/logo", json={"logo": "aGVsbG8="})
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "logo"


def test_removing_the_logo_and_reading_none_is_a_404(admin_api, world):
    upload_logo(admin_api, image("JPEG"), "logo.jpg")

    assert admin_api._call("DELETE", f"{PATH}/logo").get_json()["has_logo"] is False

    assert admin_api.get(f"{PATH}/logo").status_code == 404


def test_the_openapi_document_describes_the_profile_and_the_logo(app, world):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()

    profile = spec["paths"]["/api/v1/company/profile"]
    assert set(profile) >= {"get", "put"}
    schema = spec["components"]["schemas"]["CompanyProfile"]["properties"]
    assert {"legal_name", "address", "phone", "tax_id", "bank", "bank_account", "language"} <= set(schema)
    upload = spec["paths"]["/api/v1/company/profile/logo"]["put"]["requestBody"]["content"]
    assert upload["multipart/form-data"]["schema"]
