"""The personal subscription feed and the page to create, copy and revoke its link."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from app.core.catalogs import py_gettext as _
from app.core.db import utcnow
from app.core.forms import EmptyForm
from app.core.mail import absolute_url
from app.core.security import access
from app.extensions import db

from . import services

bp = Blueprint("calendar", __name__, template_folder="templates")


@bp.route("/calendar/feed/<secret>.ics")
@access("public")
def feed(secret):
    user = services.user_for_feed(secret, utcnow())
    if user is None:
        abort(404)
    response = Response(services.build_feed(user, utcnow()), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="doimpact.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.route("/calendar/subscription")
@access("user")
def subscription():
    return render_template(
        "calendar/subscription.html",
        token=services.feed_token_of(current_user),
        form=EmptyForm(),
        feed_url=None,
    )


@bp.route("/calendar/subscription", methods=["POST"])
@access("user")
def create_subscription():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    replaced = services.feed_token_of(current_user) is not None
    secret = services.issue_feed_token(current_user, utcnow())
    db.session.commit()
    if replaced:
        flash(_("Your new calendar link is ready. The old link no longer works."), "success")
    else:
        flash(_("Your calendar link is ready."), "success")
    # Shown on this page only: we keep a hash, so the link cannot be shown again later.
    return render_template(
        "calendar/subscription.html",
        token=services.feed_token_of(current_user),
        form=form,
        feed_url=absolute_url("calendar.feed", secret=secret),
    )


@bp.route("/calendar/subscription/revoke", methods=["POST"])
@access("user")
def revoke_subscription():
    if not EmptyForm().validate_on_submit():
        abort(400)
    if services.revoke_feed_token(current_user):
        db.session.commit()
        flash(_("Your calendar link has been switched off."), "success")
    return redirect(url_for("calendar.subscription"))
