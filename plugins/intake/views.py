"""Portal pages of the intake plugin."""
from flask import Blueprint

bp = Blueprint("intake", __name__)
