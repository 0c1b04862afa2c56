"""Translated choice lists for account forms (countries, kinds, languages, time zones)."""

from functools import cache

from babel import Locale
from flask_babel import get_locale

from app.config import COUNTRIES, LANGUAGE_NAMES, LOCALES
from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import locale_code
from app.core.timeutil import timezone_choices

from .models import ORGANISATION_KINDS

KIND_LABELS = {
    "sme": _l("SME"),
    "social_enterprise": _l("Social enterprise"),
    "cooperative": _l("Cooperative"),
    "association": _l("Association"),
    "second_tier": _l("Second-tier organisation (network or federation)"),
    "tech_sme": _l("Technology SME"),
}
ROLE_LABELS = {
    "learner": _l("Learner"),
    "mentor": _l("Mentor"),
    "trainer": _l("Trainer"),
    "manager": _l("Organisation manager"),
    "coordinator": _l("Coordinator"),
}


@cache
def _territories(locale: str) -> dict:
    return Locale.parse(locale).territories


def country_name(code: str) -> str:
    if code == "other":
        return str(_l("Other country"))
    return _territories(locale_code()).get(code, code)


@cache
def _country_choices(locale: str, blank: bool) -> tuple[tuple[str, str], ...]:
    # Country names come from CLDR and our catalogs, both fixed for the life of the process.
    choices = [(code, country_name(code)) for code in COUNTRIES]
    return tuple([("", str(_l("Choose a country"))), *choices] if blank else choices)


def country_choices(blank: bool = False) -> list[tuple[str, str]]:
    return list(_country_choices(locale_code(), blank))


def kind_choices() -> list[tuple[str, str]]:
    kinds = [(kind, str(KIND_LABELS[kind])) for kind in ORGANISATION_KINDS]
    return [("", str(_l("Choose the kind of organisation"))), *kinds]


def locale_choices() -> list[tuple[str, str]]:
    return [(code, LANGUAGE_NAMES[code]) for code in LOCALES]


def second_locale_choices() -> list[tuple[str, str]]:
    return [("", str(_l("No second language"))), *locale_choices()]


def tz_choices(current: str | None = None) -> dict:
    """Time-zone option groups in the reader's language; `current` keeps an older stored name."""
    return timezone_choices(str(get_locale()), current)


def organisation_choices(organisations) -> list[tuple[str, str]]:
    choices = [("", str(_l("Choose your organisation")))]
    for org in organisations:
        suffix = "" if org.approved else " \u2013 " + str(_l("proposed, awaiting review"))
        choices.append((str(org.id), f"{org.name} ({country_name(org.country)}){suffix}"))
    return choices


def parent_choices(networks) -> list[tuple[str, str]]:
    return [("", str(_l("None")))] + [(str(org.id), org.name) for org in networks]


AUDIT_LABELS = {
    "signup": _l("Account created"),
    "user_created": _l("Account created by an administrator"),
    "email_confirmed": _l("E-mail address confirmed"),
    "signin": _l("Signed in"),
    "signin_failed": _l("Failed sign-in"),
    "signin_throttled": _l("Sign-in blocked after too many failures"),
    "password_check_failed": _l("Wrong current password on a signed-in form"),
    "password_reset_requested": _l("Password reset requested"),
    "password_reset": _l("Password reset"),
    "password_changed": _l("Password changed"),
    "role_granted": _l("Role granted"),
    "role_revoked": _l("Role removed"),
    "access_denied": _l("Access denied"),
    "organisation_approved": _l("Organisation approved"),
    "membership_requested": _l("Asked to join an organisation"),
    "membership_granted": _l("Membership of an organisation confirmed"),
    "membership_ended": _l("Membership of an organisation declined or ended"),
    "membership_left": _l("Left an organisation"),
    "invitation_created": _l("Invitation link to an organisation made"),
    "data_exported": _l("Personal data downloaded or viewed"),
    "erasure_requested": _l("Erasure asked for"),
    "erasure_cancelled": _l("Erasure cancelled by signing in"),
    "account_erased": _l("Account erased"),
    "content_synced": _l("Course content imported"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def role_list(user) -> str:
    roles = ["learner", *sorted(user.role_names)]
    return ", ".join(role_label(role) for role in roles)


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def audit_label(action: str) -> str:
    return str(AUDIT_LABELS.get(action, action))


def audit_labels() -> dict[str, str]:
    return {key: str(label) for key, label in AUDIT_LABELS.items()}


def template_helpers() -> dict:
    return {
        "role_label": role_label,
        "role_list": role_list,
        "kind_label": kind_label,
        "country_name": country_name,
        "audit_label": audit_label,
        "audit_labels": audit_labels,
    }
