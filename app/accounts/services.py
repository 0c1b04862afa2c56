"""Account rules: sign-up, confirmation, sign-in, sessions, passwords, profile, roles, audit.

Functions take plain arguments (including `now`), flush but never commit: the view commits.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from app.config import COUNTRIES, LOCALES
from app.core.errors import DomainError
from app.core.mail import absolute_url, send_templated
from app.core.pagination import Page, paginate
from app.core.security import ROLES
from app.core.timeutil import is_valid_timezone
from app.extensions import db

from .models import (
    ORGANISATION_KINDS,
    AuditEvent,
    LoginAttempt,
    Organisation,
    User,
    UserRole,
    UserSession,
)


class AuthError(DomainError):
    """Sign-in refused: wrong credentials, throttled or not confirmed."""

    def __init__(self, message, reason: str):
        super().__init__(message)
        self.reason = reason


WRONG_CREDENTIALS = _l("The e-mail address or password is not correct.")
TOKEN_EXPIRED = _l("This link has expired. Please ask for a new one.")
TOKEN_INVALID = _l("This link is not valid or has already been used.")


# --- passwords -------------------------------------------------------------------------------


def _hasher() -> PasswordHasher:
    config = current_app.config
    return _make_hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]
    )


@lru_cache(maxsize=4)
def _make_hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    return frozenset(line.strip().lower() for line in path.read_text("utf-8").splitlines())


def check_password_rules(password: str) -> None:
    """Raise DomainError when the password is too short, too long or too common."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    maximum = current_app.config["PASSWORD_MAX_LENGTH"]
    if len(password) < minimum:
        raise DomainError(
            lazy_ngettext(
                "The password must have at least %(num)d character.",
                "The password must have at least %(num)d characters.",
                minimum,
            ),
            field="password",
        )
    if len(password) > maximum:
        raise DomainError(
            lazy_ngettext(
                "The password can have at most %(num)d character.",
                "The password can have at most %(num)d characters.",
                maximum,
            ),
            field="password",
        )
    if password.strip().lower() in _common_passwords():
        raise DomainError(
            _l("This password is too common and easy to guess. Please choose another one."),
            field="password",
        )


# --- audit ------------------------------------------------------------------------------------


def audit(action: str, actor: User | None, subject: User | None = None, detail: str = "") -> None:
    db.session.add(
        AuditEvent(
            action=action,
            actor_id=actor.id if actor else None,
            subject_id=subject.id if subject else None,
            detail=detail,
        )
    )


def record_denied_access(user: User, path: str) -> None:
    audit("access_denied", user, user, path[:200])


# Load the people of a page of events together (no query per row).
_WITH_PEOPLE = (selectinload(AuditEvent.actor), selectinload(AuditEvent.subject))


def audit_trail(page: int, per_page: int, action: str | None = None) -> Page:
    statement = (
        select(AuditEvent)
        .options(*_WITH_PEOPLE)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    if action:
        statement = statement.where(AuditEvent.action == action)
    return paginate(statement, page, per_page)


# --- organisations ----------------------------------------------------------------------------


@dataclass
class NewOrganisation:
    name: str
    kind: str
    country: str
    parent_id: int | None = None


def selectable_organisations(user: User | None = None) -> list[Organisation]:
    """Approved organisations, plus those the given user proposed, by country then name."""
    condition = Organisation.approved.is_(True)
    if user is not None and user.id is not None:
        condition = or_(condition, Organisation.proposed_by_id == user.id)
    return list(
        db.session.scalars(
            select(Organisation).where(condition).order_by(Organisation.country, Organisation.name)
        )
    )


def second_tier_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == "second_tier", Organisation.approved.is_(True))
            .order_by(Organisation.name)
        )
    )


def propose_organisation(data: NewOrganisation, proposer: User | None) -> Organisation:
    name = " ".join(data.name.split())
    if not name:
        raise DomainError(_l("Please enter the name of the organisation."), field="org_name")
    if data.kind not in ORGANISATION_KINDS:
        raise DomainError(_l("Please choose the kind of organisation."), field="org_kind")
    if data.country not in COUNTRIES:
        raise DomainError(_l("Please choose a country from the list."), field="org_country")
    if data.parent_id is not None:
        parent = db.session.get(Organisation, data.parent_id)
        if parent is None or parent.kind != "second_tier" or not parent.approved:
            raise DomainError(
                _l("Please choose a supporting network from the list."), field="org_parent"
            )
    existing = db.session.scalar(
        select(Organisation).where(
            func.lower(Organisation.name) == name.lower(), Organisation.country == data.country
        )
    )
    if existing is not None:
        raise DomainError(
            _l("This organisation is already registered. Please choose it from the list."),
            field="org_name",
        )
    organisation = Organisation(
        name=name,
        kind=data.kind,
        country=data.country,
        parent_id=data.parent_id,
        approved=False,
        proposed_by_id=proposer.id if proposer else None,
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation


def _resolve_organisation(
    organisation_id: int | None, new: NewOrganisation | None, user: User | None
) -> Organisation | None:
    if new is not None:
        return propose_organisation(new, user)
    if organisation_id is None:
        return None
    allowed = {org.id: org for org in selectable_organisations(user)}
    if organisation_id not in allowed:
        raise DomainError(_l("Please choose an organisation from the list."), field="organisation")
    return allowed[organisation_id]


def organisations_page(page: int, per_page: int, pending_only: bool = False) -> Page:
    statement = (
        select(Organisation)
        .options(selectinload(Organisation.parent))
        .order_by(Organisation.approved, Organisation.country, Organisation.name)
    )
    if pending_only:
        statement = statement.where(Organisation.approved.is_(False))
    return paginate(statement, page, per_page)


def approve_organisation(actor: User, organisation: Organisation) -> None:
    organisation.approved = True
    audit("organisation_approved", actor, None, f"organisation {organisation.id}")


# --- sign-up and confirmation -----------------------------------------------------------------


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _check_profile_values(country: str, locale: str, timezone: str) -> None:
    if country not in COUNTRIES:
        raise DomainError(_l("Please choose a country from the list."), field="country")
    if locale not in LOCALES:
        raise DomainError(_l("Please choose a language from the list."), field="locale")
    if not is_valid_timezone(timezone):
        raise DomainError(_l("Please choose a time zone from the list."), field="timezone")


def register_user(
    *,
    name: str,
    email: str,
    password: str,
    country: str,
    locale: str,
    timezone: str,
    consent: bool,
    now: datetime,
    organisation_id: int | None = None,
    new_organisation: NewOrganisation | None = None,
) -> User | None:
    """Create an unconfirmed account and send the confirmation link.

    For an address that already has an account nothing is created and that address is told
    by e-mail instead, so the page shown is the same whether the address is known or not.
    """
    name = " ".join(name.split())
    if not name:
        raise DomainError(_l("Please enter your name."), field="name")
    if not consent:
        raise DomainError(
            _l("Please accept the privacy notice to create an account."), field="consent"
        )
    check_password_rules(password)
    _check_profile_values(country, locale, timezone)
    email = normalise_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        hash_password(password)  # same work as a real sign-up, so timing tells nothing
        send_templated(
            existing.email,
            existing.locale,
            "account_exists",
            _l("Someone tried to create an account with your address"),
            user=existing,
            signin_url=absolute_url("accounts.signin"),
            reset_url=absolute_url("accounts.forgot_password"),
        )
        return None
    user = User(
        name=name,
        email=email,
        password_hash=hash_password(password),
        country=country,
        locale=locale,
        timezone=timezone,
        consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        consent_at=now,
        consent_locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    user.organisation = _resolve_organisation(organisation_id, new_organisation, user)
    audit("signup", user, user)
    send_confirmation(user)
    return user


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"doimpact-{purpose}")


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:20]


def make_token(purpose: str, user: User) -> str:
    """A signed, time-limited token that dies once what it is bound to changes."""
    bound = user.email if purpose == "confirm" else user.password_hash
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(bound)})


def _read_token(purpose: str, token: str, max_age: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(TOKEN_EXPIRED) from None
    except BadSignature:
        raise DomainError(TOKEN_INVALID) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active:
        raise DomainError(TOKEN_INVALID)
    bound = user.email if purpose == "confirm" else user.password_hash
    if not hmac.compare_digest(str(data.get("f")), _fingerprint(bound)):
        raise DomainError(TOKEN_INVALID)
    return user


def send_confirmation(user: User) -> None:
    token = make_token("confirm", user)
    send_templated(
        user.email,
        user.locale,
        "confirm_email",
        _l("Confirm your e-mail address"),
        user=user,
        url=absolute_url("accounts.confirm_email", token=token),
        hours=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600,
    )


def confirm_email(token: str, now: datetime) -> User:
    user = _read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
        audit("email_confirmed", user, user)
    return user


# --- sign-in, throttling, sessions ------------------------------------------------------------


def _key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _recent_failures(scope: str, key: str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.scope == scope,
            LoginAttempt.key == key,
            LoginAttempt.attempted_at >= since,
        )
    )


@lru_cache(maxsize=1)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _make_hasher(time_cost, memory_cost, parallelism).hash(secrets.token_hex(16))


def authenticate(email: str, password: str, address: str, now: datetime) -> User:
    """Return the user for these credentials or raise AuthError (same message for all misses)."""
    config = current_app.config
    email = normalise_email(email)
    account_key, address_key = _key(email), _key(address or "unknown")
    since = now - timedelta(seconds=config["LOGIN_THROTTLE_WINDOW"])
    if (
        _recent_failures("account", account_key, since) >= config["LOGIN_THROTTLE_PER_ACCOUNT"]
        or _recent_failures("address", address_key, since) >= config["LOGIN_THROTTLE_PER_ADDRESS"]
    ):
        audit("signin_throttled", None, None, f"account {account_key[:12]}")
        minutes = config["LOGIN_THROTTLE_WINDOW"] // 60
        raise AuthError(
            lazy_ngettext(
                "Too many failed attempts. Please wait %(num)d minute and try again, "
                "or reset your password.",
                "Too many failed attempts. Please wait %(num)d minutes and try again, "
                "or reset your password.",
                minutes,
            ),
            reason="throttled",
        )
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        # Hash anyway, so an unknown address takes as long as a wrong password.
        verify_password(
            _dummy_hash(
                config["ARGON2_TIME_COST"],
                config["ARGON2_MEMORY_COST"],
                config["ARGON2_PARALLELISM"],
            ),
            password,
        )
        ok = False
    else:
        ok = user.active and verify_password(user.password_hash, password)
    if not ok:
        db.session.add(LoginAttempt(scope="account", key=account_key, attempted_at=now))
        db.session.add(LoginAttempt(scope="address", key=address_key, attempted_at=now))
        audit("signin_failed", None, user, "")
        raise AuthError(WRONG_CREDENTIALS, reason="credentials")
    db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.scope == "account", LoginAttempt.key == account_key)
    )
    if user.email_confirmed_at is None:
        send_confirmation(user)
        raise AuthError(
            _l(
                "Your e-mail address is not confirmed yet. We have sent you a new "
                "confirmation link: please open it, then sign in."
            ),
            reason="unconfirmed",
        )
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit("signin", user, user)
    return user


def start_session(user: User) -> str:
    """Open a server-side session for the user and return its secret token."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(token_hash=_key(token), user_id=user.id))
    user.session_token = token
    return token


def load_session_user(token: str, now: datetime) -> User | None:
    """Return the user of a live session, or None when it ended, idled out or expired.

    The last activity is written at most once a minute, so reading pages stays cheap.
    """
    row = db.session.scalar(
        select(UserSession)
        .options(joinedload(UserSession.user))
        .where(UserSession.token_hash == _key(token))
    )
    if row is None:
        return None
    config = current_app.config
    expired = row.created_at + timedelta(seconds=config["SESSION_ABSOLUTE_LIFETIME"]) < now
    idle = row.last_seen_at + timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]) < now
    if expired or idle or not row.user.active:
        db.session.delete(row)
        return None
    if now - row.last_seen_at > timedelta(seconds=60):
        row.last_seen_at = now
    row.user.session_token = token
    return row.user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _key(token)))


def end_all_sessions(user: User, keep_token: str | None = None) -> None:
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        statement = statement.where(UserSession.token_hash != _key(keep_token))
    db.session.execute(statement)


# --- passwords reset and change ---------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Send a reset link when the address has an account; do nothing visible otherwise."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active:
        return
    send_templated(
        user.email,
        user.locale,
        "reset_password",
        _l("Reset your password"),
        user=user,
        url=absolute_url("accounts.reset_password", token=make_token("reset", user)),
        minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )
    audit("password_reset_requested", None, user)


def check_reset_token(token: str) -> User:
    return _read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])


def reset_password(token: str, new_password: str, now: datetime) -> User:
    user = check_reset_token(token)
    check_password_rules(new_password)
    _set_password(user, new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now  # the link reached the mailbox, so the address works
    audit("password_reset", user, user)
    return user


def change_password(user: User, current: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current):
        raise DomainError(_l("Your current password is not correct."), field="current_password")
    check_password_rules(new_password)
    _set_password(user, new_password)
    audit("password_changed", user, user)


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    end_all_sessions(user)


# --- profile ----------------------------------------------------------------------------------


def update_profile(
    user: User,
    *,
    name: str,
    country: str,
    locale: str,
    timezone: str,
    organisation_id: int | None = None,
    new_organisation: NewOrganisation | None = None,
) -> None:
    name = " ".join(name.split())
    if not name:
        raise DomainError(_l("Please enter your name."), field="name")
    _check_profile_values(country, locale, timezone)
    user.name = name
    user.country = country
    user.locale = locale
    user.timezone = timezone
    user.organisation = _resolve_organisation(organisation_id, new_organisation, user)


def set_locale(user: User, locale: str) -> None:
    if locale in LOCALES:
        user.locale = locale


# --- roles and user administration ------------------------------------------------------------


def search_users(query: str, page: int, per_page: int) -> Page:
    statement = select(User).options(selectinload(User.organisation)).order_by(User.name, User.id)
    query = query.strip()
    if query:
        pattern = "%" + query.lower().replace("\\", "").replace("%", "").replace("_", "") + "%"
        statement = statement.outerjoin(User.organisation).where(
            or_(
                func.lower(User.name).like(pattern),
                func.lower(User.email).like(pattern),
                func.lower(Organisation.name).like(pattern),
            )
        )
    return paginate(statement, page, per_page)


def grant_role(actor: User, user: User, role: str) -> bool:
    """Give the role; return False when the user already had it."""
    if role not in ROLES:
        raise DomainError(_l("Unknown role."))
    if user.has_role(role):
        return False
    user.roles.append(UserRole(role=role, granted_by_id=actor.id))
    audit("role_granted", actor, user, role)
    return True


def revoke_role(actor: User, user: User, role: str) -> bool:
    """Take the role away and sign the user out everywhere; False when they did not have it."""
    if role not in ROLES:
        raise DomainError(_l("Unknown role."))
    if role == "coordinator" and actor.id == user.id:
        raise DomainError(_l("You cannot remove your own coordinator role."))
    held = [r for r in user.roles if r.role == role]
    if not held:
        return False
    for entry in held:
        user.roles.remove(entry)
    end_all_sessions(user, keep_token=actor.session_token if actor.id == user.id else None)
    audit("role_revoked", actor, user, role)
    return True


def find_unconfirmed(email: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or user.email_confirmed_at is not None or not user.active:
        return None
    return user


def audit_for_user(user: User, limit: int) -> list[AuditEvent]:
    """The latest events about this user, with the people involved loaded in one query."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .options(*_WITH_PEOPLE)
            .where(AuditEvent.subject_id == user.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def export_personal_data(user: User) -> dict:
    """Everything about the person (see privacy.py), recorded in the audit trail."""
    from .privacy import export_data

    audit("data_exported", user, user)
    return export_data(user)


def erase_account(user: User, password: str, now: datetime) -> None:
    """Erase one's own account after confirming the password. The caller commits."""
    from .privacy import erase

    if not verify_password(user.password_hash, password or ""):
        raise DomainError(_l("Your current password is not correct."), field="password")
    erase(user, now)
    end_all_sessions(user)
    audit("account_erased", None, user)
