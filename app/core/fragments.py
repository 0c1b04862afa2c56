"""Parts of a page kept in each worker, keyed by everything they show.

`kept(template, key, **context)` renders `template` with `context` the first time a `key` is seen
and returns the same HTML for that key afterwards. The key is the caller's promise: it holds
every value the fragment shows (the row's fields as this request read them, the reader's
languages, time zone ...), so a kept fragment is never stale: changed data makes another key.
What the key saves is the rendering, not the reading. The store is bounded: it starts afresh
when full.
"""

from collections.abc import Hashable

from flask import current_app, render_template
from markupsafe import Markup

_KEPT = "doimpact.fragments"
_MAX_KEPT = 4096


def kept(template: str, key: Hashable, **context) -> Markup:
    store = current_app.extensions.setdefault(_KEPT, {})
    full_key = (template, key)
    html = store.get(full_key)
    if html is None:
        html = render_template(template, **context)
        if len(store) >= _MAX_KEPT:
            store.clear()
        store[full_key] = html
    return Markup(html)  # noqa: S704 -- our template's output
