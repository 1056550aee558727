"""Portal pages of the logistics plugin."""
from flask import Blueprint

bp = Blueprint("logistics", __name__)
