"""The results as a PDF report, in the reader's language (fpdf2, as the certificates)."""

from flask_babel import force_locale, format_date
from fpdf import FPDF

from app.core.catalogs import py_gettext as _
from app.core.fallback import pick
from app.courses.certificates import FONTS

from .services import Path, Result

BLUE = (11, 79, 138)
INK = (26, 26, 26)
TRACK = (225, 232, 240)
GREY = (90, 90, 90)


def report_pdf(
    result: Result, path: Path, organisation: str, locale: str, second: str | None = None
) -> bytes:
    """An A4 report: the scores with bars (and the change), strengths, gaps and the path."""

    def text(texts: dict) -> str:
        return pick(texts, locale, second).text

    with force_locale(locale):
        pdf = FPDF(format="A4")
        pdf.set_title(_("Results of the self-assessment"))
        pdf.set_author("DO Impact Academy")
        pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.add_page()
        pdf.set_text_color(*BLUE)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, "DO Impact Academy", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.set_font("DejaVu", "B", 20)
        pdf.multi_cell(0, 10, _("Results of the self-assessment"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 14)
        pdf.multi_cell(0, 8, organisation, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        when = format_date(result.assessment.submitted_at, "long")
        line = _("Submitted on %(date)s", date=when)
        if result.previous:
            before = format_date(result.previous.submitted_at, "long")
            line += " · " + _("compared with the self-assessment of %(date)s", date=before)
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(0, 8, _("Score per dimension, from 0 to 100"), new_x="LMARGIN", new_y="NEXT")
        for row in result.dimensions:
            y = pdf.get_y()
            pdf.set_font("DejaVu", "", 10)
            pdf.set_xy(10, y)
            pdf.multi_cell(70, 5, text(row.dimension.titles))
            pdf.set_fill_color(*TRACK)
            pdf.rect(82, y + 1, 90, 5, style="F")
            pdf.set_fill_color(*BLUE)
            if row.score:
                pdf.rect(82, y + 1, 90 * row.score / 100, 5, style="F")
            pdf.set_xy(175, y)
            score = "—" if row.score is None else str(row.score)
            if row.change is not None:
                score += f" ({row.change:+d})"
            pdf.cell(25, 6, score)
            pdf.set_y(max(pdf.get_y(), y + 9))
        if result.previous:
            pdf.set_font("DejaVu", "", 8)
            pdf.set_text_color(*GREY)
            pdf.multi_cell(
                0,
                5,
                _("In brackets: the change since the previous self-assessment."),
                new_x="LMARGIN",
                new_y="NEXT",
            )
            pdf.set_text_color(*INK)
        pdf.ln(3)
        sections = (
            (
                _("Strengths"),
                [f"{text(r.dimension.titles)}: {r.score}/100" for r in result.strengths],
            ),
            (
                _("The biggest gaps"),
                [f"{text(r.dimension.titles)}: {r.score}/100" for r in result.gaps],
            ),
        )
        for heading, lines in sections:
            pdf.set_font("DejaVu", "B", 12)
            pdf.cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 10)
            for entry in lines or ["—"]:
                pdf.multi_cell(0, 6, "• " + entry, new_x="LMARGIN", new_y="NEXT")
        if path:
            pdf.set_font("DejaVu", "B", 12)
            pdf.cell(0, 9, _("Your recommended learning path"), new_x="LMARGIN", new_y="NEXT")
            groups = (
                (_("Courses"), [(text(s.item.titles), s) for s in path.courses]),
                (_("Workshops"), [(text(s.item.titles), s) for s in path.workshops]),
                (_("Mentors"), [(s.item.user.name, s) for s in path.mentors]),
            )
            for heading, entries in groups:
                if not entries:
                    continue
                pdf.set_font("DejaVu", "B", 10)
                pdf.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
                for name, suggestion in entries:
                    pdf.set_font("DejaVu", "", 10)
                    pdf.multi_cell(0, 5, "• " + name, new_x="LMARGIN", new_y="NEXT")
                    pdf.set_font("DejaVu", "", 8)
                    pdf.set_text_color(*GREY)
                    reasons = " ".join(
                        _(
                            "Recommended because %(dimension)s scored %(score)d/100.",
                            dimension=text(reason.dimension.titles),
                            score=reason.score,
                        )
                        for reason in suggestion.reasons
                    )
                    pdf.multi_cell(0, 4.5, "   " + reasons, new_x="LMARGIN", new_y="NEXT")
                    pdf.set_text_color(*INK)
        return bytes(pdf.output())
