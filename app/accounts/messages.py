"""E-mails about a person's account, rendered when the dispatcher sends them: the confirmation
link, "this address already has an account", the password-reset link and the notice that the
account will be erased.

The request that asks for one only plans a row in the outbox (the same work whether or not the
address has an account, see services.plan_account_mail); the link is made here, at send time,
and a message for an address without a usable account is withdrawn (void) without a trace.
"""

from email.message import EmailMessage

from flask import current_app

from app.core.catalogs import lazy_gettext as _l
from app.core.mail import absolute_url, render_templated
from app.core.outbox import OutboxMessage, renderer
from app.core.timeutil import date_time
from app.extensions import db

from . import services
from .models import User

CONFIRM_SUBJECT = _l("Confirm your e-mail address")
EXISTS_SUBJECT = _l("Someone tried to create an account with your address")
RESET_SUBJECT = _l("Reset your password")
ERASURE_SUBJECT = _l("Your account will be erased")


def _active_user(message: OutboxMessage) -> User | None:
    if message.user_id is None:
        return None
    user = db.session.get(User, message.user_id, populate_existing=True)
    return user if user is not None and user.active else None


@renderer("account.confirm")
def render_confirm(message: OutboxMessage) -> EmailMessage | None:
    user = _active_user(message)
    if user is None or user.email_confirmed_at is not None:
        return None  # confirmed meanwhile (or never an account): nothing to send
    return render_templated(
        user.email,
        user.locale,
        "confirm_email",
        CONFIRM_SUBJECT,
        user=user,
        url=absolute_url("accounts.confirm_email", token=services.make_token("confirm", user)),
        hours=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600,
    )


@renderer("account.exists")
def render_exists(message: OutboxMessage) -> EmailMessage | None:
    user = _active_user(message)
    if user is None:
        return None
    return render_templated(
        user.email,
        user.locale,
        "account_exists",
        EXISTS_SUBJECT,
        user=user,
        signin_url=absolute_url("accounts.signin"),
        reset_url=absolute_url("accounts.forgot_password"),
    )


@renderer("account.reset")
def render_reset(message: OutboxMessage) -> EmailMessage | None:
    user = _active_user(message)
    if user is None:
        return None  # no account for that address: the request looked the same, nothing goes
    return render_templated(
        user.email,
        user.locale,
        "reset_password",
        RESET_SUBJECT,
        user=user,
        url=absolute_url("accounts.reset_password", token=services.make_token("reset", user)),
        minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )


@renderer("account.erasure")
def render_erasure(message: OutboxMessage) -> EmailMessage | None:
    user = _active_user(message)
    if user is None or user.erasure_due_at is None:
        return None  # cancelled by signing in meanwhile: nothing to say
    return render_templated(
        user.email,
        user.locale,
        "erasure_requested",
        ERASURE_SUBJECT,
        user=user,
        when=date_time(user.erasure_due_at, user.timezone, user.locale),
        signin_url=absolute_url("accounts.signin"),
    )
