"""Portal pages of the billing plugin."""
from flask import Blueprint

bp = Blueprint("billing", __name__)
