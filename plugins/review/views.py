"""Portal pages of the review plugin."""
from flask import Blueprint

bp = Blueprint("review", __name__)
