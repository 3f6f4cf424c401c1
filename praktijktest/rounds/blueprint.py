"""The rounds blueprint; its routes live in views.py (rounds) and material_views.py (profiles, templates)."""
from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/rounds")
