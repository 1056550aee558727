"""In a real browser: the administrator fills in the company's profile with its logo, sales sets a
customer's language, and a clerk reading the other language opens the customer's documents: they
are in the customer's language and carry the seller's details, never an internal code."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db import commit
from core.extensions import db
from core.models import Company, Customer, Product, User
from tests import orders
from tests.core.images import image
from tests.e2e.browser import CHROMIUM, expect, signed_in, tour_shot, use_language
from tests.factories import World

pytest.importorskip("playwright.sync_api")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def drafts(app) -> dict[str, int]:
    """A draft order of each of the company's two customers, by customer code."""
    with app.app_context():
        company = db.session.execute(select(Company).where(Company.code == "ACME")).scalar_one()
        world = World(company, users={"sales": db.session.execute(
            select(User).where(User.username == "acme-sales")).scalar_one()},
            customers=list(db.session.execute(select(Customer).order_by(Customer.code)).scalars()),
            products=list(db.session.execute(select(Product).order_by(Product.code)).scalars()))
        made = {customer.code: orders.draft(world, customer=customer) for customer in world.customers}
        commit()
        return {code: order.id for code, order in made.items()}


def pdf_text(page, url: str, tmp_path: Path, name: str) -> str:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    path = tmp_path / name
    path.write_bytes(response.body())
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def test_documents_speak_the_customers_language_and_carry_the_sellers_profile(portal, portal_app, browser,
                                                                              tmp_path, screenshots):
    base, ids = portal
    logo = tmp_path / "logo.png"
    logo.write_bytes(image("PNG", (120, 40)))

    admin = signed_in(browser, base, "acme-administrator")
    admin.locator(".topbar summary", has_text="Settings").click()  # the Settings menu holds the profile
    admin.get_by_role("link", name="Company profile").click()
    admin.get_by_label("Legal name").fill("Acme Trading Co., Ltd.")
    admin.get_by_label("Address").fill("88 Zhangjiang Road, Pudong, Shanghai")
    admin.get_by_label("Taxpayer id").fill("91310115MA1K4B2C3J")
    admin.get_by_label("Bank", exact=True).fill("ICBC Shanghai Zhangjiang")
    admin.get_by_label("Account number").fill("1001 2345 6789 0123")
    admin.get_by_label("Logo (PNG or JPEG, at most 512 KB)").set_input_files(str(logo))
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator("main")).to_contain_text("The company profile is saved")
    # The page is shown before its image has loaded: wait for the load, or the width reads 0.
    assert admin.locator("img[alt='Logo']").evaluate(
        "img => img.decode().then(() => img.naturalWidth)") == 120
    admin.screenshot(path=str(screenshots / "company-profile.png"), full_page=True)
    tour_shot(admin, "company-profile")

    admin.goto(f"{base}/customers/{ids['customer']}")
    admin.get_by_label("Language of documents and emails").select_option("en")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator("main")).to_contain_text("Customer C001 saved.")  # before a clerk opens its documents
    made = drafts(portal_app)

    chinese_clerk = signed_in(browser, base, "acme-sales")
    use_language(chinese_clerk, base, "zh_CN")
    english = pdf_text(chinese_clerk, f"{base}/orders/{made['C001']}/documents/confirmation", tmp_path, "en.pdf")
    assert "Order confirmation" in english and "订单确认书" not in english
    for seller in ("Acme Trading Co., Ltd.", "91310115MA1K4B2C3J", "ICBC Shanghai Zhangjiang", "1001 2345 6789 0123"):
        assert seller in english
    assert "ACME" not in english and "C001" not in english

    english_clerk = signed_in(browser, base, "acme-finance")
    admin.goto(f"{base}/customers")
    admin.get_by_role("link", name="C002").click()
    admin.get_by_label("Language of documents and emails").select_option("zh_CN")
    admin.get_by_role("button", name="Save", exact=True).click()
    expect(admin.locator("main")).to_contain_text("Customer C002 saved.")
    chinese = pdf_text(english_clerk, f"{base}/orders/{made['C002']}/documents/confirmation", tmp_path, "zh.pdf")
    assert "订单确认书" in chinese and "Order confirmation" not in chinese
    assert "Acme Trading Co., Ltd." in chinese and "C002" not in chinese
