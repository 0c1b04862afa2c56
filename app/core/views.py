"""The home page and the health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from app.core.security import access
from app.extensions import db

bp = Blueprint("core", __name__)


@bp.route("/")
@access("public")
def home():
    return render_template("core/home.html")


@bp.route("/healthz")
@access("public")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
