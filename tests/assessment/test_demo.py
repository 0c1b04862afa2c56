"""The demo's self-assessments: two for the demo learner's organisation months apart (so the
change shows), one for each of a dozen member organisations across the six countries, once;
the demo learner's results show six dimensions and a path."""

import re
from datetime import timedelta

from sqlalchemy import select

from app.accounts.models import Organisation
from app.assessment.models import Assessment
from app.extensions import db
from tests.conftest import in_app


def test_the_demo_seeds_assessments_once_and_the_learner_sees_results(
    app, runner, questionnaire, synced_content, login_as
):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Self-assessment results added: 14 self-assessment(s)." in first.output
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0 and "Self-assessment results added" not in again.output
    with in_app(app):
        rows = db.session.execute(
            select(Assessment, Organisation.country).join(
                Organisation, Organisation.id == Assessment.organisation_id
            )
        ).all()
        assert len(rows) == 14 and all(a.status == "submitted" for a, _ in rows)
        assert {country for _, country in rows} == {"IT", "ES", "LV", "LT", "SE", "BE"}
        per_org = {}
        for assessment, _ in rows:
            per_org.setdefault(assessment.organisation_id, []).append(assessment.submitted_at)
        (twice,) = [dates for dates in per_org.values() if len(dates) == 2]
        assert abs(twice[0] - twice[1]) > timedelta(days=90)
        assert all(len(a.scores) == 6 for a, _ in rows)
        from app.accounts.models import User

        learner = db.session.scalar(select(User).where(User.email == "learner@demo.doimpact.eu"))
        latest = max(
            (a for a, _ in rows if a.organisation_id == learner.member_organisation_id),
            key=lambda a: a.submitted_at,
        )
        learner_id = learner.id
    client = app.test_client()
    login_as(client, learner_id, password="doimpact-demo")
    page = client.get(f"/assessment/{latest.id}/results?lang=en").get_data(True)
    assert len(re.findall(r'<th scope="row">', page)) == 6
    assert "Before" in page and "Change" in page  # compared with the earlier one
    assert "Recommended because" in page
