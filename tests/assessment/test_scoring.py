"""Scoring against examples computed by hand, skipped optional questions included."""

import pytest

from app.assessment.scoring import Item, answer_score, dimension_scores, missing, valid

PLAN = Item("plan", "strategy", "single", options=(("none", 0), ("ideas", 35), ("written", 100)))
USES = Item("uses", "strategy", "multiple", options=(("a", 20), ("b", 20), ("c", 50), ("d", 40)))
IMPACT = Item("impact", "strategy", "scale")
VOLUNTEERS = Item(
    "volunteers", "people", "single", optional=True, options=(("offline", 0), ("own", 100))
)
TRAINING = Item("training", "people", "scale")
SELF = Item("digcomp-1", None, "scale")
ITEMS = [PLAN, USES, IMPACT, VOLUNTEERS, TRAINING, SELF]


def test_each_kind_of_answer_scores_as_the_format_says():
    assert answer_score(PLAN, "ideas") == 35
    assert answer_score(USES, []) == 0
    assert answer_score(USES, ["a", "b"]) == 40
    assert answer_score(USES, ["a", "b", "c", "d"]) == 100  # 130, capped
    assert [answer_score(IMPACT, v) for v in range(6)] == [0, 20, 40, 60, 80, 100]


def test_dimension_scores_by_hand():
    answers = {"plan": "ideas", "uses": ["a", "c"], "impact": 3, "training": 2, "digcomp-1": 5}
    # strategy: (35 + 70 + 60) / 3 = 55; people: the optional question skipped, so 40 alone.
    assert dimension_scores(ITEMS, answers) == {"strategy": 55, "people": 40}


def test_a_skipped_optional_question_never_lowers_the_score():
    base = {"plan": "written", "uses": ["c", "d"], "impact": 5, "training": 4}
    assert dimension_scores(ITEMS, base)["people"] == 80
    assert dimension_scores(ITEMS, {**base, "volunteers": "own"})["people"] == 90  # (80+100)/2
    assert dimension_scores(ITEMS, {**base, "volunteers": "offline"})["people"] == 40


def test_rounding_is_half_up_and_an_unanswered_dimension_has_no_score():
    # (35 + 0 + 20) / 3 = 18.33 -> 18
    assert dimension_scores(ITEMS, {"plan": "ideas", "uses": [], "impact": 1}) == {
        "strategy": 18,
        "people": None,
    }
    # (35 + 40 + 80) / 3 = 51.67 -> 52
    assert (
        dimension_scores(ITEMS, {"plan": "ideas", "uses": ["a", "b"], "impact": 4})["strategy"]
        == 52
    )
    half = [Item("x", "d", "scale"), Item("y", "d", "single", options=(("o", 25),))]
    assert dimension_scores(half, {"x": 0, "y": "o"}) == {"d": 13}  # 12.5 -> 13


def test_self_ratings_are_outside_the_scores_and_never_required():
    assert missing(ITEMS, {"plan": "none", "uses": [], "impact": 0}) == ["training"]
    assert "digcomp-1" not in dimension_scores(ITEMS, {"digcomp-1": 3})


@pytest.mark.parametrize(
    ("item", "value", "ok"),
    [
        (PLAN, "ideas", True),
        (PLAN, "maybe", False),
        (PLAN, ["ideas"], False),
        (USES, ["a", "c"], True),
        (USES, ["a", "a"], False),
        (USES, ["z"], False),
        (USES, "a", False),
        (IMPACT, 0, True),
        (IMPACT, 5, True),
        (IMPACT, 6, False),
        (IMPACT, -1, False),
        (IMPACT, True, False),
        (IMPACT, "3", False),
    ],
)
def test_only_possible_answers_are_valid(item, value, ok):
    assert valid(item, value) is ok
