"""Catalog, course pages, lessons, knowledge checks, my learning and certificates."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.accounts.models import User
from app.config import LOCALES
from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import py_gettext as _
from app.core.db import utcnow, writing
from app.core.errors import DomainError
from app.core.fallback import reader_languages
from app.core.forms import EmptyForm
from app.core.fragments import kept
from app.core.mail import absolute_url
from app.core.security import access
from app.core.text import normalise_email
from app.extensions import db

from . import services, structure
from .certificates import certificate_pdf
from .forms import CatalogForm, ManualCompletionForm
from .frameworks import LEVELS, digcomp_label, greencomp_label
from .loader import IMAGE_SUFFIXES

bp = Blueprint("courses", __name__, template_folder="templates")


def _locale() -> str:
    return str(get_locale())


def _course_or_404(key: str):
    course = services.get_course(key)
    if course is None:
        abort(404)
    return course


def _lesson_or_404(course, lesson_key: str):
    for lesson in services.active_lessons(course):
        if lesson.key == lesson_key:
            return lesson
    abort(404)


@bp.route("/courses")
@access("public")
def catalog():
    form = CatalogForm(request.args)
    form.fill()
    filters = services.CatalogFilters(
        q=form.q.data or "",
        language=form.language.data or "",
        area=form.area.data or "",
        level=form.level.data or "",
        twin=bool(form.twin.data),
    )
    locale, second = reader_languages()
    page = services.catalog(
        filters,
        locale,
        request.args.get("page", 1, type=int) or 1,
        current_app.config["PAGE_SIZE"],
        second,
    )
    args = {k: v for k, v in request.args.items() if k not in ("page", "lang")}
    return render_template("courses/catalog.html", form=form, page=page, args=args)


@bp.route("/courses/<key>")
@access("public")
def course(key):
    course = _course_or_404(key)
    progress = certificate = None
    if current_user.is_authenticated:
        enrolment = services.find_enrolment(current_user, course)
        if enrolment:
            [progress] = services.progress_for(current_user, [enrolment])
            certificate = services.certificate_for(current_user, course)
    prerequisites = services.courses_by_key(course.prerequisites)
    return render_template(
        "courses/course.html",
        course=course,
        progress=progress,
        certificate=certificate,
        prerequisites=[prerequisites[k] for k in course.prerequisites if k in prerequisites],
        modules=services.active_modules(course),
        form=_empty_form(),
    )


def _empty_form():
    return EmptyForm()


@bp.route("/courses/<key>/enrol", methods=["POST"])
@access("user")
def enrol(key):
    course = _course_or_404(key)
    if _empty_form().validate_on_submit():
        services.enrol(current_user, course, utcnow())
        db.session.commit()
        flash(_("You are enrolled. Enjoy the course!"), "success")
        first = next(iter(services.active_lessons(course)), None)
        if first:
            return redirect(url_for("courses.lesson", key=key, lesson_key=first.key))
    return redirect(url_for("courses.course", key=key))


@bp.route("/courses/<key>/lessons/<lesson_key>")
@access("user")
def lesson(key, lesson_key):
    content = structure.current()  # courses, modules and lessons without reading them again
    course = content.active_course(key)
    if course is None:
        abort(404)
    lesson = _lesson_or_404(course, lesson_key)
    enrolment = services.find_enrolment(current_user, course)
    if enrolment is None:
        flash(_("Please enrol in this course first."), "info")
        return redirect(url_for("courses.course", key=key))
    services.open_lesson(current_user, enrolment, lesson, utcnow())
    if writing(db.session):  # the first visit; reading a lesson again writes nothing
        db.session.commit()
    read = request.args.get("read")
    locale, second = reader_languages()
    text = services.lesson_text(
        lesson, locale, read if read in LOCALES else None, second, structure=content
    )
    if text is None:
        abort(404)
    [progress] = services.progress_for(current_user, [enrolment], content)
    lessons = services.active_lessons(course)
    index = lessons.index(lesson)
    return render_template(
        "courses/lesson.html",
        course=course,
        lesson=lesson,
        text=text,
        progress=progress,
        modules=services.active_modules(course),
        form=_empty_form(),
        previous=lessons[index - 1] if index > 0 else None,
        next=lessons[index + 1] if index + 1 < len(lessons) else None,
    )


@bp.route("/courses/<key>/lessons/<lesson_key>/done", methods=["POST"])
@access("user")
def lesson_done(key, lesson_key):
    course = _course_or_404(key)
    lesson = _lesson_or_404(course, lesson_key)
    if not _empty_form().validate_on_submit():
        return redirect(url_for("courses.lesson", key=key, lesson_key=lesson_key))
    try:
        enrolment = services.require_enrolment(current_user, course)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("courses.course", key=key))
    completed = services.complete_lesson(current_user, enrolment, lesson, utcnow())
    db.session.commit()
    if completed:
        flash(
            _("Congratulations, you have completed the course! Your certificate is ready."),
            "success",
        )
        return redirect(url_for("courses.course", key=key))
    flash(_("Lesson marked as done."), "success")
    lessons = services.active_lessons(course)
    index = lessons.index(lesson)
    module = lesson.module
    if module.lessons[-1].id == lesson.id and services.quiz_questions(module):
        return redirect(url_for("courses.quiz", key=key, module_key=module.key))
    if index + 1 < len(lessons):
        return redirect(url_for("courses.lesson", key=key, lesson_key=lessons[index + 1].key))
    return redirect(url_for("courses.course", key=key))


def _module_or_404(course, module_key):
    for module in services.active_modules(course):
        if module.key == module_key:
            return module
    abort(404)


@bp.route("/courses/<key>/modules/<module_key>/quiz", methods=["GET", "POST"])
@access("user")
def quiz(key, module_key):
    course = _course_or_404(key)
    module = _module_or_404(course, module_key)
    if services.find_enrolment(current_user, course) is None:
        flash(_("Please enrol in this course first."), "info")
        return redirect(url_for("courses.course", key=key))
    questions = services.quiz_questions(module)
    form = _empty_form()
    result = None
    answers: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        answers = {
            name[2:]: request.form.getlist(name) for name in request.form if name.startswith("q-")
        }
        try:
            result = services.submit_quiz(current_user, module, answers, _locale(), utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            status = 400
        else:
            db.session.commit()
            if result.course_completed:
                flash(
                    _("Congratulations, you have completed the course! Your certificate is ready."),
                    "success",
                )
    elif request.method == "POST":
        status = 400
    return render_template(
        "courses/quiz.html",
        course=course,
        module=module,
        questions=questions,
        form=form,
        result=result,
        answers=answers,
        attempts=services.attempts_for(current_user, module),
    ), status


@bp.route("/learning")
@access("user")
def my_learning():
    in_progress, completed = services.my_learning(current_user, structure.current())
    return render_template("courses/my_learning.html", in_progress=in_progress, completed=completed)


@bp.route("/courses/<key>/certificate.pdf")
@access("user")
def certificate_download(key):
    course = _course_or_404(key)
    certificate = services.certificate_for(current_user, course)
    if certificate is None:
        abort(404)
    pdf = certificate_pdf(certificate, absolute_url("courses.verify", code=certificate.code))
    return current_app.response_class(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{course.key}.pdf"'},
    )


@bp.route("/certificates/verify")
@access("public")
def verify_form():
    code = request.args.get("code", "").strip()
    if code:
        return redirect(url_for("courses.verify", code=code.upper()))
    return render_template("courses/verify.html", certificate=None, code="")


@bp.route("/certificates/<code>")
@access("public")
def verify(code):
    certificate = services.find_certificate(code)
    return render_template("courses/verify.html", certificate=certificate, code=code), (
        200 if certificate and not certificate.revoked_at else 404
    )


@bp.route("/courses/<key>/media/<path:filename>")
@access("public")
def media(key, filename):
    course = _course_or_404(key)
    folder = f"{current_app.config['CONTENT_DIR']}/courses/{course.key}/images"
    if not any(filename.lower().endswith(suffix) for suffix in IMAGE_SUFFIXES):
        abort(404)
    return send_from_directory(folder, filename)


@bp.route("/courses/translations")
@access("trainer", "coordinator")
def translation_status():
    from .translation_status import status_table

    return render_template("courses/translation_status.html", table=status_table(str(get_locale())))


@bp.route("/courses/<key>/complete", methods=["GET", "POST"])
@access("trainer", "coordinator")
def complete_by_hand(key):
    course = _course_or_404(key)
    form = ManualCompletionForm()
    if form.validate_on_submit():
        learner = db.session.scalar(
            select(User).where(User.email == normalise_email(form.email.data))
        )
        if learner is None:
            form.email.errors.append(_("No account uses this e-mail address."))
        else:
            try:
                services.complete_by_hand(
                    current_user._get_current_object(), learner, course, form.reason.data, utcnow()
                )
            except DomainError as error:
                db.session.rollback()
                form.reason.errors.append(str(error.message))
            else:
                db.session.commit()
                flash(
                    _(
                        "%(name)s now has this course completed, with a certificate.",
                        name=learner.name,
                    ),
                    "success",
                )
                return redirect(url_for("courses.course", key=key))
    return render_template("courses/complete.html", course=course, form=form)


KIND_NAMES = {
    "course": _l("Course"),
    "module": _l("Module"),
    "lesson": _l("Lesson"),
    "quiz": _l("Knowledge check"),
}
STATE_NAMES = {"ok": _l("Translated"), "missing": _l("Missing"), "outdated": _l("Outdated")}


def course_card(course) -> Markup:
    """The catalog's card of a course, kept per worker under every value it shows (see
    core/fragments.py): the course's texts and facts, and the reader's languages. It cost about
    0.15 ms a card to render."""
    key = (
        course.key,
        tuple(sorted((course.titles or {}).items())),
        tuple(sorted((course.summaries or {}).items())),
        course.level,
        course.minutes,
        tuple(course.digcomp),
        bool(course.greencomp),
        sum(1 for module in course.modules if module.active),
        *reader_languages(),
        request.script_root,
    )
    return kept("courses/_card.html", key, course=course)


@bp.app_context_processor
def course_helpers():
    return {
        "course_card": course_card,
        "digcomp_label": digcomp_label,
        "greencomp_label": greencomp_label,
        "level_label": lambda level: str(LEVELS.get(level, level)),
        "kind_name": lambda kind: str(KIND_NAMES.get(kind, kind)),
        "state_name": lambda state: str(STATE_NAMES.get(state, state)),
    }
