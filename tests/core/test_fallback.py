"""Per-language texts: the fallback chain, the reader's own second language, and which language
a text is shown in."""

import pytest

from app.core.fallback import Picked, fallback_chain, pick


@pytest.mark.parametrize(
    ("locale", "second", "chain"),
    [
        ("ca", None, ("ca", "es", "en")),  # the built-in chain stays
        ("ca", "en", ("ca", "en", "es")),  # the reader's choice comes first, the rest follows
        ("ca", "it", ("ca", "it", "es", "en")),
        ("lv", None, ("lv", "en")),
        ("lv", "lt", ("lv", "lt", "en")),
        ("en", None, ("en",)),
        ("en", "sv", ("en", "sv")),
        ("es", "es", ("es", "en")),  # the same as the main language adds nothing
        ("it", "xx", ("it", "en")),  # an unknown code is ignored
    ],
)
def test_the_second_language_comes_before_the_built_in_chain(locale, second, chain):
    assert fallback_chain(locale, second) == chain


def test_pick_says_which_language_it_used():
    texts = {"es": "Curso de ejemplo", "en": "Sample course", "lv": "Parauga kurss"}
    assert pick(texts, "ca") == Picked("Curso de ejemplo", "es", "ca")
    assert pick(texts, "ca").fallback
    assert pick(texts, "ca", "en") == Picked("Sample course", "en", "ca")
    assert pick(texts, "ca", "lv").lang == "lv"
    own = pick(texts, "lv", "es")
    assert (own.text, own.lang, own.fallback) == ("Parauga kurss", "lv", False)
    assert str(own) == "Parauga kurss"


def test_pick_skips_empty_texts_and_ends_with_whatever_exists():
    assert pick({"en": "", "sv": "Delade kalendrar"}, "it") == Picked(
        "Delade kalendrar", "sv", "it"
    )
    nothing = pick({}, "lt")
    assert (nothing.text, nothing.fallback) == ("", False)
    assert pick(None, "lt").text == ""
