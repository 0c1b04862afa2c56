"""Mentoring pages: find a mentor, book, see and manage sessions; the mentor's profile,
availability and sessions. Views parse, call a service, and render or redirect."""

from functools import cache
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale, get_timezone
from flask_login import current_user

from app.accounts.choices import country_choices, country_name, tz_choices
from app.calendar import ics
from app.config import LANGUAGE_NAMES, LOCALES
from app.core.catalogs import locale_code
from app.core.catalogs import py_gettext as _
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.forms import EmptyForm, commit_or_show, show_error
from app.core.pagination import Page
from app.core.security import access
from app.core.timeutil import parse_instant, time_range, zone_name
from app.extensions import db

from . import messages, services
from .forms import (
    EXPERTISE_LABELS,
    MODE_LABELS,
    WEEKDAYS,
    BookingForm,
    CancelForm,
    MentorProfileForm,
    MentorSearchForm,
    NotesForm,
    OverrideForm,
    RatingForm,
    RescheduleForm,
    WeeklyForm,
    bio_field_name,
    format_ranges,
)
from .models import EXPERTISE

bp = Blueprint("mentoring", __name__, template_folder="templates")
PER_PAGE = 10


def _viewer_zone() -> str:
    return str(get_timezone())


def _by_day(slots):
    """Slots grouped by the viewer's local date."""
    zone = ZoneInfo(_viewer_zone())
    return [
        (day, list(items))
        for day, items in groupby(slots, key=lambda slot: slot.start.astimezone(zone).date())
    ]


DAYS_PER_PAGE = 7


def _day_page(days) -> Page:
    """A week's worth of days that have free slots, one page at a time."""
    pages = max(-(-len(days) // DAYS_PER_PAGE), 1)
    number = min(max(request.args.get("page", 1, type=int), 1), pages)
    start = (number - 1) * DAYS_PER_PAGE
    return Page(days[start : start + DAYS_PER_PAGE], number, DAYS_PER_PAGE, len(days))


@bp.app_context_processor
def mentoring_helpers():
    return {
        "expertise_label": lambda key: EXPERTISE_LABELS.get(key, key),
        "mode_label": lambda key: MODE_LABELS.get(key, key),
        "viewer_zone_name": lambda: zone_name(_viewer_zone(), str(get_locale())),
    }


# --- learners ---------------------------------------------------------------------------------


@cache
def _filter_choices(locale: str) -> tuple:
    """The filters' options in the reader's language (`locale`), fixed while the process runs."""
    anything = ("", _("Any"))
    return (
        (anything, *((c, LANGUAGE_NAMES[c]) for c in LOCALES)),
        (anything, *((k, str(EXPERTISE_LABELS[k])) for k in EXPERTISE)),
        (anything, *country_choices()),
    )


@bp.route("/mentors")
@access("user")
def find():
    form = MentorSearchForm(request.args)
    languages, expertise, countries = _filter_choices(locale_code())
    form.language.choices, form.expertise.choices = list(languages), list(expertise)
    form.country.choices = list(countries)
    mentors = services.find_mentors(
        language=form.language.data if form.language.data in LOCALES else None,
        expertise=form.expertise.data if form.expertise.data in EXPERTISE else None,
        country=form.country.data or None,
        exclude_user_id=current_user.id,
    )
    pages = max(-(-len(mentors) // PER_PAGE), 1)
    number = min(max(request.args.get("page", 1, type=int), 1), pages)
    shown = mentors[(number - 1) * PER_PAGE : number * PER_PAGE]
    page = Page(shown, number, PER_PAGE, len(mentors))
    args = {k: v for k, v in request.args.items() if k in ("language", "expertise", "country")}
    return render_template(
        "mentoring/find.html",
        form=form,
        page=page,
        args=args,
        next_slots=services.next_free_slots(page.items, utcnow()),
        country_name=country_name,
    )


@bp.route("/mentors/<int:mentor_id>")
@access("user")
def mentor(mentor_id):
    profile = services.published_mentor(mentor_id)
    if profile is None:
        abort(404)
    slots = services.free_slots(profile, utcnow())
    return render_template(
        "mentoring/mentor.html",
        profile=profile,
        days=_day_page(_by_day(slots)),
        form=EmptyForm(),
        country_name=country_name,
        own=profile.user_id == current_user.id,
    )


@bp.route("/mentors/<int:mentor_id>/book", methods=["GET", "POST"])
@access("user")
def book(mentor_id):
    profile = services.published_mentor(mentor_id)
    if profile is None:
        abort(404)
    form = BookingForm()
    if request.method == "GET":
        form.start.data = request.args.get("start", "")
    start = parse_instant(form.start.data)
    if start is None:
        flash(_("Please choose one of the free slots."), "error")
        return redirect(url_for("mentoring.mentor", mentor_id=mentor_id))
    if form.validate_on_submit():
        try:
            booking = services.book(
                current_user, mentor_id, start, form.topic.data, form.goal.data, utcnow()
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            if error.field is None:
                return redirect(url_for("mentoring.mentor", mentor_id=mentor_id))
        else:
            flash(
                _("Your session is booked. We sent you a confirmation with a calendar invitation."),
                "success",
            )
            return redirect(url_for("mentoring.session", booking_id=booking.id))
    return render_template("mentoring/book.html", profile=profile, form=form, start=start)


@bp.route("/mentors/<int:mentor_id>/wait", methods=["POST"])
@access("user")
def wait(mentor_id):
    if not EmptyForm().validate_on_submit():
        abort(400)
    commit_or_show(
        lambda: services.wait_for_slot(current_user, mentor_id, utcnow()),
        success=_("We will e-mail you when a slot frees up."),
    )
    return redirect(url_for("mentoring.mentor", mentor_id=mentor_id))


@bp.route("/sessions")
@access("user")
def my_sessions():
    upcoming, past = services.sessions_of_learner(current_user, utcnow())
    return render_template(
        "mentoring/my_sessions.html",
        upcoming=upcoming,
        past=past[:50],
        profile=services.mentor_profile_of(current_user),
    )


def _booking_or_404(booking_id: int):
    try:
        return services.booking_for(current_user, booking_id)
    except DomainError:
        abort(404)


@bp.route("/sessions/<int:booking_id>")
@access("user")
def session(booking_id):
    booking, side = _booking_or_404(booking_id)
    now = utcnow()
    notes = NotesForm(obj=booking) if side == "mentor" else None
    return render_template(
        "mentoring/session.html",
        booking=booking,
        side=side,
        now=now,
        form=EmptyForm(),
        notes_form=notes,
        rating_form=RatingForm(),
        can_change=side == "learner" and now <= services.cancel_deadline(booking),
        notice_hours=current_app.config["MENTORING_CANCEL_NOTICE_HOURS"],
    )


@bp.route("/sessions/<int:booking_id>.ics")
@access("user")
def session_ics(booking_id):
    booking, _side = _booking_or_404(booking_id)
    with force_locale(current_user.locale):
        data = ics.single(messages.calendar_event(booking, current_user))
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="session.ics"'
    return response


@bp.route("/sessions/<int:booking_id>/cancel", methods=["GET", "POST"])
@access("user")
def cancel(booking_id):
    """GET shows a confirm button (a mail scanner following a link changes nothing)."""
    booking, side = _booking_or_404(booking_id)
    form = CancelForm()
    if form.validate_on_submit():
        done, _result = commit_or_show(
            lambda: services.cancel(booking, side, current_user, form.reason.data, utcnow()),
            form,
            _("The session is cancelled. We told the other person."),
        )
        if done:
            return redirect(url_for("mentoring.session", booking_id=booking.id))
    return render_template("mentoring/cancel.html", booking=booking, side=side, form=form)


@bp.route("/sessions/<int:booking_id>/reschedule", methods=["GET", "POST"])
@access("user")
def reschedule(booking_id):
    booking, side = _booking_or_404(booking_id)
    if side != "learner" or booking.status != "booked":
        abort(404)
    form = RescheduleForm()
    if form.validate_on_submit():
        start = parse_instant(form.start.data)
        if start is None:
            flash(_("Please choose one of the free slots."), "error")
        else:
            done, new = commit_or_show(
                lambda: services.reschedule(booking, current_user, start, utcnow()),
                success=_("Your session has moved. We sent the new invitation."),
            )
            if done:
                return redirect(url_for("mentoring.session", booking_id=new.id))
    profile = services.published_mentor(booking.mentor_id)
    slots = services.free_slots(profile, utcnow()) if profile else []
    return render_template(
        "mentoring/reschedule.html", booking=booking, days=_day_page(_by_day(slots)), form=form
    )


@bp.route("/sessions/<int:booking_id>/mark", methods=["POST"])
@access("user")
def mark(booking_id):
    booking, side = _booking_or_404(booking_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    commit_or_show(
        lambda: services.mark(booking, side, request.form.get("status", ""), utcnow()),
        success=_("Saved."),
    )
    return redirect(url_for("mentoring.session", booking_id=booking.id))


@bp.route("/sessions/<int:booking_id>/notes", methods=["POST"])
@access("user")
def notes(booking_id):
    booking, side = _booking_or_404(booking_id)
    form = NotesForm()
    if not form.validate_on_submit():
        flash(_("Please check the notes: one of them is too long."), "error")
        return redirect(url_for("mentoring.session", booking_id=booking.id))
    commit_or_show(
        lambda: services.save_notes(
            booking, side, form.notes_shared.data, form.action_items.data, form.notes_private.data
        ),
        success=_("Your notes are saved."),
    )
    return redirect(url_for("mentoring.session", booking_id=booking.id))


@bp.route("/sessions/<int:booking_id>/rate", methods=["POST"])
@access("user")
def rate(booking_id):
    booking, side = _booking_or_404(booking_id)
    form = RatingForm()
    if not form.validate_on_submit():
        flash(_("Choose a rating from 1 to 5."), "error")
        return redirect(url_for("mentoring.session", booking_id=booking.id))
    commit_or_show(
        lambda: services.rate(booking, side, int(form.rating.data), form.comment.data, utcnow()),
        success=_("Thank you for your feedback."),
    )
    return redirect(url_for("mentoring.session", booking_id=booking.id))


# --- mentors ----------------------------------------------------------------------------------


def _own_profile_or_redirect():
    profile = services.mentor_profile_of(current_user)
    if profile is None:
        flash(_("Please fill in your mentor profile first."), "info")
    return profile


@bp.route("/mentoring/profile", methods=["GET", "POST"])
@access("mentor")
def profile():
    profile = services.mentor_profile_of(current_user)
    form = MentorProfileForm(obj=profile if request.method == "GET" else None)
    form.fill(country_choices(), tz_choices(profile.timezone if profile else current_user.timezone))
    if request.method == "GET":
        if profile is None:
            form.country.data = (
                current_user.country if current_user.country in dict(country_choices()) else None
            )
            form.timezone.data = current_user.timezone
            form.languages.data = [current_user.locale]
            form.session_minutes.data = 60
            form.max_per_day.data, form.max_per_week.data = 4, 10
        else:
            for code in LOCALES:
                getattr(form, bio_field_name(code)).data = profile.bios.get(code, "")
    if form.validate_on_submit():
        try:
            saved = services.save_profile(
                current_user,
                bios={code: getattr(form, bio_field_name(code)).data for code in LOCALES},
                languages=form.languages.data,
                expertise=form.expertise.data,
                country=form.country.data,
                timezone=form.timezone.data,
                mode=form.mode.data,
                meeting_url=(form.meeting_url.data or "").strip() or None,
                phone=(form.phone.data or "").strip() or None,
                address=(form.address.data or "").strip() or None,
                session_minutes=form.session_minutes.data,
                buffer_before=form.buffer_before.data or 0,
                buffer_after=form.buffer_after.data or 0,
                min_notice_hours=form.min_notice_hours.data or 0,
                horizon_days=form.horizon_days.data,
                max_per_day=form.max_per_day.data,
                max_per_week=form.max_per_week.data,
                published=form.published.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            flash(_("Your mentor profile is saved."), "success")
            if not saved.rules:
                flash(_("Now set the hours when learners can book you."), "info")
                return redirect(url_for("mentoring.availability"))
            return redirect(url_for("mentoring.profile"))
    return render_template("mentoring/profile.html", form=form, profile=profile)


@bp.route("/mentoring/availability", methods=["GET", "POST"])
@access("mentor")
def availability():
    profile = _own_profile_or_redirect()
    if profile is None:
        return redirect(url_for("mentoring.profile"))
    weekly = WeeklyForm(prefix="week")
    override = OverrideForm(prefix="date")
    if request.method == "GET":
        ranges = services.weekly_of(profile)
        for index in range(7):
            getattr(weekly, f"day_{index}").data = format_ranges(ranges.get(index, []))
    elif any(key.startswith("week-") for key in request.form) and weekly.validate_on_submit():
        ranges = weekly.validate_ranges()
        if ranges:
            done, _result = commit_or_show(
                lambda: services.set_weekly_rules(profile, ranges),
                success=_("Your weekly hours are saved."),
            )
            if done:
                return redirect(url_for("mentoring.availability"))
    elif any(key.startswith("date-") for key in request.form) and override.validate_on_submit():
        try:
            try:
                start, end = override.times()
            except Exception as error:  # a badly written time: tell which field
                field = getattr(override, str(error).removeprefix("date-"), override.start)
                raise DomainError(
                    _("Write the time as HH:MM, for example 09:30."), field.name
                ) from error
            services.add_override(
                profile,
                override.day.data,
                override.kind.data == "extra",
                start,
                end,
                override.note.data,
                utcnow(),
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            field = getattr(override, (error.field or "").removeprefix("date-"), None)
            if field is not None:
                field.errors = [*field.errors, str(error.message)]
            else:
                flash(str(error.message), "error")
        else:
            flash(_("The date is added to your availability."), "success")
            return redirect(url_for("mentoring.availability"))
    today = utcnow().astimezone(ZoneInfo(profile.timezone)).date()
    return render_template(
        "mentoring/availability.html",
        profile=profile,
        weekly=weekly,
        override=override,
        weekdays=WEEKDAYS,
        overrides=[o for o in profile.overrides if o.day >= today],
        form=EmptyForm(),
        preview=_in_zone(services.free_slots(profile, utcnow())[:12], profile.timezone),
        zone_label=zone_name(profile.timezone, str(get_locale())),
    )


def _in_zone(slots, zone_key: str):
    """Slots grouped by date and written as time ranges in one zone (the mentor's)."""
    zone, locale = ZoneInfo(zone_key), str(get_locale())
    return [
        (day, [time_range(slot.start, slot.end, zone_key, locale) for slot in items])
        for day, items in groupby(slots, key=lambda slot: slot.start.astimezone(zone).date())
    ]


@bp.route("/mentoring/availability/dates/<int:override_id>/remove", methods=["POST"])
@access("mentor")
def remove_override(override_id):
    profile = _own_profile_or_redirect()
    if profile is None or not EmptyForm().validate_on_submit():
        abort(400)
    commit_or_show(
        lambda: services.remove_override(profile, override_id), success=_("The date is removed.")
    )
    return redirect(url_for("mentoring.availability"))


@bp.route("/mentoring/sessions")
@access("mentor")
def mentor_sessions():
    profile = _own_profile_or_redirect()
    if profile is None:
        return redirect(url_for("mentoring.profile"))
    upcoming, past = services.sessions_of_mentor(profile, utcnow())
    return render_template(
        "mentoring/mentor_sessions.html", profile=profile, upcoming=upcoming, past=past[:50]
    )
