"""Account rules: sign-up, confirmation, sign-in, sessions, passwords, profile, roles, audit.

Functions take plain arguments (including `now`), flush but never commit: the view commits.
"""

import hashlib
import hmac
import ipaddress
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import bindparam, delete, func, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import joinedload, load_only, selectinload

from app.config import COUNTRIES, LOCALES
from app.core import outbox
from app.core.audit import AuditEvent, audit
from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import lazy_ngettext
from app.core.db import write_apart
from app.core.errors import DomainError
from app.core.pagination import Page, paginate
from app.core.security import ROLES
from app.core.text import normalise_email
from app.core.timeutil import is_valid_timezone
from app.extensions import db

from .models import (
    ORGANISATION_KINDS,
    LoginAttempt,
    Organisation,
    User,
    UserRole,
    UserSession,
)
from .privacy import export_data, export_page


class AuthError(DomainError):
    """Sign-in refused: wrong credentials, throttled or not confirmed."""

    def __init__(self, message, reason: str, field: str | None = None):
        super().__init__(message, field=field)
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


def approve_organisation(actor: User, organisation: Organisation, now: datetime) -> None:
    """Approve a proposed organisation; whoever proposed it and asked to join becomes a member."""
    organisation.approved = True
    audit("organisation_approved", actor, None, f"organisation {organisation.id}")
    proposer = organisation.proposed_by_id and db.session.get(User, organisation.proposed_by_id)
    if proposer and proposer.organisation_id == organisation.id and proposer.membership_pending:
        _grant(actor, proposer, now, "proposed it")


# --- membership: granted by a manager, a coordinator or an invitation, never chosen -----------

MEMBERSHIP_NOT_YOURS = _l("You cannot manage the members of this organisation.")


def ask_to_join(user: User, organisation: Organisation | None) -> None:
    """Choosing an organisation asks to join it; a membership already granted stays as it is."""
    if organisation is None:
        if user.organisation_id is not None:
            audit("membership_left", user, user, f"organisation {user.organisation_id}")
        _clear_membership(user)
        return
    if user.organisation_id == organisation.id:
        return
    user.organisation = organisation
    user.organisation_granted_at = None
    user.organisation_granted_by_id = None
    if user.id is not None:
        audit("membership_requested", user, user, f"organisation {organisation.id}")


def _clear_membership(user: User) -> None:
    user.organisation = None
    user.organisation_granted_at = None
    user.organisation_granted_by_id = None


def _grant(actor: User | None, user: User, now: datetime, how: str) -> None:
    user.organisation_granted_at = now
    user.organisation_granted_by_id = actor.id if actor else None
    audit("membership_granted", actor, user, f"organisation {user.organisation_id}, {how}")


def managed_organisation_ids(actor: User) -> set[int] | None:
    """The organisations whose members the actor decides on; None means all (coordinators).

    A manager decides for the organisation they are a granted member of and for the
    organisations that network supports directly.
    """
    if actor.has_role("coordinator"):
        return None
    own = actor.member_organisation_id if actor.has_role("manager") else None
    if own is None:
        return set()
    children = db.session.scalars(select(Organisation.id).where(Organisation.parent_id == own))
    return {own, *children}


def can_manage_members(actor: User, organisation_id: int | None) -> bool:
    if organisation_id is None:
        return False
    managed = managed_organisation_ids(actor)
    return managed is None or organisation_id in managed


def managed_organisations(actor: User) -> list[Organisation]:
    """The organisations a manager manages, by name (coordinators use the administration pages)."""
    managed = managed_organisation_ids(actor)
    if not managed:
        return []
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(managed)).order_by(Organisation.name)
        )
    )


def members_page(actor: User, page: int, per_page: int, pending: bool) -> Page:
    """People who asked to join (pending) or are members of what the actor manages."""
    granted = User.organisation_granted_at
    statement = (
        select(User)
        .options(selectinload(User.organisation))
        .where(User.organisation_id.is_not(None), User.active.is_(True))
        .where(granted.is_(None) if pending else granted.is_not(None))
        .order_by(User.name, User.id)
    )
    managed = managed_organisation_ids(actor)
    if managed is not None:
        statement = statement.where(User.organisation_id.in_(managed or {-1}))
    return paginate(statement, page, per_page)


def member_for(actor: User, user_id: int) -> User | None:
    """A person the actor may decide on (asked to join or member of what they manage), or None."""
    user = db.session.get(User, user_id)
    if user is None or not user.active or not can_manage_members(actor, user.organisation_id):
        return None
    return user


def decide_membership(actor: User, user: User, grant: bool, now: datetime) -> None:
    """Grant a request, or decline it (or end a membership): the person then belongs to none."""
    if not can_manage_members(actor, user.organisation_id):
        raise DomainError(MEMBERSHIP_NOT_YOURS)
    if grant:
        if user.organisation_granted_at is None:
            _grant(actor, user, now, "request granted")
        return
    audit("membership_ended", actor, user, f"organisation {user.organisation_id}")
    _clear_membership(user)


def invitation_link_token(actor: User, organisation: Organisation) -> str:
    """A signed link that makes whoever opens it a member, for INVITATION_MAX_AGE seconds."""
    if not can_manage_members(actor, organisation.id) or not organisation.approved:
        raise DomainError(MEMBERSHIP_NOT_YOURS)
    audit("invitation_created", actor, None, f"organisation {organisation.id}")
    return _serializer("invite").dumps({"o": organisation.id, "by": actor.id})


def read_invitation(token: str) -> tuple[Organisation, User]:
    """The organisation and the inviter of a live invitation, or DomainError."""
    try:
        data = _serializer("invite").loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except SignatureExpired:
        raise DomainError(TOKEN_EXPIRED) from None
    except BadSignature:
        raise DomainError(TOKEN_INVALID) from None
    if not isinstance(data, dict):
        raise DomainError(TOKEN_INVALID)
    organisation = db.session.get(Organisation, data.get("o"))
    inviter = db.session.get(User, data.get("by"))
    # The invitation dies with the inviter's right to invite.
    if (
        organisation is None
        or inviter is None
        or not inviter.active
        or not can_manage_members(inviter, organisation.id)
    ):
        raise DomainError(TOKEN_INVALID)
    return organisation, inviter


def accept_invitation(user: User, token: str, now: datetime) -> Organisation:
    organisation, inviter = read_invitation(token)
    if user.organisation_id != organisation.id:
        if user.organisation_id is not None:
            audit("membership_left", user, user, f"organisation {user.organisation_id}")
        user.organisation = organisation
        user.organisation_granted_at = None
    if user.organisation_granted_at is None:
        _grant(inviter, user, now, "invitation")
    return organisation


# --- sign-up and confirmation -----------------------------------------------------------------


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
    """Create an unconfirmed account and plan the mail with its confirmation link.

    For an address that already has an account nothing is created and that address is told
    by e-mail instead (at most once per ACCOUNT_MAIL_PERIOD), so the page shown is the same
    whether the address is known or not. Mails go through the outbox, never from the request.
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
        plan_account_mail("exists", email, existing.id, now)
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
    ask_to_join(user, _resolve_organisation(organisation_id, new_organisation, user))
    audit("signup", user, user)
    outbox.plan(f"account:signup:{user.id}", "account.confirm", now, user_id=user.id)
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


def plan_account_mail(kind: str, email: str, user_id: int | None, now: datetime) -> bool:
    """Plan one account mail ("confirm", "exists" or "reset", rendered by messages.py) for this
    address in this period; return whether it is a new one.

    The same work whether or not the address has an account: one row keyed by a keyed hash of
    the address (never the address itself) and the period, with the user's id or None (the
    renderer then withdraws it). The unique key gives at most one mail per address and period.
    """
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    address = f"account-mail:{normalise_email(email)}".encode()
    digest = hmac.new(secret, address, hashlib.sha256).hexdigest()[:32]
    period = int(now.timestamp()) // current_app.config["ACCOUNT_MAIL_PERIOD"]
    planned = outbox.plan(
        f"account:{kind}:{digest}:{period}",
        f"account.{kind}",
        now,
        user_id=user_id,
    )
    return planned is not None


def send_confirmation(user: User, now: datetime) -> None:
    """Plan a new confirmation link (at most one per address and period)."""
    plan_account_mail("confirm", user.email, user.id, now)


def _account_id(email: str, *conditions) -> int | None:
    """The id of the active account with this address (one query, whatever the answer)."""
    return db.session.scalar(
        select(User.id).where(User.email == normalise_email(email), User.active, *conditions)
    )


def resend_confirmation(email: str, now: datetime) -> None:
    """Plan a new confirmation link when the address has an unconfirmed account; the same
    work otherwise, and then nothing is sent."""
    user_id = _account_id(email, User.email_confirmed_at.is_(None))
    plan_account_mail("confirm", email, user_id, now)


def confirm_email(token: str, now: datetime) -> User:
    user = _read_token("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now
        audit("email_confirmed", user, user)
    return user


# --- sign-in, throttling, sessions ------------------------------------------------------------


def _key(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# Every failed password check (sign-in, password change, erasure) adds three LoginAttempt rows:
# "pair" (this account from this address) is throttled with growing delays; "address" (any
# account from here) has a limit per window; "account" (from anywhere) only makes the pairs of
# an account under distributed attack start their delays sooner. No rule refuses an address
# that has not failed for the account, so an attacker cannot lock the real user out.


class Throttled(AuthError):
    """Too many failed password checks: wait `retry_after` seconds."""

    def __init__(self, seconds: int, field: str | None = None):
        super().__init__(_wait_message(seconds), reason="throttled", field=field)
        self.retry_after = seconds


def _wait_message(seconds: int):
    if seconds < 60:
        return lazy_ngettext(
            "Too many failed attempts. Please wait %(num)d second and try again, "
            "or reset your password.",
            "Too many failed attempts. Please wait %(num)d seconds and try again, "
            "or reset your password.",
            seconds,
        )
    return lazy_ngettext(
        "Too many failed attempts. Please wait %(num)d minute and try again, "
        "or reset your password.",
        "Too many failed attempts. Please wait %(num)d minutes and try again, "
        "or reset your password.",
        math.ceil(seconds / 60),
    )


def _network(address: str) -> str:
    """The address as throttling counts it: IPv6 by its /64, which one host usually holds."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


@dataclass(frozen=True)
class _ThrottleKeys:
    pair: str
    account: str
    address: str


def _throttle_keys(email: str, address: str) -> _ThrottleKeys:
    network = _network(address)
    return _ThrottleKeys(
        pair=_key(f"{email}|{network}"), account=_key(email), address=_key(network)
    )


def _failures(scope: str, key: str, since: datetime) -> tuple[int, datetime | None]:
    """How many failures of this scope and key since then, and when the last one was."""
    count, last = db.session.execute(
        select(func.count(), func.max(LoginAttempt.attempted_at)).where(
            LoginAttempt.scope == scope,
            LoginAttempt.key == key,
            LoginAttempt.attempted_at >= since,
        )
    ).one()
    return count, last


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(0, math.ceil((moment - now).total_seconds()))


def _throttle_wait(keys: _ThrottleKeys, now: datetime) -> int:
    """Seconds to wait before a password may be checked for this pair (0: check it now)."""
    config = current_app.config
    wait = 0
    memory = now - timedelta(seconds=config["LOGIN_FAILURE_MEMORY"])
    failures, last = _failures("pair", keys.pair, memory)
    if failures:
        free = config["LOGIN_PAIR_FREE_FAILURES"]
        if failures < free:
            account_failures, _last = _failures("account", keys.account, memory)
            if account_failures >= config["LOGIN_ACCOUNT_GUARD_FAILURES"]:
                free = 1
        if failures >= free:
            delay = min(
                config["LOGIN_PAIR_BASE_DELAY"] * 2 ** min(failures - free, 32),
                config["LOGIN_PAIR_MAX_DELAY"],
            )
            wait = _seconds_until(last + timedelta(seconds=delay), now)
    window = timedelta(seconds=config["LOGIN_THROTTLE_WINDOW"])
    # Once the limit-th newest failure of the address leaves the window, it may try again.
    oldest_counted = db.session.scalar(
        select(LoginAttempt.attempted_at)
        .where(
            LoginAttempt.scope == "address",
            LoginAttempt.key == keys.address,
            LoginAttempt.attempted_at > now - window,
        )
        .order_by(LoginAttempt.attempted_at.desc())
        .offset(max(config["LOGIN_THROTTLE_PER_ADDRESS"] - 1, 0))
        .limit(1)
    )
    if oldest_counted is not None:
        wait = max(wait, _seconds_until(oldest_counted + window, now))
    return wait


def _record_failure(keys: _ThrottleKeys, now: datetime) -> None:
    for scope in ("pair", "account", "address"):
        db.session.add(LoginAttempt(scope=scope, key=getattr(keys, scope), attempted_at=now))


def _clear_pair(keys: _ThrottleKeys) -> None:
    db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.scope == "pair", LoginAttempt.key == keys.pair)
    )


def _check_own_password(
    user: User, password: str, address: str, now: datetime, field: str, form: str
) -> None:
    """Check a signed-in user's password, throttled like sign-in; raise AuthError when refused."""
    keys = _throttle_keys(user.email, address)
    wait = _throttle_wait(keys, now)
    if wait:
        raise Throttled(wait, field=field)
    if not verify_password(user.password_hash, password or ""):
        _record_failure(keys, now)
        audit("password_check_failed", user, user, form)
        raise AuthError(
            _l("Your current password is not correct."), reason="credentials", field=field
        )
    _clear_pair(keys)


@lru_cache(maxsize=1)
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    return _make_hasher(time_cost, memory_cost, parallelism).hash(secrets.token_hex(16))


def authenticate(email: str, password: str, address: str, now: datetime) -> User:
    """Return the user for these credentials or raise AuthError (same message for all misses)."""
    config = current_app.config
    email = normalise_email(email)
    keys = _throttle_keys(email, address)
    wait = _throttle_wait(keys, now)
    if wait:
        # Refused before the password is checked, and not recorded: hammering changes nothing.
        raise Throttled(wait)
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
        _record_failure(keys, now)
        audit("signin_failed", None, user, "")
        wait = _throttle_wait(keys, now)
        if wait:
            audit("signin_throttled", None, user, f"account {keys.account[:12]}: {wait} s")
        raise AuthError(WRONG_CREDENTIALS, reason="credentials")
    _clear_pair(keys)
    if user.email_confirmed_at is None:
        send_confirmation(user, now)
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


# The signed-in user kept in each worker between requests, by session (see load_session_user).
_KEPT_USERS = "doimpact.session_users"
_MAX_KEPT_USERS = 1024
_kept_users_lock = threading.Lock()
_MISSING = object()


@lru_cache(maxsize=1)
def _session_row_query():
    """One statement on the tables (no ORM entity to load): the session, every column of its
    user and the user's role names, for the bound parameter `token_hash`."""
    sessions, users, roles = UserSession.__table__, User.__table__, UserRole.__table__
    columns = [(attribute.key, attribute.columns[0]) for attribute in sa_inspect(User).column_attrs]
    role_names = (
        select(func.aggregate_strings(roles.c.role, ","))
        .where(roles.c.user_id == users.c.id)
        .scalar_subquery()
    )
    query = (
        select(
            sessions.c.id,
            sessions.c.created_at,
            sessions.c.last_seen_at,
            role_names,
            *(column for _, column in columns),
        )
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.token_hash == bindparam("token_hash"))
    )
    other_relationships = [r.key for r in sa_inspect(User).relationships if r.key != "roles"]
    return query, [key for key, _ in columns], other_relationships


def load_session_user(token: str, now: datetime) -> User | None:
    """Return the user of a live session, or None when it ended, idled out or expired.

    One query, whose rows are plain values: the session, the user's columns and role names.
    Each worker keeps the User it built for a session and uses it again, attached to this
    request's database session, when every column and role it holds equals what the query
    read: a change made anywhere, or one left unsaved in memory, loads the user afresh. Other
    relationships of the kept user (its organisation ...) are expired, so they are read again
    when a page asks for them. Building the User from rows cost about 0.4 ms a request, more
    than half of a bare Flask page. The last activity is written at most once a minute.
    """
    query, keys, other_relationships = _session_row_query()
    token_hash = _key(token)
    kept = current_app.extensions.setdefault(_KEPT_USERS, {})
    row = db.session.execute(query, {"token_hash": token_hash}).first()
    if row is None:
        kept.pop(token_hash, None)
        return None
    session_id, created_at, last_seen_at, role_names = row[:4]
    values = dict(zip(keys, row[4:], strict=True))
    config = current_app.config
    expired = created_at + timedelta(seconds=config["SESSION_ABSOLUTE_LIFETIME"]) < now
    idle = last_seen_at + timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]) < now
    if expired or idle or not values["active"]:
        kept.pop(token_hash, None)
        write_apart(db.session, delete(UserSession).where(UserSession.id == session_id))
        return None
    interval = timedelta(seconds=config["SESSION_ACTIVITY_INTERVAL"])
    if now - last_seen_at >= interval:
        # Once per interval, in a write of its own: pages stay reads (see core.db.write_apart).
        write_apart(
            db.session,
            update(UserSession)
            .where(UserSession.id == session_id, UserSession.last_seen_at <= now - interval)
            .values(last_seen_at=now)
            .execution_options(synchronize_session=False),
        )
    user = _attach_kept_user(kept.get(token_hash), values, role_names, other_relationships)
    if user is None:
        user = (
            db.session.execute(
                select(User).options(joinedload(User.roles)).where(User.id == values["id"])
            )
            .unique()
            .scalar_one()
        )
        if len(kept) >= _MAX_KEPT_USERS:
            kept.clear()
        kept[token_hash] = user
    user.session_token = token
    return user


def _attach_kept_user(user, values: dict, role_names: str | None, other_relationships):
    """The kept user in this request's database session, or None when it cannot serve."""
    if user is None:
        return None
    held = user.__dict__
    if any(held.get(key, _MISSING) != value for key, value in values.items()):
        return None  # changed, expired by a commit, or changed in memory and not saved
    roles = held.get("roles")
    names = sorted(filter(None, (role_names or "").split(",")))
    if roles is None or sorted(role.role for role in roles) != names:
        return None
    with _kept_users_lock:
        if sa_inspect(user).session_id is not None:
            return None  # another request of this worker (a threaded server) has it
        try:
            db.session.add(user)
        except InvalidRequestError:  # this request already holds another copy of the user
            return None
    loaded = [key for key in other_relationships if key in held]
    if loaded:
        db.session.expire(user, loaded)
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == _key(token)))


def end_all_sessions(user: User, keep_token: str | None = None) -> None:
    statement = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        statement = statement.where(UserSession.token_hash != _key(keep_token))
    db.session.execute(statement)


@dataclass
class PurgeReport:
    login_attempts: int = 0
    sessions: int = 0
    account_mails: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())


def purge_expired(now: datetime, dry_run: bool = False) -> PurgeReport:
    """Delete what no rule reads any more (idempotent; a dry run only counts it):
    failed sign-ins older than the throttling remembers, sessions past their absolute
    lifetime or idle timeout, and sent or withdrawn account mails past ACCOUNT_MAIL_RETENTION."""
    config = current_app.config
    remembered = max(config.get("LOGIN_FAILURE_MEMORY", 0), config["LOGIN_THROTTLE_WINDOW"])
    old_attempt = LoginAttempt.attempted_at < now - timedelta(seconds=remembered)
    # The same rule as load_session_user, which refuses such a session.
    expired_session = or_(
        UserSession.created_at < now - timedelta(seconds=config["SESSION_ABSOLUTE_LIFETIME"]),
        UserSession.last_seen_at < now - timedelta(seconds=config["SESSION_IDLE_TIMEOUT"]),
    )
    mails_before = now - timedelta(seconds=config["ACCOUNT_MAIL_RETENTION"])
    report = PurgeReport()
    for field, model, condition in (
        ("login_attempts", LoginAttempt, old_attempt),
        ("sessions", UserSession, expired_session),
    ):
        if dry_run:
            found = db.session.scalar(select(func.count()).select_from(model).where(condition))
        else:
            found = db.session.execute(
                delete(model).where(condition).execution_options(synchronize_session=False)
            ).rowcount
        setattr(report, field, found)
    report.account_mails = outbox.purge_done("account:", mails_before, dry_run)
    return report


# --- passwords reset and change ---------------------------------------------------------------


def request_password_reset(email: str, now: datetime) -> None:
    """Plan a reset link for the address: the same work whether it has an account or not (the
    link is made when the mail is sent, and none is sent without an active account), and at
    most one mail per address in ACCOUNT_MAIL_PERIOD however often it is asked for."""
    user_id = _account_id(email)
    if plan_account_mail("reset", email, user_id, now):
        db.session.add(AuditEvent(action="password_reset_requested", subject_id=user_id))


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


def change_password(
    user: User, current: str, new_password: str, address: str, now: datetime
) -> None:
    """Set a new password after checking the current one (throttled as sign-in is).

    A wrong or throttled current password raises AuthError after recording the failure: the
    caller commits then, so the failure counts.
    """
    _check_own_password(user, current, address, now, "current_password", "password_change")
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
    second_locale: str | None = None,
    organisation_id: int | None = None,
    new_organisation: NewOrganisation | None = None,
) -> None:
    """Save the profile. `second_locale` (or None) is read before the built-in fallback chain."""
    name = " ".join(name.split())
    if not name:
        raise DomainError(_l("Please enter your name."), field="name")
    _check_profile_values(country, locale, timezone)
    second_locale = second_locale or None
    if second_locale is not None and second_locale not in LOCALES:
        raise DomainError(_l("Please choose a language from the list."), field="second_locale")
    if second_locale == locale:
        raise DomainError(
            _l("Choose a second language other than your preferred language."),
            field="second_locale",
        )
    user.name = name
    user.country = country
    user.locale = locale
    user.second_locale = second_locale
    user.timezone = timezone
    ask_to_join(user, _resolve_organisation(organisation_id, new_organisation, user))


# --- roles and user administration ------------------------------------------------------------


def search_users(query: str, page: int, per_page: int) -> Page:
    statement = select(User).options(selectinload(User.organisation)).order_by(User.name, User.id)
    query = query.strip().lower()
    if query:
        # LIKE wildcards in the query (% and _) match themselves: "first_last" finds first_last.
        statement = statement.outerjoin(User.organisation).where(
            or_(
                func.lower(User.name).contains(query, autoescape=True),
                func.lower(User.email).contains(query, autoescape=True),
                func.lower(Organisation.name).contains(query, autoescape=True),
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


def personal_data_page(user: User) -> list:
    """The person's data for the readable page (privacy.export_page), recorded in the audit
    trail as an export."""
    audit("data_exported", user, user, "page")
    return export_page(user)


def export_personal_data(user: User) -> dict:
    """Everything about the person (see privacy.py), recorded in the audit trail."""
    audit("data_exported", user, user)
    return export_data(user)


def request_erasure(user: User, password: str, address: str, now: datetime) -> datetime:
    """Ask for one's own account to be erased, confirmed by the password; return when the
    erasure is carried out (ERASURE_GRACE_DAYS from now). Every device is signed out; signing
    in before that moment cancels the request (cancel_erasure). The caller commits, also after
    an AuthError (wrong or throttled password), so the failure counts."""
    _check_own_password(user, password, address, now, "password", "account_erasure")
    due = now + timedelta(days=current_app.config["ERASURE_GRACE_DAYS"])
    user.erasure_requested_at, user.erasure_due_at = now, due
    end_all_sessions(user)
    key = f"account:erasure:{user.id}:{int(now.timestamp())}"
    outbox.plan(key, "account.erasure", now, user_id=user.id)
    audit("erasure_requested", user, user)
    return due


def cancel_erasure(user: User) -> bool:
    """Withdraw a pending erasure (the person signed in during the grace period)."""
    if user.erasure_due_at is None:
        return False
    user.erasure_requested_at = user.erasure_due_at = None
    outbox.void(f"account:erasure:{user.id}:")
    audit("erasure_cancelled", user, user)
    return True


def pending_erasures(page: int, per_page: int) -> Page:
    """Accounts waiting for their erasure, for coordinators: the account number and the dates
    only, never what the account holds."""
    return paginate(
        select(User)
        .options(load_only(User.id, User.erasure_requested_at, User.erasure_due_at))
        .where(User.erasure_due_at.is_not(None), User.active.is_(True))
        .order_by(User.erasure_due_at, User.id),
        page,
        per_page,
    )
