"""Scores, as plain functions of the questions and the answers (no database): each answer
scores 0-100, each dimension the rounded mean of its answered questions. A skipped optional
question does not count, so skipping it never lowers a score."""

import math
from dataclasses import dataclass

SCALE_MAX = 5


@dataclass(frozen=True)
class Item:
    """What scoring needs of a question."""

    key: str
    dimension: str | None  # None: the respondent's self-rating, outside the scores
    kind: str  # single | multiple | scale
    optional: bool = False
    options: tuple = ()  # ((option key, score), ...)


def valid(item: Item, value) -> bool:
    """Whether `value` is a possible answer to the question."""
    keys = {key for key, _ in item.options}
    if item.kind == "single":
        return isinstance(value, str) and value in keys
    if item.kind == "multiple":
        return (
            isinstance(value, list)
            and all(isinstance(v, str) and v in keys for v in value)
            and len(set(value)) == len(value)
        )
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SCALE_MAX


def answer_score(item: Item, value) -> int:
    """0-100 for one valid answer: the option's score, the capped sum of the chosen options'
    scores, or the scale value times 20."""
    scores = dict(item.options)
    if item.kind == "single":
        return scores[value]
    if item.kind == "multiple":
        return min(100, sum(scores[key] for key in value))
    return value * 100 // SCALE_MAX


def half_up(number: float) -> int:
    return math.floor(number + 0.5)


def dimension_scores(items: list[Item], answers: dict[str, object]) -> dict[str, int | None]:
    """{dimension: 0-100, or None when none of its questions is answered}, in question order."""
    totals: dict[str, list[int]] = {}
    for item in items:
        if item.dimension is None:
            continue
        found = totals.setdefault(item.dimension, [])
        if item.key in answers:
            found.append(answer_score(item, answers[item.key]))
    return {key: half_up(sum(s) / len(s)) if s else None for key, s in totals.items()}


def missing(items: list[Item], answers: dict[str, object]) -> list[str]:
    """The required questions of the organisation not answered yet, in order."""
    return [
        item.key
        for item in items
        if item.dimension is not None and not item.optional and item.key not in answers
    ]
