"""The certificate PDF, in the language it was issued in."""

from pathlib import Path

from flask_babel import force_locale, format_date
from fpdf import FPDF

from app.core.catalogs import py_gettext as _

from .frameworks import digcomp_label
from .models import Certificate

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


def certificate_pdf(certificate: Certificate, verify_url: str) -> bytes:
    """Render the certificate as an A4 landscape PDF; return its bytes."""
    with force_locale(certificate.locale):
        pdf = FPDF(orientation="L", format="A4")
        pdf.set_title(_("Certificate of completion"))
        pdf.set_author("DO Impact Academy")
        pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        pdf.set_auto_page_break(False)
        pdf.add_page()
        pdf.set_draw_color(11, 79, 138)
        pdf.set_line_width(1.2)
        pdf.rect(10, 10, 277, 190)
        pdf.set_text_color(11, 79, 138)
        pdf.set_font("DejaVu", "B", 16)
        pdf.set_y(24)
        pdf.cell(0, 10, "DO Impact Academy", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(26, 26, 26)
        pdf.set_font("DejaVu", "B", 28)
        pdf.cell(0, 18, _("Certificate of completion"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 14)
        pdf.cell(0, 10, _("This certifies that"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 22)
        pdf.cell(0, 14, certificate.holder_name, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 14)
        pdf.cell(0, 10, _("has completed the course"), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "B", 17)
        pdf.multi_cell(0, 9, certificate.course_title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("DejaVu", "", 11)
        if certificate.competences:
            pdf.cell(
                0,
                7,
                _("Digital competences (DigComp 2.2):"),
                align="C",
                new_x="LMARGIN",
                new_y="NEXT",
            )
            for code in certificate.competences:
                pdf.cell(0, 6, digcomp_label(code), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(170)
        date = format_date(certificate.issued_at, "long")
        pdf.cell(0, 7, _("Issued on %(date)s", date=date), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(
            0,
            7,
            _("Verification code: %(code)s", code=certificate.code),
            align="C",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font("DejaVu", "", 9)
        pdf.cell(0, 6, _("Check this certificate at %(url)s", url=verify_url), align="C")
        return bytes(pdf.output())
