"""Read content/courses/ into plain objects and report every problem with its file and line.

Nothing here touches the database: `content check` runs this alone, `content sync` runs it and
then writes what changed (see sync.py).
"""

import hashlib
import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from app.config import LOCALES
from app.core.content import KEY, FileReader, Problem
from app.core.content import line_of as _line

LEVELS = ("foundation", "intermediate", "advanced")
# DigComp 2.2: 5 areas, 21 competences.
DIGCOMP = {
    f"{area}.{n}"
    for area, count in ((1, 3), (2, 6), (3, 4), (4, 4), (5, 4))
    for n in range(1, count + 1)
}
# GreenComp: 4 areas of 3 competences.
GREENCOMP = {f"{area}.{n}" for area in range(1, 5) for n in range(1, 4)}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".svg", ".webp", ".gif"}
SOURCE = "en"


@dataclass
class LessonSource:
    key: str
    texts: dict = field(default_factory=dict)  # locale -> LessonFile


@dataclass
class LessonFile:
    title: str
    html: str
    words: int
    source_hash: str
    path: Path | None = None
    raw: str = ""
    links: list = field(default_factory=list)


@dataclass
class QuestionSource:
    key: str
    multiple: bool
    texts: dict
    options: list  # [{"key", "correct", "texts", "feedback"}]


@dataclass
class ModuleSource:
    key: str
    titles: dict
    lessons: list
    pass_mark: int = 70
    questions: list = field(default_factory=list)


@dataclass
class CourseSource:
    key: str
    level: str
    minutes: int
    digcomp: list
    greencomp: list
    prerequisites: list
    titles: dict
    summaries: dict
    modules: list
    prerequisite_lines: list = field(default_factory=list)


# --- Markdown rendering ----------------------------------------------------------------------

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "br",
    "div",
    "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "class", "rel", "target"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "div": {"class"},
    "p": {"class"},
    # lang: a title of a source published in one language only (an English guide in a Latvian
    # lesson) is marked as such, so screen readers pronounce it right and readers see why.
    "span": {"class", "lang"},
    "em": {"lang"},
    "th": {"align", "scope"},
    "td": {"align"},
    "code": {"class"},
}


class _Links(Treeprocessor):
    """Resolve lesson: links and course images, mark links to other sites as external."""

    def __init__(self, md, context):
        super().__init__(md)
        self.context = context

    def run(self, root: etree.Element):
        context = self.context
        for element in root.iter():
            if element.tag == "h1":
                element.tag = "h2"  # the page gives the lesson's h1
            if element.tag == "a":
                href = element.get("href", "")
                if href.startswith("lesson:"):
                    target = href.removeprefix("lesson:")
                    context["links"].append(target)
                    element.set("href", f"/courses/{context['course']}/lessons/{target}")
                elif re.match(r"^(https?:)?//", href):
                    element.set("rel", "external noopener noreferrer")
                    element.set("class", "external")
                elif href.startswith(("mailto:", "#", "/")):
                    pass
                else:
                    context["bad_links"].append(href)
            if element.tag == "img":
                src = element.get("src", "")
                context["images"].append(src)
                element.set(
                    "src", f"/courses/{context['course']}/media/{src.removeprefix('images/')}"
                )
                element.set("loading", "lazy")


class _LinksExtension(Extension):
    def __init__(self, context):
        super().__init__()
        self.context = context

    def extendMarkdown(self, md):
        md.treeprocessors.register(_Links(md, self.context), "doimpact_links", 1)


def render_markdown(text: str, course_key: str) -> tuple[str, dict]:
    """Render and sanitise a lesson body; return the HTML and what it links to."""
    context = {"course": course_key, "links": [], "images": [], "bad_links": []}
    html = markdown.markdown(
        text,
        extensions=["admonition", "tables", "sane_lists", _LinksExtension(context)],
        output_format="html",
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        link_rel=None,
        url_schemes={"http", "https", "mailto"},
    )
    return clean, context


# --- reading ---------------------------------------------------------------------------------


class _Reader(FileReader):
    # -- courses --

    def read(self) -> list[CourseSource]:
        courses = []
        folder = self.root / "courses"
        if not folder.is_dir():
            return courses
        for course_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
            course = self.read_course(course_dir)
            if course:
                courses.append(course)
        self.check_prerequisites(courses, folder)
        return courses

    def read_course(self, course_dir: Path) -> CourseSource | None:
        path = course_dir / "course.yml"
        if not path.exists():
            self.problem(course_dir, 1, "course folder without course.yml")
            return None
        data = self.load_yaml(path)
        if data is None:
            return None
        key = data.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            self.problem(path, _line(data, "key"), "missing or invalid course key")
            return None
        if key != course_dir.name:
            self.problem(path, _line(data, "key"), f"key {key!r} differs from the folder name")
        level = data.get("level")
        if level not in LEVELS:
            self.problem(path, _line(data, "level"), f"level must be one of {', '.join(LEVELS)}")
        minutes = data.get("minutes")
        if not isinstance(minutes, int) or minutes <= 0:
            self.problem(path, _line(data, "minutes"), "minutes must be a positive whole number")
            minutes = 0
        digcomp = self.codes(data, "digcomp", DIGCOMP, "DigComp 2.2", path, required=True)
        greencomp = self.codes(data, "greencomp", GREENCOMP, "GreenComp", path, required=False)
        prerequisites = data.get("prerequisites") or []
        if not isinstance(prerequisites, list):
            self.problem(path, _line(data, "prerequisites"), "prerequisites must be a list of keys")
            prerequisites = []
        prerequisite_lines = [_line(prerequisites, i) for i in range(len(prerequisites))]

        titles, summaries, module_titles = self.read_course_texts(course_dir)
        modules = []
        seen_modules, seen_lessons = set(), {}
        entries = data.get("modules")
        if not isinstance(entries, list) or not entries:
            self.problem(path, _line(data, "modules"), "a course needs at least one module")
            entries = []
        for index, entry in enumerate(entries):
            line = _line(entries, index)
            if not isinstance(entry, dict) or not KEY.match(str(entry.get("key", ""))):
                self.problem(path, line, "a module needs a valid key")
                continue
            module_key = entry["key"]
            if module_key in seen_modules:
                self.problem(path, line, f"duplicate module key {module_key!r}")
                continue
            seen_modules.add(module_key)
            lesson_keys = entry.get("lessons")
            if not isinstance(lesson_keys, list) or not lesson_keys:
                self.problem(path, _line(entry, "lessons"), f"module {module_key!r} has no lessons")
                lesson_keys = []
            lessons = []
            for position, lesson_key in enumerate(lesson_keys):
                lesson_line = _line(lesson_keys, position)
                if not isinstance(lesson_key, str) or not KEY.match(lesson_key):
                    self.problem(path, lesson_line, f"invalid lesson key {lesson_key!r}")
                    continue
                if lesson_key in seen_lessons:
                    self.problem(path, lesson_line, f"duplicate lesson key {lesson_key!r}")
                    continue
                seen_lessons[lesson_key] = module_key
                lessons.append(
                    self.read_lesson(course_dir, key, module_key, lesson_key, path, lesson_line)
                )
            module = ModuleSource(
                key=module_key,
                titles={loc: t[module_key] for loc, t in module_titles.items() if module_key in t},
                lessons=lessons,
            )
            self.read_quiz(course_dir / module_key, module)
            modules.append(module)
        self.check_module_titles(course_dir, seen_modules)
        self.check_lesson_links(course_dir, modules, seen_lessons)
        return (
            CourseSource(
                key=key,
                level=level or "",
                minutes=minutes,
                digcomp=digcomp,
                greencomp=greencomp,
                prerequisites=[str(p) for p in prerequisites],
                titles=titles,
                summaries=summaries,
                modules=modules,
                prerequisite_lines=prerequisite_lines,
            )
            if key == course_dir.name
            else None
        )

    def codes(self, data, name, allowed, label, path, required) -> list[str]:
        values = data.get(name) or []
        if not isinstance(values, list):
            self.problem(path, _line(data, name), f"{name} must be a list of codes")
            return []
        if required and not values:
            self.problem(path, _line(data, name), f"list the {label} competences the course builds")
        good = []
        for index, code in enumerate(values):
            code = str(code)
            if code not in allowed:
                self.problem(path, _line(values, index), f"unknown {label} competence {code!r}")
            else:
                good.append(code)
        return good

    def read_course_texts(self, course_dir: Path):
        titles, summaries, module_titles = {}, {}, {}
        self._text_files = {}
        for path in sorted(course_dir.glob("course.*.yml")):
            locale = path.name.split(".")[1]
            if locale not in LOCALES:
                self.problem(path, 1, f"unknown language {locale!r} in the file name")
                continue
            data = self.load_yaml(path)
            if data is None:
                continue
            self._text_files[locale] = (path, data)
            title = self.text(data, "title", path, f"course title ({locale})")
            summary = self.text(data, "summary", path, f"course summary ({locale})")
            if title:
                titles[locale] = title
            if summary:
                summaries[locale] = summary
            modules = data.get("modules")
            module_titles[locale] = dict(modules) if isinstance(modules, dict) else {}
        if SOURCE not in self._text_files:
            self.problem(course_dir / "course.en.yml", 1, "missing the English course texts")
        return titles, summaries, module_titles

    def check_module_titles(self, course_dir: Path, module_keys: set[str]) -> None:
        for locale, (path, data) in self._text_files.items():
            modules = data.get("modules")
            if not isinstance(modules, dict):
                self.problem(path, _line(data, "modules"), f"missing module titles ({locale})")
                continue
            for key in sorted(module_keys):
                value = modules.get(key)
                if not isinstance(value, str) or not value.strip():
                    line = _line(modules, key) if key in modules else _line(data, "modules")
                    self.problem(path, line, f"missing title of module {key!r} ({locale})")
            for key in modules:
                if key not in module_keys:
                    self.problem(path, _line(modules, key), f"title for unknown module {key!r}")

    # -- lessons --

    def read_lesson(self, course_dir, course_key, module_key, lesson_key, yml, yml_line):
        lesson = LessonSource(key=lesson_key)
        folder = course_dir / module_key
        if not (folder / f"{lesson_key}.{SOURCE}.md").exists():
            self.problem(
                yml,
                yml_line,
                f"lesson {lesson_key!r} has no English file {module_key}/{lesson_key}.en.md",
            )
        for locale in LOCALES:
            path = folder / f"{lesson_key}.{locale}.md"
            if not path.exists():
                continue
            raw = path.read_text("utf-8")
            first, _, body = raw.partition("\n")
            if not first.startswith("# ") or not first[2:].strip():
                self.problem(path, 1, f"missing lesson title ({locale}): start with '# Title'")
                continue
            for number, text_line in enumerate(raw.splitlines(), start=1):
                if re.match(r"^!!!\s+\w+\s*$", text_line):
                    self.problem(
                        path, number, 'give the callout a title in quotes: !!! tip "Title"'
                    )
            html, context = render_markdown(body, course_key)
            lesson.texts[locale] = LessonFile(
                title=first[2:].strip(),
                html=html,
                words=len(raw.split()),
                source_hash=hashlib.sha256(raw.encode()).hexdigest(),
                path=path,
                raw=raw,
                links=context["links"],  # checked once all lessons of the course are known
            )
            for image in context["images"]:
                image_path = (course_dir / image).resolve()
                if (
                    not image.startswith("images/")
                    or course_dir.resolve() not in image_path.parents
                    or not image_path.is_file()
                    or image_path.suffix.lower() not in IMAGE_SUFFIXES
                ):
                    self.problem(
                        path, _find_line(raw, image), f"image not found in images/: {image}"
                    )
            for href in context["bad_links"]:
                self.problem(
                    path, _find_line(raw, href), f"link to a file: use lesson:<key> ({href})"
                )
        return lesson

    def check_lesson_links(self, course_dir, modules, lesson_keys) -> None:
        for module in modules:
            for lesson in module.lessons:
                for text in lesson.texts.values():
                    for target in text.links:
                        if target not in lesson_keys:
                            self.problem(
                                text.path,
                                _find_line(text.raw, "lesson:" + target),
                                f"broken link to lesson {target!r}",
                            )

    # -- quizzes --

    def read_quiz(self, folder: Path, module: ModuleSource) -> None:
        source_path = folder / f"quiz.{SOURCE}.yml"
        if not source_path.exists():
            self.problem(source_path, 1, f"module {module.key!r} has no knowledge check")
            return
        source = self.read_quiz_file(source_path, SOURCE)
        if source is None:
            return
        pass_mark, questions = source
        module.pass_mark = pass_mark
        for question, _line_no in questions:
            for option in question.options:
                option["texts"] = {SOURCE: option.pop("text")}
                option["feedbacks"] = {SOURCE: option.pop("feedback")}
                option.pop("line")
        module.questions = [question for question, _line_no in questions]
        for path in sorted(folder.glob("quiz.*.yml")):
            locale = path.name.split(".")[1]
            if locale == SOURCE:
                continue
            if locale not in LOCALES:
                self.problem(path, 1, f"unknown language {locale!r} in the file name")
                continue
            translated = self.read_quiz_file(path, locale)
            if translated is None:
                continue
            self.merge_translation(path, locale, (pass_mark, module.questions), translated, module)

    def read_quiz_file(self, path: Path, locale: str):
        data = self.load_yaml(path)
        if data is None:
            return None
        pass_mark = data.get("pass_mark")
        if not isinstance(pass_mark, int) or not 1 <= pass_mark <= 100:
            self.problem(
                path, _line(data, "pass_mark"), "pass_mark must be a percentage from 1 to 100"
            )
            pass_mark = 70
        entries = data.get("questions")
        if not isinstance(entries, list) or not entries:
            self.problem(path, _line(data, "questions"), "a knowledge check needs questions")
            return None
        questions, seen = [], set()
        for index, entry in enumerate(entries):
            line = _line(entries, index)
            if not isinstance(entry, dict) or not KEY.match(str(entry.get("key", ""))):
                self.problem(path, line, "a question needs a valid key")
                continue
            key = entry["key"]
            if key in seen:
                self.problem(path, line, f"duplicate question key {key!r}")
                continue
            seen.add(key)
            text = self.text(entry, "text", path, f"text of question {key!r}")
            multiple = entry.get("multiple", False)
            if not isinstance(multiple, bool):
                self.problem(path, _line(entry, "multiple"), "multiple must be true or false")
                multiple = False
            options = self.read_options(path, entry, key, multiple)
            questions.append(
                (
                    QuestionSource(
                        key=key, multiple=multiple, texts={locale: text or ""}, options=options
                    ),
                    line,
                )
            )
        return pass_mark, questions

    def read_options(self, path, entry, question_key, multiple) -> list:
        raw = entry.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            self.problem(
                path,
                _line(entry, "options"),
                f"question {question_key!r} needs at least two options",
            )
            return []
        options, seen = [], set()
        for index, option in enumerate(raw):
            line = _line(raw, index)
            if not isinstance(option, dict) or not KEY.match(str(option.get("key", ""))):
                self.problem(path, line, f"an option of {question_key!r} needs a valid key")
                continue
            if option["key"] in seen:
                self.problem(
                    path, line, f"duplicate option key {option['key']!r} in {question_key!r}"
                )
                continue
            seen.add(option["key"])
            correct = option.get("correct", False)
            if not isinstance(correct, bool):
                self.problem(path, _line(option, "correct"), "correct must be true or false")
                correct = False
            text = self.text(option, "text", path, f"text of option {option['key']!r}")
            feedback = self.text(option, "feedback", path, f"feedback of option {option['key']!r}")
            options.append(
                {
                    "key": option["key"],
                    "correct": correct,
                    "text": text or "",
                    "feedback": feedback or "",
                    "line": line,
                }
            )
        right = sum(1 for option in options if option["correct"])
        if options and right == 0:
            self.problem(
                path, _line(entry, "options"), f"question {question_key!r} has no correct answer"
            )
        if not multiple and right > 1:
            self.problem(
                path,
                _line(entry, "options"),
                f"question {question_key!r} has {right} correct answers: set multiple: true",
            )
        return options

    def merge_translation(self, path, locale, source, translated, module) -> None:
        source_mark, source_questions = source
        mark, questions = translated
        if mark != source_mark:
            self.problem(path, 1, f"pass_mark differs from the English quiz ({source_mark})")
        by_key = {question.key: (question, line) for question, line in questions}
        for question in source_questions:
            found = by_key.pop(question.key, None)
            if found is None:
                self.problem(path, 1, f"question {question.key!r} of the English quiz is missing")
                continue
            other, line = found
            if other.multiple != question.multiple:
                self.problem(
                    path, line, f"question {question.key!r}: multiple differs from English"
                )
            source_options = {o["key"]: o for o in question.options}
            other_options = {o["key"]: o for o in other.options}
            if set(source_options) != set(other_options):
                self.problem(
                    path, line, f"question {question.key!r}: option keys differ from English"
                )
                continue
            for key, option in other_options.items():
                if option["correct"] != source_options[key]["correct"]:
                    self.problem(
                        path, option["line"], f"option {key!r}: correct differs from English"
                    )
            question.texts[locale] = other.texts[locale]
            for option in question.options:
                option["texts"][locale] = other_options[option["key"]]["text"]
                option["feedbacks"][locale] = other_options[option["key"]]["feedback"]
        for key, (_question, line) in by_key.items():
            self.problem(path, line, f"question {key!r} is not in the English quiz")

    # -- prerequisites --

    def check_prerequisites(self, courses: list[CourseSource], folder: Path) -> None:
        keys = {course.key for course in courses}
        graph, edge_lines = {}, {}
        for course in courses:
            path = folder / course.key / "course.yml"
            graph[course.key] = []
            for key, line in zip(course.prerequisites, course.prerequisite_lines, strict=True):
                if key not in keys:
                    self.problem(path, line, f"unknown prerequisite course {key!r}")
                else:
                    graph[course.key].append(key)
                    edge_lines[course.key, key] = line
        state: dict[str, int] = {}

        def visit(key, trail):
            state[key] = 1
            for nxt in graph[key]:
                if state.get(nxt) == 1:
                    cycle = " -> ".join([*trail[trail.index(nxt) :], nxt])
                    self.problem(
                        folder / key / "course.yml",
                        edge_lines[key, nxt],
                        f"prerequisite cycle: {cycle}",
                    )
                elif nxt not in state:
                    visit(nxt, [*trail, nxt])
            state[key] = 2

        for key in sorted(graph):
            if key not in state:
                visit(key, [key])


def _find_line(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def read_content(root: Path) -> tuple[list[CourseSource], list[Problem]]:
    """Read every course under root/courses; return the courses and the problems found."""
    reader = _Reader(Path(root))
    courses = reader.read()
    return courses, reader.sorted_problems()
