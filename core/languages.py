"""Whose language a document or an email is in: the customer's, a user's, the company's.

A customer reads their documents and emails in their own language, whoever
clicks; a member of staff reads theirs in the language of their account. Either
falls back to the company's language, and that to the installation's default
(``BABEL_DEFAULT_LOCALE``).
"""
from __future__ import annotations

from flask import current_app

from core.extensions import db
from core.models import Company, Customer, User

LOCALES = ("zh_CN", "en")


def company_language(company: Company) -> str:
    """The language of the company's customers unless they chose another."""
    if company.language in LOCALES:
        return str(company.language)
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def customer_language(customer: Customer) -> str:
    """The language every document and email to ``customer`` is rendered in."""
    if customer.language in LOCALES:
        return str(customer.language)
    return company_language(db.session.get_one(Company, customer.company_id))


def user_language(user: User) -> str:
    """The language of an email to a member of staff (or a customer's user): their account's."""
    if user.locale in LOCALES:
        return str(user.locale)
    if user.customer_id is not None:
        return customer_language(db.session.get_one(Customer, user.customer_id))
    return company_language(db.session.get_one(Company, user.company_id))
