"""Coordinators see the messages that could not be delivered and can send them again."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from app.core.catalogs import py_gettext as _
from app.core.db import utcnow
from app.core.forms import EmptyForm
from app.core.security import access
from app.extensions import db

from . import services

bp = Blueprint("notifications", __name__, url_prefix="/admin", template_folder="templates")


@bp.route("/messages")
@access("coordinator")
def problems():
    page = services.problems_page(
        request.args.get("page", 1, type=int) or 1, current_app.config["PAGE_SIZE"]
    )
    return render_template("notifications/problems.html", page=page, form=EmptyForm())


@bp.route("/messages/<int:message_id>/retry", methods=["POST"])
@access("coordinator")
def retry(message_id):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.retry(message_id, utcnow()):
        db.session.commit()
        flash(_("The message will be sent again within a minute."), "success")
    else:
        flash(_("This message cannot be sent again."), "error")
    return redirect(url_for("notifications.problems"))
