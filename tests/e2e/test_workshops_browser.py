"""In Chromium: a trainer creates and publishes a workshop with an attached PDF, a learner
registers in Swedish and downloads the material, the trainer marks attendance. axe runs on
every page visited."""

from datetime import timedelta
from pathlib import Path

from tests.e2e.conftest import sign_in, translated

PASSWORD = "en solig morgon vid havet"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def swedish(text: str) -> str:
    return translated("sv", text)


def test_trainer_publishes_learner_registers_in_swedish_trainer_marks_attendance(
    browser, live_server, axe_check, tmp_path
):
    from app.accounts.cli import create_user
    from app.core.db import utcnow
    from app.extensions import db
    from app.workshops.models import Workshop

    app, base = live_server["app"], live_server["url"]
    with app.app_context():
        create_user(
            email="kim@example.org",
            name="Kim Trainer",
            password=PASSWORD,
            country="BE",
            locale="en",
            timezone="Europe/Brussels",
            roles=("trainer",),
            check_rules=False,
        )
        create_user(
            email="sara@example.org",
            name="Sara Lind",
            password=PASSWORD,
            country="SE",
            locale="sv",
            timezone="Europe/Stockholm",
            check_rules=False,
        )
        db.session.commit()
    trainer = browser.new_context(locale="en-GB").new_page()
    learner = browser.new_context(locale="sv-SE", accept_downloads=True).new_page()
    day = (utcnow() + timedelta(days=10)).date()

    sign_in(trainer, base, "kim@example.org", PASSWORD, "en")
    trainer.goto(base + "/workshops")
    trainer.get_by_role("link", name="Create a workshop").click()
    axe_check(trainer)
    trainer.get_by_label("Title in English").fill("Digital tools for circular economy")
    trainer.get_by_label("Title in Swedish").fill("Digitala verktyg för cirkulär ekonomi")
    trainer.get_by_label("Description in Swedish").fill("Praktiska verktyg för återbruk.")
    trainer.get_by_label("Language the event is held in").select_option("sv")
    trainer.get_by_label("Online", exact=True).check()
    trainer.get_by_label("Meeting link (shown to registered participants only)").fill(
        "https://meet.example.org/circular"
    )
    trainer.get_by_label("Country", exact=True).select_option("SE")
    trainer.get_by_label("Time zone of the times below").select_option("Europe/Stockholm")
    trainer.get_by_label("Date", exact=True).fill(day.isoformat())
    trainer.get_by_label("Starts at (HH:MM)").fill("10:00")
    trainer.get_by_label("Ends at (HH:MM)").fill("12:00")
    trainer.get_by_label("Places").fill("15")
    trainer.get_by_label("Registration closes on").fill((day - timedelta(days=1)).isoformat())
    trainer.get_by_label("at (HH:MM)", exact=True).fill("17:00")
    trainer.get_by_role("button", name="Save as a draft").click()
    trainer.get_by_text("This is a draft").wait_for()
    axe_check(trainer)
    pdf = tmp_path / "program.pdf"
    pdf.write_bytes(PDF)
    trainer.get_by_label("File (PDF, image, slides, spreadsheet or document)").set_input_files(
        str(pdf)
    )
    trainer.get_by_label("Title", exact=True).fill("Programme")
    trainer.get_by_label("Only registered participants may download it").check()
    trainer.get_by_role("button", name="Upload").click()
    trainer.get_by_text("The file is published.").wait_for()
    trainer.get_by_role("button", name="Publish").click()
    trainer.get_by_text("The workshop is published").wait_for()
    axe_check(trainer)
    workshop_url = trainer.url.split("#")[0]

    sign_in(learner, base, "sara@example.org", PASSWORD, "sv")
    learner.get_by_role("link", name=swedish("Workshops"), exact=True).first.click()
    assert learner.locator("html").get_attribute("lang") == "sv"
    axe_check(learner)
    learner.get_by_role("link", name="Digitala verktyg för cirkulär ekonomi").click()
    axe_check(learner)
    assert learner.get_by_role("link", name="Programme").count() == 0  # participants only
    learner.get_by_role("button", name=swedish("Register"), exact=True).click()
    learner.get_by_text(swedish("You are registered.")).first.wait_for()
    axe_check(learner)
    with learner.expect_download() as download:
        learner.get_by_role("link", name="Programme").click()
    assert Path(download.value.path()).read_bytes() == PDF
    assert download.value.suggested_filename == "program.pdf"

    with app.app_context():  # the event takes place: move it into the past
        workshop = db.session.get(Workshop, int(workshop_url.rstrip("/").rsplit("/", 1)[1]))
        workshop.starts_at = utcnow() - timedelta(minutes=30)
        workshop.ends_at = utcnow() + timedelta(minutes=90)
        db.session.commit()
    trainer.goto(workshop_url + "/registrations")
    axe_check(trainer)
    trainer.get_by_label("Attended").check()
    trainer.get_by_role("button", name="Save attendance").click()
    trainer.get_by_text("Attendance saved").wait_for()
    assert trainer.get_by_label("Attended").is_checked()
    axe_check(trainer)
    learner.reload()
    learner.get_by_text(swedish("How useful was the event?")).wait_for()
    axe_check(learner)
    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    learner.screenshot(path=str(artifacts / "workshop-learner-sv.png"), full_page=True)
    trainer.screenshot(path=str(artifacts / "workshop-registrations.png"), full_page=True)
