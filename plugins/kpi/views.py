"""Portal pages of the kpi plugin."""
from flask import Blueprint

bp = Blueprint("kpi", __name__)
