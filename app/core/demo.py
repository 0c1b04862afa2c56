"""Helpers for `demo seed`, shared by the domains that add demo data."""


def only_demo_texts(texts: dict | None, *versions: dict) -> bool:
    """True when every text of a {locale: text} map is one the demo itself wrote (in one of
    `versions`, the current and the earlier ones): a re-seed may then replace the map, while a
    text someone typed in is never overwritten."""
    return all(
        any(version.get(locale) == text for version in versions)
        for locale, text in (texts or {}).items()
    )
