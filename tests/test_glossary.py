"""Key terms read the same everywhere: each language's glossary (translations/glossary/) names
its one chosen translation of every term in terms.yml, and a catalog entry whose English source
uses a term must use one of that language's forms of it."""

import re
from pathlib import Path

import pytest
import yaml
from babel.messages.pofile import read_po

from tests.test_i18n import TARGETS, TRANSLATIONS

GLOSSARY = TRANSLATIONS / "glossary"


def terms() -> dict[str, re.Pattern]:
    raw = yaml.safe_load((GLOSSARY / "terms.yml").read_text("utf-8"))
    return {term: re.compile(pattern, re.IGNORECASE) for term, pattern in raw.items()}


def glossary(locale: str) -> dict:
    return yaml.safe_load(Path(GLOSSARY / f"{locale}.yml").read_text("utf-8")) or {}


def misses(locale: str) -> list[str]:
    """Catalog entries whose source has a term but whose translation has none of its forms."""
    chosen = glossary(locale)
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=locale)
    found = []
    for message in catalog:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, tuple) else (message.id,)
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        translation = " ".join(targets).lower()
        for term, pattern in terms().items():
            entry = chosen[term]
            if sources[0] in (entry.get("except") or {}):
                continue
            if any(pattern.search(source) for source in sources) and not any(
                form.lower() in translation for form in entry["forms"]
            ):
                found.append(f"{term} ({entry['chosen']}): {sources[0]!r} -> {targets[0]!r}")
    return found


@pytest.mark.parametrize("locale", TARGETS)
def test_every_term_has_one_chosen_translation_and_its_forms(locale):
    chosen = glossary(locale)
    assert set(chosen) == set(terms()), "the glossary must list exactly the terms of terms.yml"
    for term, entry in chosen.items():
        assert entry.get("chosen"), f"{term}: no chosen translation"
        assert entry.get("forms") and all(entry["forms"]), f"{term}: no forms"
        for source, reason in (entry.get("except") or {}).items():
            assert terms()[term].search(source), f"{term}: exception {source!r} has no such term"
            assert reason, f"{term}: say why {source!r} is an exception"


@pytest.mark.parametrize("locale", TARGETS)
def test_catalog_entries_use_the_glossary_terms(locale):
    assert misses(locale) == []


def test_the_check_flags_a_translation_without_the_chosen_term(tmp_path, monkeypatch):
    """The check itself: an entry that uses another word for a term is reported."""
    import tests.test_glossary as module

    (tmp_path / "glossary").mkdir()
    (tmp_path / "glossary" / "terms.yml").write_text("workshop: '\\bworkshops?\\b'\n", "utf-8")
    (tmp_path / "glossary" / "it.yml").write_text(
        "workshop:\n  chosen: laboratorio\n  forms: [laborator]\n", "utf-8"
    )
    messages = tmp_path / "it" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Workshops"\nmsgstr "Laboratori"\n\n'
        'msgid "Register for the workshop"\nmsgstr "Iscriviti al seminario"\n',
        "utf-8",
    )
    monkeypatch.setattr(module, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(module, "GLOSSARY", tmp_path / "glossary")
    assert module.misses("it") == [
        "workshop (laboratorio): 'Register for the workshop' -> 'Iscriviti al seminario'"
    ]
