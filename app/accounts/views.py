"""Sign-up, confirmation, sign-in and out, password reset, profile and privacy notice."""

from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, get_locale, get_timezone
from flask_login import current_user, login_user, logout_user

from app.core import i18n
from app.core.catalogs import locale_code
from app.core.catalogs import py_gettext as _
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.forms import EmptyForm, commit_or_show, show_error
from app.core.mail import absolute_url
from app.core.privacy import last_runs as privacy_last_runs
from app.core.privacy import providers as privacy_providers
from app.core.privacy import readable
from app.core.privacy import retentions as privacy_retentions
from app.core.security import ROLES, access, is_safe_next
from app.core.timeutil import date_time
from app.extensions import db

from . import messages, services, tasks  # noqa: F401 - messages and tasks register mails and jobs
from .choices import (
    country_choices,
    kind_choices,
    locale_choices,
    organisation_choices,
    parent_choices,
    second_locale_choices,
    tz_choices,
)
from .forms import (
    ChangePasswordForm,
    EraseAccountForm,
    ForgotPasswordForm,
    ProfileForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SigninForm,
    SignupForm,
    UserSearchForm,
)

bp = Blueprint("accounts", __name__, template_folder="templates")


def _fill_choices(form: ProfileForm, user=None) -> None:
    form.country.choices = country_choices(blank=user is None)
    form.org_country.choices = country_choices(blank=True)
    form.org_kind.choices = kind_choices()
    form.organisation.choices = organisation_choices(services.selectable_organisations(user))
    form.org_parent.choices = parent_choices(services.second_tier_organisations())
    form.locale.choices = locale_choices()
    if form.second_locale is not None:  # the profile has it; sign-up leaves it for later
        form.second_locale.choices = second_locale_choices()
    form.timezone.choices = tz_choices(user.timezone if user else None)


def _organisation_args(form: ProfileForm) -> dict:
    """Read 'pick an existing one' or 'propose a new one' from the form."""
    if form.org_name.data and form.org_name.data.strip():
        return {
            "new_organisation": services.NewOrganisation(
                name=form.org_name.data,
                kind=form.org_kind.data or "",
                country=form.org_country.data or "",
                parent_id=form.org_parent.data,
            )
        }
    if form.organisation.data is None:
        raise DomainError(
            _("Please choose your organisation or propose a new one."), field="organisation"
        )
    return {"organisation_id": form.organisation.data}


@bp.route("/signup", methods=["GET", "POST"])
@access("anonymous")
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignupForm()
    _fill_choices(form)
    if request.method == "GET":
        form.locale.data = str(get_locale())
        form.timezone.data = current_app.config["DEFAULT_TIMEZONE"]
    if form.validate_on_submit():
        try:
            services.register_user(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                country=form.country.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
                consent=form.consent.data,
                now=utcnow(),
                **_organisation_args(form),
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/signup.html", form=form)


@bp.route("/signup/check-email")
@access("public")
def check_email():
    return render_template("accounts/check_email.html", form=ResendConfirmationForm())


@bp.route("/signup/resend", methods=["POST"])
@access("public")
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data, utcnow())
        db.session.commit()
        flash(
            _("If this address has an unconfirmed account, we have sent a new link to it."),
            "success",
        )
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return redirect(url_for("accounts.check_email"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@access("public")
def confirm_email(token):
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.confirm_email(token, utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("accounts.check_email"))
        db.session.commit()
        flash(_("Thank you, your e-mail address is confirmed. You can now sign in."), "success")
        if current_user.is_authenticated:
            return redirect(url_for("core.home"))
        return redirect(url_for("accounts.signin"))
    return render_template("accounts/confirm.html", form=form)


def _refusal(error: services.AuthError, status: int) -> tuple[int, dict]:
    """Status and headers for a refused password: 429 with Retry-After when throttled."""
    if isinstance(error, services.Throttled):
        return 429, {"Retry-After": str(error.retry_after)}
    return status, {}


@bp.route("/signin", methods=["GET", "POST"])
@access("anonymous")
def signin():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SigninForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or "", utcnow()
            )
        except services.AuthError as error:
            db.session.commit()  # keep the failed attempt for throttling
            flash(str(error.message), "error")
            status, headers = _refusal(error, 200)
            return render_template("accounts/signin.html", form=form), status, headers
        session.clear()  # a new session at sign-in: nothing from before carries over
        cancelled = services.cancel_erasure(user)
        services.start_session(user)
        login_user(user)
        db.session.commit()
        with force_locale(user.locale):  # the pages after this one speak the profile's language
            if cancelled:
                flash(
                    _(
                        "Welcome back, %(name)s! Your request to erase your account is "
                        "cancelled: your account stays as it was.",
                        name=user.name,
                    ),
                    "success",
                )
            else:
                flash(_("Welcome back, %(name)s!", name=user.name), "success")
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("core.home"))
    return render_template("accounts/signin.html", form=form)


def _moved_to(endpoint: str):
    """A permanent redirect from an address people type to the real page, query string kept."""
    query = urlencode(list(request.args.items(multi=True)))
    target = url_for(endpoint)
    return redirect(f"{target}?{query}" if query else target, code=301)


@bp.route("/login")
@bp.route("/sign-in")
@access("public")
def signin_alias():
    return _moved_to("accounts.signin")


@bp.route("/register")
@access("public")
def signup_alias():
    return _moved_to("accounts.signup")


@bp.route("/signout", methods=["POST"])
@access("user")
def signout():
    services.end_session(current_user.session_token)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("core.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@access("public")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, utcnow())
        db.session.commit()
        return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access("public")
def reset_password(token):
    try:
        services.check_reset_token(token)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data, utcnow())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your password has been changed. Please sign in with the new one."), "success")
            return redirect(url_for("accounts.signin"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/profile", methods=["GET", "POST"])
@access("user")
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user if request.method == "GET" else None)
    _fill_choices(form, user)
    if request.method == "GET":
        form.organisation.data = user.organisation_id
    if form.validate_on_submit():
        try:
            services.update_profile(
                user,
                name=form.name.data,
                country=form.country.data,
                locale=form.locale.data,
                timezone=form.timezone.data,
                second_locale=form.second_locale.data,
                **_organisation_args(form),
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            session.pop(i18n.SESSION_KEY, None)  # the saved language applies from now on
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/profile.html", form=form, password_form=ChangePasswordForm(), user=user
    )


@bp.route("/profile/password", methods=["POST"])
@access("user")
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    status, headers = 400, {}
    if form.validate_on_submit():
        try:
            services.change_password(
                user,
                form.current_password.data,
                form.new_password.data,
                request.remote_addr or "",
                utcnow(),
            )
        except services.AuthError as error:
            db.session.commit()  # keep the failed check for throttling
            show_error(form, error)
            status, headers = _refusal(error, 400)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            # Every other browser is signed out; this one gets a fresh session.
            session.clear()
            services.start_session(user)
            login_user(user)
            db.session.commit()
            flash(
                _("Your password has been changed. Other devices have been signed out."), "success"
            )
            return redirect(url_for("accounts.profile"))
    profile_form = ProfileForm(obj=user)
    _fill_choices(profile_form, user)
    profile_form.organisation.data = user.organisation_id
    return (
        render_template("accounts/profile.html", form=profile_form, password_form=form, user=user),
        status,
        headers,
    )


@bp.route("/profile/data", methods=["POST"])
@access("user")
def personal_data_page():
    """Everything the portal holds about the signed-in person, as a page in their language.
    A POST for the same reason as the JSON file: it writes to the audit trail."""
    user = current_user._get_current_object()
    parts = services.personal_data_page(user)
    db.session.commit()
    zone, locale = str(get_timezone()), locale_code()
    return render_template(
        "accounts/data.html",
        parts=parts,
        user=user,
        now=utcnow(),
        show=lambda value, column="": readable(value, zone, locale, column),
    )


@bp.route("/profile/data.json", methods=["POST"])
@access("user")
def personal_data():
    """Everything the portal holds about the signed-in person, as a JSON file.

    A POST (with the CSRF token), since it writes to the audit trail: a link followed by a
    crawler, a prefetch or another site cannot trigger it."""
    import json

    data = services.export_personal_data(current_user._get_current_object())
    db.session.commit()
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True),
        mimetype="application/json",
    )
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return response


@bp.route("/profile/erase", methods=["GET", "POST"])
@access("user")
def erase_account():
    """GET explains and asks for the password; the button asks for the erasure, which is
    carried out after the grace period unless the person signs in again before then."""
    form = EraseAccountForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            due = services.request_erasure(
                user, form.password.data, request.remote_addr or "", utcnow()
            )
            db.session.commit()
        except services.AuthError as error:
            db.session.commit()  # keep the failed check for throttling
            show_error(form, error)
            status, headers = _refusal(error, 200)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            when = date_time(due, user.timezone, str(get_locale()))
            logout_user()
            session.clear()
            flash(
                _(
                    "Your account will be erased on %(when)s and you are signed out. If you "
                    "change your mind, sign in before then: signing in cancels the request.",
                    when=when,
                ),
                "success",
            )
            return redirect(url_for("core.home"))
    return (
        render_template(
            "accounts/erase.html", form=form, days=current_app.config["ERASURE_GRACE_DAYS"]
        ),
        status,
        headers,
    )


@bp.route("/privacy")
@access("public")
def privacy():
    return render_template(
        "accounts/privacy.html",
        version=current_app.config["PRIVACY_NOTICE_VERSION"],
        providers=privacy_providers(),
        retentions=privacy_retentions(),
        last_runs=privacy_last_runs(),
        grace_days=current_app.config["ERASURE_GRACE_DAYS"],
    )


# --- coordinator: users, roles, organisations, audit trail -------------------------------------

admin_bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


def _page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1


@admin_bp.route("/users")
@access("coordinator")
def users():
    form = UserSearchForm(request.args)
    result = services.search_users(form.q.data or "", _page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("admin/users.html", form=form, page=result)


@admin_bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access("coordinator")
def user_detail(user_id):
    user = db.get_or_404(services.User, user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        wanted = set(request.form.getlist("roles"))
        unknown = wanted - set(ROLES)
        if unknown:
            flash(_("Unknown role."), "error")
            return redirect(url_for("admin.user_detail", user_id=user.id))
        changed = False
        try:
            for role in ROLES:
                if role in wanted:
                    changed |= services.grant_role(actor, user, role)
                else:
                    changed |= services.revoke_role(actor, user, role)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("admin.user_detail", user_id=user.id))
        db.session.commit()
        if changed:
            flash(_("The roles of %(name)s have been updated.", name=user.name), "success")
        else:
            flash(_("Nothing changed."), "info")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    events = services.audit_for_user(user, limit=20)
    return render_template(
        "admin/user_detail.html", user=user, form=form, roles=ROLES, events=events
    )


@admin_bp.route("/erasures")
@access("coordinator")
def erasures():
    """Accounts waiting for their erasure: numbers and dates, never what they hold."""
    result = services.pending_erasures(_page_arg(), current_app.config["PAGE_SIZE"])
    return render_template("admin/erasures.html", page=result)


@admin_bp.route("/audit")
@access("coordinator")
def audit():
    action = request.args.get("action") or None
    result = services.audit_trail(_page_arg(), current_app.config["PAGE_SIZE"], action)
    return render_template("admin/audit.html", page=result, action=action)


@admin_bp.route("/organisations")
@access("coordinator")
def organisations():
    pending = request.args.get("pending") == "1"
    result = services.organisations_page(_page_arg(), current_app.config["PAGE_SIZE"], pending)
    return render_template(
        "admin/organisations.html", page=result, pending=pending, form=EmptyForm()
    )


@admin_bp.route("/organisations/<int:organisation_id>/approve", methods=["POST"])
@access("coordinator")
def approve_organisation(organisation_id):
    organisation = db.get_or_404(services.Organisation, organisation_id)
    form = EmptyForm()
    if form.validate_on_submit():
        services.approve_organisation(current_user._get_current_object(), organisation, utcnow())
        db.session.commit()
        flash(_("%(name)s is now approved.", name=organisation.name), "success")
    return redirect(url_for("admin.organisations", pending=request.args.get("pending")))


# --- membership: managers and coordinators decide who belongs to an organisation ---------------


@bp.route("/organisation/members")
@access("manager", "coordinator")
def members():
    actor = current_user._get_current_object()
    pending = request.args.get("show") != "members"
    result = services.members_page(actor, _page_arg(), current_app.config["PAGE_SIZE"], pending)
    return render_template(
        "accounts/members.html",
        page=result,
        pending=pending,
        organisations=services.managed_organisations(actor),
        form=EmptyForm(),
    )


@bp.route("/organisation/members/<int:user_id>/<any(grant, decline):decision>", methods=["POST"])
@access("manager", "coordinator")
def decide_membership(user_id, decision):
    actor = current_user._get_current_object()
    person = services.member_for(actor, user_id)
    if person is None:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        name = person.name
        granted = decision == "grant"
        services.decide_membership(actor, person, granted, utcnow())
        db.session.commit()
        if granted:
            flash(_("%(name)s is now a member.", name=name), "success")
        else:
            flash(_("%(name)s is no longer listed with the organisation.", name=name), "success")
    show = request.args.get("show")
    return redirect(url_for("accounts.members", show=show if show == "members" else None))


@bp.route("/organisations/<int:organisation_id>/invitation", methods=["POST"])
@access("manager", "coordinator")
def invitation(organisation_id):
    actor = current_user._get_current_object()
    organisation = db.get_or_404(services.Organisation, organisation_id)
    if not services.can_manage_members(actor, organisation.id):
        abort(404)
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        token = services.invitation_link_token(actor, organisation)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("accounts.members"))
    db.session.commit()
    days = current_app.config["INVITATION_MAX_AGE"] // (24 * 3600)
    return render_template(
        "accounts/invitation.html",
        organisation=organisation,
        link=absolute_url("accounts.join", token=token),
        days=days,
    )


@bp.route("/join/<token>", methods=["GET", "POST"])
@access("user")
def join(token):
    """GET shows which organisation the invitation is for; only the button joins."""
    user = current_user._get_current_object()
    try:
        organisation, inviter = services.read_invitation(token)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("accounts.profile"))
    form = EmptyForm()
    if form.validate_on_submit():
        ok, _joined = commit_or_show(lambda: services.accept_invitation(user, token, utcnow()))
        if ok:
            flash(_("You are now a member of %(name)s.", name=organisation.name), "success")
        return redirect(url_for("accounts.profile"))
    return render_template(
        "accounts/join.html", organisation=organisation, inviter=inviter, form=form, user=user
    )
