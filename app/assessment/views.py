"""The self-assessment pages: the overview, one page per dimension (save and resume), the
review before submitting, and the results with the learning path."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.core.catalogs import locale_code
from app.core.catalogs import py_gettext as _
from app.core.db import utcnow
from app.core.errors import DomainError
from app.core.fallback import pick_for_reader
from app.core.forms import EmptyForm
from app.core.pagination import page_of
from app.core.security import access
from app.courses.frameworks import DIGCOMP_AREAS
from app.extensions import db

from . import services
from .models import Assessment

bp = Blueprint("assessment", __name__, url_prefix="/assessment", template_folder="templates")

SELF = "self"  # the section of the respondent's own skills


def localised(texts: dict):
    """(language, entry) of a {locale: entry} map for this reader, with the fallback chain."""
    picked = pick_for_reader({locale: locale for locale in texts})
    return picked, texts.get(picked.text, {})


def _sections(known: services.Structure) -> list[str]:
    keys = [dimension.key for dimension in known.dimensions]
    return keys + ([SELF] if known.of(None) else [])


def _assessment(assessment_id: int) -> Assessment:
    assessment = services.assessment_for(current_user._get_current_object(), assessment_id)
    if assessment is None:
        abort(404)
    return assessment


@bp.route("")
@access("user")
def overview():
    user = current_user._get_current_object()
    known = services.structure()
    current = services.open_assessment(user.member_organisation_id)
    progress = services.progress(current, known) if current else None
    history = services.submitted(user.member_organisation_id)
    return render_template(
        "assessment/overview.html",
        known=known,
        current=current,
        progress=progress,
        history=history,
        form=EmptyForm(),
        first=_sections(known)[0] if known.dimensions else None,
    )


@bp.route("/start", methods=["POST"])
@access("user")
def start():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        assessment = services.start(current_user._get_current_object(), utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("assessment.overview"))
    known = services.structure()
    return redirect(
        url_for("assessment.section", assessment_id=assessment.id, key=_sections(known)[0])
    )


def _read_values(questions) -> dict:
    """The answers posted for these questions: an option key, a list of keys, or 0-5; an empty
    choice clears the answer. A multiple-choice question on a saved page counts as answered,
    with the options ticked (possibly none)."""
    values = {}
    for question in questions:
        name = f"q-{question.key}"
        if question.kind == "multiple":
            values[question.key] = request.form.getlist(name)
            continue
        raw = request.form.get(name, "").strip()
        if not raw:
            values[question.key] = None
        elif question.kind == "scale":
            values[question.key] = int(raw) if raw.isdigit() and len(raw) == 1 else raw
        else:
            values[question.key] = raw
    return values


@bp.route("/<int:assessment_id>/<key>", methods=["GET", "POST"])
@access("user")
def section(assessment_id: int, key: str):
    assessment = _assessment(assessment_id)
    user = current_user._get_current_object()
    known = services.structure()
    sections = _sections(known)
    if key not in sections:
        abort(404)
    if assessment.status != "open" or not services.can_answer(user, assessment):
        return redirect(url_for("assessment.results", assessment_id=assessment.id))
    dimension = next((d for d in known.dimensions if d.key == key), None)
    questions = known.of(dimension)
    index = sections.index(key)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.save_answers(user, assessment, _read_values(questions), utcnow())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("assessment.section", assessment_id=assessment.id, key=key))
        move = request.form.get("move")
        if move == "previous" and index > 0:
            target = sections[index - 1]
        elif move == "next" and index + 1 < len(sections):
            target = sections[index + 1]
        elif move == "next":
            return redirect(url_for("assessment.review", assessment_id=assessment.id))
        else:
            flash(_("Your answers are saved."), "success")
            target = key
        return redirect(url_for("assessment.section", assessment_id=assessment.id, key=target))
    answers = services.answers_of(assessment)
    if dimension is None:
        answers = services.self_ratings_of(assessment, user)
    return render_template(
        "assessment/section.html",
        assessment=assessment,
        known=known,
        dimension=dimension,
        questions=questions,
        answers=answers,
        sections=sections,
        index=index,
        form=form,
        localised=localised,
        progress=services.progress(assessment, known),
    )


@bp.route("/<int:assessment_id>/review", methods=["GET", "POST"])
@access("user")
def review(assessment_id: int):
    assessment = _assessment(assessment_id)
    user = current_user._get_current_object()
    if assessment.status != "open" or not services.can_answer(user, assessment):
        return redirect(url_for("assessment.results", assessment_id=assessment.id))
    known = services.structure()
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.submit(user, assessment, utcnow())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            flash(_("Thank you: your organisation's self-assessment is submitted."), "success")
            return redirect(url_for("assessment.results", assessment_id=assessment.id))
    progress = services.progress(assessment, known)
    by_key = known.by_key()
    missing = [by_key[key] for key in progress.missing]
    return render_template(
        "assessment/review.html",
        assessment=assessment,
        known=known,
        progress=progress,
        missing=missing,
        form=form,
        sections=_sections(known),
        localised=localised,
        section_of=lambda q: q.dimension.key if q.dimension else SELF,
    )


@bp.route("/<int:assessment_id>/results")
@access("user")
def results(assessment_id: int):
    assessment = _assessment(assessment_id)
    if assessment.status != "submitted":
        return redirect(url_for("assessment.overview"))
    user = current_user._get_current_object()
    known = services.structure()
    result = services.result(assessment, known.dimensions)
    path = services.learning_path(user, result.gaps, utcnow())
    own = services.self_ratings_of(assessment, user)
    enrolled = services.enrolled_course_ids(user, [s.item.id for s in path.courses])
    return render_template(
        "assessment/results.html",
        assessment=assessment,
        known=known,
        result=result,
        path=path,
        own=own,
        chart=services.chart(result),
        enrolled=enrolled,
        areas=DIGCOMP_AREAS,
        localised=localised,
    )


# --- networks and the sector -------------------------------------------------------------------


def _network_rows():
    network = services.network_of(current_user._get_current_object())
    if network is None:
        abort(403)  # a coordinator without a network of their own: the needs map is theirs
    return services.structure(), services.latest_results(network)


@bp.route("/network")
@access("manager")
def network():
    """A network manager's view of their member organisations' latest results."""
    known, rows = _network_rows()
    page = page_of(
        rows, request.args.get("page", 1, type=int) or 1, current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "assessment/network.html",
        known=known,
        page=page,
        averages=services.averages(rows, known.dimensions),
        needs=services.common_needs(rows, known.dimensions),
    )


@bp.route("/network.csv")
@access("manager")
def network_csv():
    known, rows = _network_rows()
    headers = [_("Organisation"), _("Country"), _("Kind"), _("Submitted on")] + [
        pick_for_reader(d.titles).text for d in known.dimensions
    ]
    data = services.network_csv(rows, known.dimensions, headers)
    response = current_app.response_class("\ufeff" + data, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="self-assessments.csv"'
    return response


@bp.route("/map")
@access("coordinator")
def needs_map():
    """The needs map of the sector: averages by country and by kind of organisation, each
    figure with the number of organisations it rests on ("<5" below five)."""
    known = services.structure()
    rows = services.latest_results(None)
    return render_template(
        "assessment/map.html",
        known=known,
        total=len(rows),
        overall=services.averages(rows, known.dimensions),
        by_country=services.grouped(rows, known.dimensions, "country"),
        by_kind=services.grouped(rows, known.dimensions, "kind"),
        needs=services.common_needs(rows, known.dimensions),
        minimum=services.MIN_GROUP,
    )


@bp.route("/<int:assessment_id>/report.pdf")
@access("user")
def report(assessment_id: int):
    """The results as a PDF in the reader's language."""
    from .report import report_pdf

    assessment = _assessment(assessment_id)
    if assessment.status != "submitted":
        abort(404)
    user = current_user._get_current_object()
    known = services.structure()
    result = services.result(assessment, known.dimensions)
    path = services.learning_path(user, result.gaps, utcnow())
    organisation = services.organisation_name(assessment.organisation_id)
    data = report_pdf(result, path, organisation, locale_code(), user.second_locale)
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="self-assessment-{assessment.id}.pdf"'
    )
    return response


@bp.route("/<int:assessment_id>/answers")
@access("user")
def answers(assessment_id: int):
    """The organisation's answers to a submitted assessment, read only: for its members and
    its network's managers (the people who may see them)."""
    assessment = _assessment(assessment_id)
    if assessment.status != "submitted":
        return redirect(url_for("assessment.overview"))
    known = services.structure()
    return render_template(
        "assessment/answers.html",
        assessment=assessment,
        known=known,
        answers=services.answers_of(assessment),
        localised=localised,
    )
