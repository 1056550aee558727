"""The company's profile in the API: the seller's details printed on customer documents, and its logo.

``GET``/``PUT /api/v1/company/profile`` read and replace the profile;
``GET``/``PUT``/``DELETE /api/v1/company/profile/logo`` read, upload (PNG or JPEG,
multipart/form-data) and remove the logo. Reading needs only a token; changing
needs ``admin.company``.
"""
from __future__ import annotations

from contextlib import closing

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import validate

from core import company_profile
from core.api import ApiBlueprint
from core.api.fields import TaxIdField, UploadField
from core.auth.context import require_actor, requires
from core.errors import NotFound
from core.languages import LOCALES

blp = ApiBlueprint("company_api", __name__, description="The company's profile printed on customer documents")

LENGTHS = company_profile.LENGTHS


def _text(name: str, description: str) -> ma.fields.String:
    return ma.fields.String(allow_none=True, load_default=None, validate=validate.Length(max=LENGTHS[name]),
                            metadata={"description": description})


class CompanyProfileSchema(ma.Schema):
    """The seller's details every customer document prints; a field left out or null is none (PUT replaces)."""

    name = ma.fields.String(dump_only=True, metadata={"description": "the company's name in the portal"})
    legal_name = _text("legal_name", "the registered name printed on documents (the name when none)")
    address = _text("address", "the registered address")
    phone = _text("phone", "the phone printed on documents")
    tax_id = TaxIdField(load_default=None, metadata={
        "description": "纳税人识别号: 18 characters (the unified social credit code), or 15 or 20 for an older one"})
    bank = _text("bank", "开户行: the bank")
    bank_account = _text("bank_account", "the account number")
    language = ma.fields.String(allow_none=True, load_default=None, validate=validate.OneOf(LOCALES), metadata={
        "description": "the language of customers who choose none: zh_CN or en; null: the installation's default"})
    has_logo = ma.fields.Boolean(dump_only=True)
    logo_type = ma.fields.String(dump_only=True, allow_none=True, metadata={"description": "image/png or image/jpeg"})


class LogoUploadSchema(ma.Schema):
    logo = UploadField(required=True, metadata={
        "type": "string", "format": "binary",
        "description": f"a PNG or JPEG image of at most {company_profile.MAX_LOGO_BYTES // 1024} KB"})


@blp.route("/company/profile")
class CompanyProfile(MethodView):
    @requires(None)
    @blp.response(200, CompanyProfileSchema)
    def get(self):
        """The caller's company's profile."""
        return company_profile.profile_of(require_actor().company)

    @requires("admin.company")
    @blp.arguments(CompanyProfileSchema)
    @blp.response(200, CompanyProfileSchema)
    def put(self, data):
        """Replace the profile; new documents print it, those already issued stay as they were."""
        actor = require_actor()
        return company_profile.profile_of(company_profile.update_profile(actor.company, data, actor=actor))


@blp.route("/company/profile/logo")
class CompanyLogo(MethodView):
    @requires(None)
    @blp.response(200, content_type="image/png")
    @blp.doc(responses={200: {"content": {"image/png": {"schema": {"type": "string", "format": "binary"}},
                                          "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self):
        """The company's logo as uploaded; 404 when it has none."""
        company = require_actor().company
        if not company.logo_type or not company.logo:
            raise NotFound(_("the company has no logo"), field="logo")
        return Response(company.logo, mimetype=company.logo_type)

    @requires("admin.company")
    @blp.arguments(LogoUploadSchema, location="multipart")
    @blp.response(200, CompanyProfileSchema)
    def put(self, data):
        """Upload the logo: a PNG or JPEG image, refused (400) when it is neither or too large."""
        actor = require_actor()
        with closing(data["logo"]) as upload:  # a large upload is spooled to a temporary file
            content = upload.read()
        return company_profile.profile_of(company_profile.set_logo(actor.company, content, actor=actor))

    @requires("admin.company")
    @blp.response(200, CompanyProfileSchema)
    def delete(self):
        """Remove the logo: documents print none from now on."""
        actor = require_actor()
        return company_profile.profile_of(company_profile.remove_logo(actor.company, actor=actor))
