"""Content kept as files under content/ (courses, the self-assessment): YAML read with line
numbers, problems reported with file and line, and the `content check` / `content sync`
commands, which run every domain's registered content source in order.

A domain registers a `ContentSource` (how to read its folder into plain objects and problems,
how to write what changed); nothing is imported while any source has a problem.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from app.core.text import clean_text, has_visible
from app.extensions import db

# A stable key written in content files: lower-case letters, digits and hyphens.
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,78}$")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


# --- YAML with line numbers ------------------------------------------------------------------


class _Map(dict):
    line = 0
    lines: dict


class _List(list):
    line = 0
    lines: list


class LineLoader(yaml.SafeLoader):
    """A safe YAML loader whose mappings and lists remember the line of each item."""

    def construct_mapping(self, node, deep=False):
        result = _Map(super().construct_mapping(node, deep=True))
        result.line = node.start_mark.line + 1
        result.lines = {
            self.construct_object(key, deep=True): key.start_mark.line + 1
            for key, _value in node.value
        }
        return result

    def construct_sequence(self, node, deep=False):
        result = _List(super().construct_sequence(node, deep=True))
        result.line = node.start_mark.line + 1
        result.lines = [item.start_mark.line + 1 for item in node.value]
        return result


LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, LineLoader.construct_mapping
)
LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, LineLoader.construct_sequence
)


def line_of(container, key) -> int:
    """The line of `key` in a mapping (or of item `key` in a list) read by LineLoader."""
    lines = getattr(container, "lines", None)
    if isinstance(lines, dict):
        return lines.get(key, getattr(container, "line", 1))
    if isinstance(lines, list) and isinstance(key, int) and key < len(lines):
        return lines[key]
    return getattr(container, "line", 1)


class FileReader:
    """Collects problems with paths shown relative to the content folder's parent."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def problem(self, path: Path, line: int, message: str) -> None:
        try:
            shown = str(path.relative_to(self.root.parent))
        except ValueError:
            shown = str(path)
        self.problems.append(Problem(shown, line, message))

    def load_yaml(self, path: Path):
        try:
            data = yaml.load(path.read_text("utf-8"), Loader=LineLoader)  # noqa: S506 - SafeLoader subclass
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            self.problem(path, mark.line + 1 if mark else 1, f"invalid YAML: {error}")
            return None
        if not isinstance(data, dict):
            self.problem(path, 1, "expected a mapping (key: value lines)")
            return None
        return data

    def text(self, data, key, path, what) -> str | None:
        value = data.get(key)
        value = clean_text(value) if isinstance(value, str) else None  # NFC, no NUL or bidi
        if not value or not has_visible(value):
            self.problem(path, line_of(data, key), f"missing {what}")
            return None
        return value.strip()

    def sorted_problems(self) -> list[Problem]:
        return sorted(set(self.problems), key=lambda p: (p.path, p.line, p.message))


def update_changed(obj, changes: list[str], label: str, **values) -> None:
    """Set the values that differ on an imported row; note them in `changes` for a row that
    existed (a new row is noted once, where it is added)."""
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed and obj.id is not None:
        changes.append(f"{label}: updated {', '.join(sorted(changed))}")


# --- sources and commands --------------------------------------------------------------------


@dataclass(frozen=True)
class ContentSource:
    name: str
    # Read the content folder: the plain objects and every problem found (nothing written).
    read: Callable[[Path], tuple[list, list[Problem]]]
    # Write what changed; return one line per change (empty when nothing changed).
    sync: Callable[[list], list[str]]
    # A short summary of what was read, for `content check`.
    describe: Callable[[list], str]
    order: int = 100


_SOURCES: dict[str, ContentSource] = {}


def content_source(source: ContentSource) -> ContentSource:
    _SOURCES[source.name] = source
    return source


def content_sources() -> list[ContentSource]:
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.name))


def read_all(root: Path) -> tuple[dict[str, list], list[Problem]]:
    """Read every source; the objects by source name and all problems."""
    found, problems = {}, []
    for source in content_sources():
        items, source_problems = source.read(Path(root))
        found[source.name] = items
        problems.extend(source_problems)
    return found, problems


content_cli = AppGroup("content", help="Validate and import the content in content/.")


def _read():
    found, problems = read_all(current_app.config["CONTENT_DIR"])
    for problem in problems:
        click.echo(str(problem), err=True)
    return found, problems


@content_cli.command("check")
def content_check():
    """Validate all content; report every problem with file and line, exit 1 on any."""
    found, problems = _read()
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported.")
    summary = "; ".join(source.describe(found[source.name]) for source in content_sources())
    click.echo(f"Content is valid: {summary}.")


@content_cli.command("sync")
def content_sync():
    """Check the content, then import what changed (a second run with no change writes nothing)."""
    found, problems = _read()
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) found; nothing was imported.")
    changes = [change for source in content_sources() for change in source.sync(found[source.name])]
    if not changes:
        db.session.rollback()
        click.echo("Content is up to date: no change.")
        return
    db.session.commit()
    for change in changes:
        click.echo(f"  {change}")
    click.echo(f"{len(changes)} change(s) imported.")
