"""Read content/assessment/ into plain objects and report every problem with its file and line:
unknown keys, missing translations, scores out of range. Nothing here touches the database."""

from dataclasses import dataclass, field
from pathlib import Path

from app.config import LOCALES
from app.core.content import KEY, FileReader, Problem
from app.core.content import line_of as _line
from app.courses.frameworks import DIGCOMP, GREENCOMP
from app.mentoring.models import EXPERTISE

KINDS = ("single", "multiple", "scale")
SCALE_MAX = 5
SOURCE = "en"
STRUCTURE_KEYS = {"key", "dimensions", "self_rating"}
DIMENSION_KEYS = {"key", "digcomp", "greencomp", "expertise", "questions"}
QUESTION_KEYS = {"key", "kind", "optional", "options"}
OPTION_KEYS = {"key", "score"}
TEXT_KEYS = {"title", "intro", "dimensions", "self_rating", "questions"}
QUESTION_TEXT_KEYS = {"text", "help", "options", "scale"}


@dataclass
class QuestionSource:
    key: str
    kind: str
    optional: bool
    options: list  # [{"key": str, "score": int}] for single and multiple; [] for scale
    texts: dict = field(default_factory=dict)  # locale -> {"text", "help", "options", "scale"}
    line: int = 1


@dataclass
class DimensionSource:
    key: str
    digcomp: list
    greencomp: list
    expertise: list
    questions: list
    titles: dict = field(default_factory=dict)
    descriptions: dict = field(default_factory=dict)


@dataclass
class AssessmentSource:
    key: str
    dimensions: list
    self_rating: list  # QuestionSource of kind scale, the respondent's own DigComp areas
    titles: dict = field(default_factory=dict)
    intros: dict = field(default_factory=dict)
    self_titles: dict = field(default_factory=dict)
    self_descriptions: dict = field(default_factory=dict)

    def questions(self) -> list[QuestionSource]:
        return [q for d in self.dimensions for q in d.questions] + list(self.self_rating)


class _Reader(FileReader):
    def unknown(self, data, allowed: set, path: Path, what: str) -> None:
        for name in data:
            if name not in allowed:
                self.problem(path, _line(data, name), f"unknown key {name!r} in {what}")

    def read(self) -> list[AssessmentSource]:
        folder = self.root / "assessment"
        path = folder / "assessment.yml"
        if not folder.is_dir():
            return []
        if not path.exists():
            self.problem(folder, 1, "assessment folder without assessment.yml")
            return []
        data = self.load_yaml(path)
        if data is None:
            return []
        self.unknown(data, STRUCTURE_KEYS, path, "assessment.yml")
        key = data.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            self.problem(path, _line(data, "key"), "missing or invalid assessment key")
        dimensions = self.read_dimensions(data, path)
        seen = {q.key for d in dimensions for q in d.questions}
        self_rating = []
        keys = data.get("self_rating") or []
        if not isinstance(keys, list):
            self.problem(path, _line(data, "self_rating"), "self_rating must be a list of keys")
            keys = []
        for index, question_key in enumerate(keys):
            line = _line(keys, index)
            if not isinstance(question_key, str) or not KEY.match(question_key):
                self.problem(path, line, f"invalid question key {question_key!r}")
            elif question_key in seen:
                self.problem(path, line, f"duplicate question key {question_key!r}")
            else:
                seen.add(question_key)
                self_rating.append(QuestionSource(question_key, "scale", False, [], line=line))
        source = AssessmentSource(str(key), dimensions, self_rating)
        self.read_texts(folder, source)
        return [source] if isinstance(key, str) and KEY.match(key) else []

    def read_dimensions(self, data, path: Path) -> list[DimensionSource]:
        entries = data.get("dimensions")
        if not isinstance(entries, list) or not entries:
            self.problem(path, _line(data, "dimensions"), "list at least one dimension")
            return []
        dimensions, dimension_keys, question_keys = [], set(), set()
        for index, entry in enumerate(entries):
            line = _line(entries, index)
            if not isinstance(entry, dict) or not KEY.match(str(entry.get("key", ""))):
                self.problem(path, line, "a dimension needs a valid key")
                continue
            self.unknown(entry, DIMENSION_KEYS, path, f"dimension {entry['key']!r}")
            if entry["key"] in dimension_keys:
                self.problem(path, line, f"duplicate dimension key {entry['key']!r}")
                continue
            dimension_keys.add(entry["key"])
            questions = []
            for question in entry.get("questions") or []:
                read = self.read_question(question, path, question_keys)
                if read:
                    questions.append(read)
            if not questions:
                self.problem(path, line, f"dimension {entry['key']!r} has no questions")
            dimensions.append(
                DimensionSource(
                    key=entry["key"],
                    digcomp=self.codes(entry, "digcomp", DIGCOMP, path),
                    greencomp=self.codes(entry, "greencomp", GREENCOMP, path),
                    expertise=self.codes(entry, "expertise", EXPERTISE, path),
                    questions=questions,
                )
            )
        return dimensions

    def codes(self, entry, name: str, allowed, path: Path) -> list[str]:
        values = entry.get(name) or []
        if not isinstance(values, list):
            self.problem(path, _line(entry, name), f"{name} must be a list")
            return []
        found = []
        for index, code in enumerate(values):
            if str(code) not in allowed:
                self.problem(path, _line(values, index), f"unknown {name} code {code!r}")
            else:
                found.append(str(code))
        return found

    def read_question(self, entry, path: Path, seen: set) -> QuestionSource | None:
        line = getattr(entry, "line", 1)
        if not isinstance(entry, dict) or not KEY.match(str(entry.get("key", ""))):
            self.problem(path, line, "a question needs a valid key")
            return None
        key = entry["key"]
        self.unknown(entry, QUESTION_KEYS, path, f"question {key!r}")
        if key in seen:
            self.problem(path, line, f"duplicate question key {key!r}")
            return None
        seen.add(key)
        kind = entry.get("kind")
        if kind not in KINDS:
            self.problem(path, _line(entry, "kind"), f"kind must be one of {', '.join(KINDS)}")
            return None
        optional = entry.get("optional", False)
        if not isinstance(optional, bool):
            self.problem(path, _line(entry, "optional"), "optional must be true or false")
            optional = False
        options = []
        if kind == "scale":
            if "options" in entry:
                self.problem(path, _line(entry, "options"), "a scale question has no options")
        else:
            options = self.read_options(entry, key, path)
            if len(options) < 2:
                self.problem(path, line, f"question {key!r} needs at least two options")
        return QuestionSource(key, kind, optional, options, line=line)

    def read_options(self, entry, question_key: str, path: Path) -> list[dict]:
        raw = entry.get("options")
        if not isinstance(raw, list):
            return []
        options, keys = [], set()
        for index, option in enumerate(raw):
            line = _line(raw, index)
            if not isinstance(option, dict) or not KEY.match(str(option.get("key", ""))):
                self.problem(path, line, f"an option of {question_key!r} needs a valid key")
                continue
            self.unknown(option, OPTION_KEYS, path, f"an option of {question_key!r}")
            if option["key"] in keys:
                self.problem(path, line, f"duplicate option key {option['key']!r}")
                continue
            score = option.get("score")
            if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 100:
                self.problem(
                    path, _line(option, "score"), f"score of {option['key']!r} must be 0-100"
                )
                continue
            keys.add(option["key"])
            options.append({"key": str(option["key"]), "score": score})
        return options

    # -- texts --

    def read_texts(self, folder: Path, source: AssessmentSource) -> None:
        for locale in LOCALES:
            path = folder / f"assessment.{locale}.yml"
            if not path.exists():
                self.problem(folder / "assessment.yml", 1, f"missing translation ({locale})")
                continue
            data = self.load_yaml(path)
            if data is None:
                continue
            self.unknown(data, TEXT_KEYS, path, path.name)
            title = self.text(data, "title", path, "title")
            intro = self.text(data, "intro", path, "intro")
            if title:
                source.titles[locale] = title
            if intro:
                source.intros[locale] = intro
            self.read_dimension_texts(data, path, locale, source)
            self.read_question_texts(data, path, locale, source)

    def section(self, data, name: str, path: Path):
        value = data.get(name)
        if not isinstance(value, dict):
            self.problem(path, _line(data, name), f"missing {name}")
            return {}
        return value

    def read_dimension_texts(self, data, path, locale, source) -> None:
        texts = self.section(data, "dimensions", path)
        known = {d.key: d for d in source.dimensions}
        for key in texts:
            if key not in known:
                self.problem(path, _line(texts, key), f"texts for unknown dimension {key!r}")
        for key, dimension in known.items():
            entry = texts.get(key)
            if not isinstance(entry, dict):
                self.problem(path, _line(texts, key), f"missing texts of dimension {key!r}")
                continue
            self.unknown(entry, {"title", "description"}, path, f"dimension {key!r}")
            title = self.text(entry, "title", path, f"title of dimension {key!r}")
            description = self.text(entry, "description", path, f"description of {key!r}")
            if title:
                dimension.titles[locale] = title
            if description:
                dimension.descriptions[locale] = description
        if source.self_rating:
            entry = self.section(data, "self_rating", path)
            self.unknown(entry, {"title", "description"}, path, "self_rating")
            title = self.text(entry, "title", path, "title of self_rating") if entry else None
            text = self.text(entry, "description", path, "self_rating text") if entry else None
            if title:
                source.self_titles[locale] = title
            if text:
                source.self_descriptions[locale] = text

    def read_question_texts(self, data, path, locale, source) -> None:
        texts = self.section(data, "questions", path)
        known = {q.key: q for q in source.questions()}
        for key in texts:
            if key not in known:
                self.problem(path, _line(texts, key), f"texts for unknown question {key!r}")
        for key, question in known.items():
            entry = texts.get(key)
            if not isinstance(entry, dict):
                self.problem(path, _line(texts, key), f"missing texts of question {key!r}")
                continue
            self.unknown(entry, QUESTION_TEXT_KEYS, path, f"question {key!r}")
            found = {"text": self.text(entry, "text", path, f"text of question {key!r}")}
            if "help" in entry:
                found["help"] = self.text(entry, "help", path, f"help of question {key!r}")
            if question.kind == "scale":
                found["scale"] = self.scale(entry, key, path)
            else:
                found["options"] = self.option_texts(entry, question, path)
            if all(value is not None for value in found.values()):
                question.texts[locale] = found

    def scale(self, entry, key: str, path: Path) -> list | None:
        labels = entry.get("scale")
        if not isinstance(labels, list) or len(labels) != 2:
            self.problem(path, _line(entry, "scale"), f"scale of {key!r}: labels of 0 and 5")
            return None
        cleaned = [self.text({"label": label}, "label", path, "scale label") for label in labels]
        return cleaned if all(cleaned) else None

    def option_texts(self, entry, question: QuestionSource, path: Path) -> dict | None:
        texts = entry.get("options")
        if not isinstance(texts, dict):
            self.problem(path, _line(entry, "options"), f"missing options of {question.key!r}")
            return None
        keys = {option["key"] for option in question.options}
        for name in texts:
            if str(name) not in keys:
                self.problem(path, _line(texts, name), f"text for unknown option {name!r}")
        found = {}
        for option in question.options:
            text = self.text(texts, option["key"], path, f"option {option['key']!r}")
            if text is None:
                return None
            found[option["key"]] = text
        return found


def read_assessment(root: Path) -> tuple[list[AssessmentSource], list[Problem]]:
    """Read content/assessment (at most one questionnaire); the source and the problems."""
    reader = _Reader(Path(root))
    found = reader.read()
    return found, reader.sorted_problems()
