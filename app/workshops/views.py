"""Workshop pages: the list and month view, an event page with registration, the trainer's
forms, registrations with attendance, messages, CSV export, and material downloads."""

import calendar as monthcalendar
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale, get_locale, get_timezone
from flask_login import current_user
from sqlalchemy import select

from app.accounts.choices import country_choices, country_name, tz_choices
from app.accounts.services import selectable_organisations
from app.calendar import ics
from app.config import COUNTRIES, LANGUAGE_NAMES, LOCALES
from app.core.catalogs import locale_code
from app.core.catalogs import py_gettext as _
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.fallback import pick, reader_languages
from app.core.forms import EmptyForm, commit_or_show, show_error
from app.core.fragments import kept
from app.core.security import access
from app.core.timeutil import in_range, month_title, parse_month, zone_name
from app.courses.frameworks import DIGCOMP
from app.courses.models import Course, Module
from app.extensions import db

from . import messages, services
from .forms import (
    KIND_LABELS,
    MODE_LABELS,
    CancelWorkshopForm,
    MaterialForm,
    MessageForm,
    SurveyForm,
    WorkshopFilterForm,
    WorkshopForm,
    parse_time,
)
from .models import KINDS, MODES

bp = Blueprint("workshops", __name__, template_folder="templates")
MANAGERS = ("trainer", "coordinator")


def workshop_card(workshop, past: bool, registration: str | None):
    """A workshop's card in the list, kept per worker under every value it shows (see
    core/fragments.py): its fields as read now, the reader's languages and time zone."""
    key = (
        workshop.id,
        tuple(sorted((workshop.titles or {}).items())),
        workshop.status,
        workshop.kind,
        workshop.mode,
        workshop.country,
        workshop.language,
        workshop.starts_at,
        workshop.ends_at,
        workshop.capacity,
        workshop.seats_taken,
        past,
        registration,
        *reader_languages(),
        str(get_timezone()),
        request.script_root,
    )
    return kept(
        "workshops/_card.html",
        key,
        workshop=workshop,
        past=past,
        registration=registration,
        country_name=country_name,
    )


@bp.app_context_processor
def workshop_helpers():
    return {
        "workshop_card": workshop_card,
        "event_kind_label": lambda key: KIND_LABELS.get(key, key),
        "workshop_mode_label": lambda key: MODE_LABELS.get(key, key),
        "file_size": _file_size,
        "module_materials_for": lambda modules: services.module_materials(
            [module.id for module in modules]
        ),
    }


def _file_size(size: int) -> str:
    """A file size in the reader's number format: "1,2 MB", "350 kB"."""
    from babel.numbers import format_decimal

    locale = str(get_locale())
    if size >= 10**6:
        return f"{format_decimal(size / 10**6, '#,##0.#', locale=locale)} MB"
    return f"{format_decimal(max(size / 10**3, 1), '#,##0', locale=locale)} kB"


def _user():
    return current_user if current_user.is_authenticated else None


def _workshop_or_404(workshop_id: int):
    workshop = services.get_workshop(workshop_id, _user())
    if workshop is None:
        abort(404)
    return workshop


def _managed_or_404(workshop_id: int):
    workshop = _workshop_or_404(workshop_id)
    if not services.can_manage(current_user, workshop):
        abort(403)
    return workshop


# --- for everyone -----------------------------------------------------------------------------


@cache
def _filter_choices(locale: str) -> tuple:
    """The filters' options in the reader's language (`locale`), fixed while the process runs."""
    anything = ("", _("Any"))
    return (
        (anything, *((c, LANGUAGE_NAMES[c]) for c in LOCALES)),
        (anything, *country_choices()),
        (anything, *((k, str(v)) for k, v in MODE_LABELS.items())),
        (anything, *((k, str(v)) for k, v in KIND_LABELS.items())),
    )


@bp.route("/workshops")
@access("public")
def index():
    form = WorkshopFilterForm(request.args)
    languages, countries, modes, kinds = _filter_choices(locale_code())
    form.language.choices, form.country.choices = list(languages), list(countries)
    form.mode.choices, form.kind.choices = list(modes), list(kinds)
    past = request.args.get("when") == "past"
    page = services.list_workshops(
        _user(),
        utcnow(),
        request.args.get("page", 1, type=int) or 1,
        current_app.config["PAGE_SIZE"],
        language=form.language.data if form.language.data in LOCALES else None,
        country=form.country.data if form.country.data in COUNTRIES else None,
        mode=form.mode.data if form.mode.data in MODES else None,
        kind=form.kind.data if form.kind.data in KINDS else None,
        past=past,
    )
    mine = services.registrations_of(current_user, [w.id for w in page.items]) if _user() else {}
    args = {
        k: v
        for k, v in request.args.items()
        if k in ("language", "country", "mode", "kind", "when")
    }
    return render_template(
        "workshops/index.html",
        form=form,
        page=page,
        args=args,
        past=past,
        mine=mine,
        country_name=country_name,
        zone=zone_name(str(get_timezone()), str(get_locale())),
    )


@bp.route("/workshops/calendar")
@access("public")
def month():
    zone = ZoneInfo(str(get_timezone()))
    today = utcnow().astimezone(zone).date()
    asked = request.args.get("month")
    first = parse_month(asked) if asked else today.replace(day=1)
    if first is None:  # not a month, or one outside the years we keep a calendar for
        abort(404)
    weeks = monthcalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    start = datetime.combine(weeks[0][0], datetime.min.time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(
        weeks[-1][-1] + timedelta(days=1), datetime.min.time(), tzinfo=zone
    ).astimezone(UTC)
    by_day: dict[date, list] = {}
    for workshop in services.workshops_between(_user(), start, end):
        by_day.setdefault(workshop.starts_at.astimezone(zone).date(), []).append(workshop)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    locale = str(get_locale())
    return render_template(
        "workshops/calendar.html",
        weeks=weeks,
        first=first,
        today=today,
        by_day=by_day,
        title=month_title(first, locale),
        day_names=[get_day_names("wide", locale=locale)[i] for i in range(7)],
        previous=previous.strftime("%Y-%m") if in_range(previous) else None,
        following=following.strftime("%Y-%m") if in_range(following) else None,
        zone=zone_name(str(get_timezone()), locale),
    )


@bp.route("/workshops/<int:workshop_id>")
@access("public")
def detail(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    user = _user()
    registration = services.registration_of(user, workshop) if user else None
    position = (
        services.waitlist_position(registration)
        if registration is not None and registration.status == "waitlisted"
        else None
    )
    materials = services.materials_for(user, workshop, registration)
    courses = db.session.scalars(select(Course).where(Course.key.in_(workshop.course_keys))).all()
    manager = services.can_manage(user, workshop)
    material_form = MaterialForm()
    material_form.fill()
    material_form.language.data = workshop.language
    return render_template(
        "workshops/detail.html",
        workshop=workshop,
        registration=registration,
        position=position,
        materials=materials,
        courses=courses,
        manager=manager,
        participant=registration is not None and registration.status == "registered",
        in_audience=services.in_audience(user, workshop) if user else True,
        now=utcnow(),
        form=EmptyForm(),
        survey_form=SurveyForm(),
        material_form=material_form,
        country_name=country_name,
        place=messages.place_of(workshop, participant=True),
    )


@bp.route("/workshops/<int:workshop_id>.ics")
@access("user")
def ics_file(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    with force_locale(current_user.locale):
        try:
            event = messages.calendar_event_for(current_user, workshop)
        except DomainError:
            abort(404)  # only participants, the organiser and coordinators have it
        data = ics.single(event)
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="event.ics"'
    return response


@bp.route("/workshops/<int:workshop_id>/register", methods=["POST"])
@access("user")
def register(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    done, registration = commit_or_show(
        lambda: services.register(current_user, workshop.id, utcnow())
    )
    if done:
        if registration.status == "registered":
            flash(
                _("You are registered. We sent you a confirmation with a calendar invitation."),
                "success",
            )
        else:
            flash(
                _(
                    "The event is full: you are on the waiting list, number %(position)s.",
                    position=services.waitlist_position(registration),
                ),
                "info",
            )
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/unregister", methods=["POST"])
@access("user")
def unregister(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    commit_or_show(
        lambda: services.unregister(current_user, workshop.id, utcnow()),
        success=_("Your registration is cancelled."),
    )
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/feedback", methods=["POST"])
@access("user")
def feedback(workshop_id):
    workshop = _workshop_or_404(workshop_id)
    form = SurveyForm()
    if not form.validate_on_submit():
        flash(_("Choose a rating from 1 to 5."), "error")
        return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    commit_or_show(
        lambda: services.rate(
            current_user, workshop, int(form.rating.data), form.comment.data, utcnow()
        ),
        success=_("Thank you for your feedback."),
    )
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/mine")
@access("user")
def mine():
    now = utcnow()
    rows = services.my_workshops(current_user, now)
    upcoming = [(w, r) for w, r in rows if w.ends_at > now]
    past = [(w, r) for w, r in rows if w.ends_at <= now][::-1][:50]
    return render_template("workshops/mine.html", upcoming=upcoming, past=past)


@bp.route("/materials/<int:material_id>")
@access("public")
def download(material_id):
    try:
        material, path = services.material_file(_user(), material_id)
    except DomainError:
        abort(404)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=material.content_type,
        as_attachment=True,
        download_name=material.filename,
        max_age=0,
    )


# --- trainers and coordinators ----------------------------------------------------------------


def _fill(form: WorkshopForm, zone: str | None = None) -> None:
    organisations = [(o.id, o.name) for o in selectable_organisations()]
    courses = [
        (course.key, pick(course.titles, str(get_locale())).text)
        for course in db.session.scalars(select(Course).where(Course.active.is_(True)))
    ]
    competences = [(code, f"{code} {label}") for code, label in DIGCOMP.items()]
    form.fill(country_choices(), tz_choices(zone), organisations, courses, competences)


def _values(form: WorkshopForm) -> dict:
    zone = ZoneInfo(form.timezone.data)
    start, end = parse_time(form.start.data), parse_time(form.end.data)
    closes = parse_time(form.deadline_time.data)
    for field, value in ((form.start, start), (form.end, end), (form.deadline_time, closes)):
        if value is None:
            raise DomainError(_("Write the time as HH:MM, for example 09:30."), field.name)

    def instant(day, moment, field):
        local = datetime.combine(day, moment, tzinfo=zone)
        utc = local.astimezone(UTC)
        if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            raise DomainError(_("This time does not exist on that day (the clocks change)."), field)
        return utc

    return {
        "titles": {code: form[f"title_{code}"].data for code in LOCALES},
        "descriptions": {code: form[f"description_{code}"].data for code in LOCALES},
        "language": form.language.data,
        "kind": form.kind.data,
        "mode": form.mode.data,
        "meeting_url": (form.meeting_url.data or "").strip() or None,
        "venue": (form.venue.data or "").strip() or None,
        "address": (form.address.data or "").strip() or None,
        "country": form.country.data,
        "timezone": form.timezone.data,
        "starts_at": instant(form.day.data, start, "start"),
        "ends_at": instant(form.day.data, end, "end"),
        "capacity": form.capacity.data,
        "registration_deadline": instant(form.deadline_day.data, closes, "deadline_time"),
        "audience_countries": form.audience_countries.data or [],
        "audience_organisations": form.audience_organisations.data or [],
        "course_keys": form.course_keys.data or [],
        "digcomp": form.digcomp.data or [],
    }


def _save(form: WorkshopForm, workshop):
    if not form.validate_on_submit():
        return None
    try:
        saved = services.save_workshop(current_user, workshop, utcnow(), **_values(form))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        field = {"title_en": f"title_{form.language.data}", "deadline": "deadline_day"}.get(
            error.field, error.field
        )
        show_error(form, DomainError(error.message, field))
        return None
    return saved


@bp.route("/workshops/new", methods=["GET", "POST"])
@access(*MANAGERS)
def new():
    form = WorkshopForm()
    _fill(form, current_user.timezone)
    if request.method == "GET":
        form.language.data = current_user.locale
        form.country.data = current_user.country if current_user.country in COUNTRIES else None
        form.timezone.data = current_user.timezone
        form.capacity.data = 20
        form.mode.data = "online"
    saved = _save(form, None)
    if saved is not None:
        flash(
            _(
                "The workshop is saved as a draft: only trainers and coordinators see it. "
                "Publish it when it is ready."
            ),
            "success",
        )
        return redirect(url_for("workshops.detail", workshop_id=saved.id))
    return render_template("workshops/form.html", form=form, workshop=None)


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@access(*MANAGERS)
def edit(workshop_id):
    workshop = _managed_or_404(workshop_id)
    form = WorkshopForm(obj=workshop if request.method == "GET" else None)
    _fill(form, workshop.timezone)
    if request.method == "GET":
        zone = ZoneInfo(workshop.timezone)
        for code in LOCALES:
            form[f"title_{code}"].data = workshop.titles.get(code, "")
            form[f"description_{code}"].data = workshop.descriptions.get(code, "")
        local_start = workshop.starts_at.astimezone(zone)
        closes = workshop.registration_deadline.astimezone(zone)
        form.day.data = local_start.date()
        form.start.data = f"{local_start:%H:%M}"
        form.end.data = f"{workshop.ends_at.astimezone(zone):%H:%M}"
        form.deadline_day.data = closes.date()
        form.deadline_time.data = f"{closes:%H:%M}"
    saved = _save(form, workshop)
    if saved is not None:
        flash(_("The workshop is saved."), "success")
        return redirect(url_for("workshops.detail", workshop_id=saved.id))
    return render_template("workshops/form.html", form=form, workshop=workshop)


@bp.route("/workshops/<int:workshop_id>/publish", methods=["POST"])
@access(*MANAGERS)
def publish(workshop_id):
    workshop = _managed_or_404(workshop_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    commit_or_show(
        lambda: services.publish(current_user, workshop, utcnow()),
        success=_("The workshop is published: learners can register now."),
    )
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/cancel", methods=["GET", "POST"])
@access(*MANAGERS)
def cancel(workshop_id):
    """GET asks for confirmation; only the button cancels."""
    workshop = _managed_or_404(workshop_id)
    form = CancelWorkshopForm()
    if form.validate_on_submit():
        done, told = commit_or_show(
            lambda: services.cancel_workshop(current_user, workshop, form.reason.data, utcnow())
        )
        if done:
            flash(
                _("The workshop is cancelled. We are telling %(count)s people.", count=told),
                "success",
            )
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return render_template("workshops/cancel.html", workshop=workshop, form=form)


@bp.route("/workshops/<int:workshop_id>/registrations", methods=["GET", "POST"])
@access(*MANAGERS)
def registrations(workshop_id):
    workshop = _managed_or_404(workshop_id)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        marks = {
            int(key.removeprefix("attendance-")): value
            for key, value in request.form.items()
            if key.startswith("attendance-") and key.removeprefix("attendance-").isdigit()
        }
        done, changed = commit_or_show(
            lambda: services.mark_attendance(current_user, workshop, marks, utcnow())
        )
        if done:
            flash(_("Attendance saved (%(count)s changes).", count=changed), "success")
            return redirect(url_for("workshops.registrations", workshop_id=workshop.id))
    people = services.participants(workshop)
    return render_template(
        "workshops/registrations.html",
        workshop=workshop,
        registered=[r for r in people if r.status == "registered"],
        waiting=[r for r in people if r.status == "waitlisted"],
        form=form,
        message_form=MessageForm(),
        started=workshop.starts_at <= utcnow(),
        country_name=country_name,
    )


@bp.route("/workshops/<int:workshop_id>/registrations.csv")
@access(*MANAGERS)
def export(workshop_id):
    workshop = _managed_or_404(workshop_id)
    headers = [
        _("Name"),
        _("E-mail address"),
        _("Organisation"),
        _("Country"),
        _("Status"),
        _("Registered at (UTC)"),
        _("Attendance"),
    ]
    data = services.registrations_csv(current_user, workshop, headers)
    response = Response("\ufeff" + data, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="registrations-{workshop.id}.csv"'
    )
    return response


@bp.route("/workshops/<int:workshop_id>/message", methods=["POST"])
@access(*MANAGERS)
def message(workshop_id):
    workshop = _managed_or_404(workshop_id)
    form = MessageForm()
    if form.validate_on_submit():
        done, count = commit_or_show(
            lambda: services.message_participants(
                current_user, workshop, form.subject.data, form.body.data, utcnow()
            )
        )
        if done:
            flash(
                _("Your message is on its way to %(count)s participants.", count=count), "success"
            )
    else:  # what is wrong with a filled-in message (a line break in the subject ...), if anything
        filled = (form.subject.data or "").strip() and (form.body.data or "").strip()
        problems = [str(e) for errors in form.errors.values() for e in errors] if filled else []
        for problem in problems or [_("Write a subject and a message.")]:
            flash(problem, "error")
    return redirect(url_for("workshops.registrations", workshop_id=workshop.id))


def _upload(form: MaterialForm, **target) -> bool:
    """Publish the uploaded file for a workshop or a course module; tell what happened."""
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        flash(_("Choose a file and give it a title."), "error")
        return False
    done, _material = commit_or_show(
        lambda: services.add_material(
            current_user,
            upload.stream,
            upload.filename,
            title=form.title.data,
            language=form.language.data,
            participants_only=form.participants_only.data,
            now=utcnow(),
            **target,
        ),
        success=_("The file is published."),
    )
    return done


@bp.route("/workshops/<int:workshop_id>/materials", methods=["POST"])
@access(*MANAGERS)
def add_material(workshop_id):
    workshop = _managed_or_404(workshop_id)
    form = MaterialForm()
    form.fill()
    _upload(form, workshop=workshop)
    return redirect(url_for("workshops.detail", workshop_id=workshop.id) + "#material")


@bp.route("/courses/<key>/modules/<module_key>/materials", methods=["GET", "POST"])
@access(*MANAGERS)
def module_materials(key, module_key):
    module = db.session.scalar(
        select(Module).join(Course).where(Course.key == key, Module.key == module_key)
    )
    if module is None:
        abort(404)
    form = MaterialForm()
    form.fill()
    if request.method == "POST" and _upload(form, module_id=module.id):
        return redirect(url_for("workshops.module_materials", key=key, module_key=module_key))
    return render_template(
        "workshops/module_materials.html",
        module=module,
        course=module.course,
        materials=services.module_materials([module.id]).get(module.id, []),
        form=form,
        remove_form=EmptyForm(),
    )


@bp.route("/materials/<int:material_id>/remove", methods=["POST"])
@access(*MANAGERS)
def remove_material(material_id):
    if not EmptyForm().validate_on_submit():
        abort(400)
    done, material = commit_or_show(
        lambda: services.remove_material(current_user, material_id),
        success=_("The file is removed."),
    )
    if not done:
        return redirect(url_for("workshops.index"))
    if material.workshop_id:
        return redirect(url_for("workshops.detail", workshop_id=material.workshop_id))
    module = db.session.get(Module, material.module_id)
    return redirect(
        url_for("workshops.module_materials", key=module.course.key, module_key=module.key)
    )
