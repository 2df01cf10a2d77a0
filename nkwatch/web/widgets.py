"""Small pieces of HTML that lists repeat on every row (confidence meter, badges) and the filter selects, built in
Python and given to the templates as globals: a Jinja macro call costs tens of microseconds, and one page of
incidents made a few hundred of them (a select of every gazetteer place alone was a fifth of the page's time)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from markupsafe import Markup

from nkwatch.web import present

STATUS_WORDS = {"machine": "to review", "publishable": "published"}


def conf(value: float | None) -> Markup:
    """A confidence score as a meter and its figure."""
    v = float(value or 0.0)
    return Markup('<span class="conf" title="confidence {0:.2f}"><meter min="0" max="1" low="0.45" high="0.7" '
                  'optimum="1" value="{1}"></meter> {0:.2f}</span>').format(v, v)  # fmt: skip


def status(s: str | None) -> Markup:
    return Markup('<span class="badge status-{0}">{1}</span>').format(s, STATUS_WORDS.get(s or "", s))


def kind(k: str | None) -> Markup:
    return Markup('<span class="badge kind-{0}">{0}</span>').format(k)


def select(name: str, options: Iterable[str | tuple[str, str]], current: str | None, any: str = "Any",
           labels: bool = True) -> Markup:  # fmt: skip
    """A filter's <select>: options are values (shown as their labels) or (value, text) pairs."""
    return _select(name, tuple(tuple(o) if isinstance(o, list) else o for o in options), current, any, labels)


@lru_cache(maxsize=1024)  # a few selects times their current values: the same HTML again and again
def _select(name: str, options: tuple, current: str | None, any: str, labels: bool) -> Markup:
    out = [Markup('<select name="{0}" id="f-{0}">\n  <option value="">{1}</option>').format(name, any)]
    for o in options:
        v, t = (o, present.label(o) if labels else o) if isinstance(o, str) else (o[0], o[1])
        out.append(Markup('\n  <option value="{0}"{1}>{2}</option>').format(v, Markup(" selected") if current == v
                                                                            else "", t))  # fmt: skip
    out.append(Markup("\n</select>"))
    return Markup("").join(out)


GLOBALS = {"conf": conf, "status": status, "kind": kind, "select": select}
