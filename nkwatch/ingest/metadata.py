"""Source metadata: from the file itself, from command-line flags, or from a FILE.meta.json sidecar.

Precedence, most specific first: the sidecar (written for that one file), then the flags (given for the
whole batch), then what the reader found in the file, then detection (language) and defaults.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from nkwatch import vocab

SIDECAR_SUFFIX = ".meta.json"
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class MetadataError(ValueError):
    """Metadata that cannot be used (bad sidecar JSON, unknown kind, malformed date); says which and why."""


@dataclass
class SourceMeta:
    kind: str | None = None
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published_at: str | None = None
    reliability: str | None = None
    language: str | None = None

    def merged_over(self, other: SourceMeta) -> SourceMeta:
        """Self's values where set, else other's."""
        return SourceMeta(**{f.name: getattr(self, f.name) or getattr(other, f.name) for f in fields(self)})


def normalise_date(value: Any, *, field: str = "published_at") -> str | None:
    """An ISO date as precise as known ('2024', '2024-04', '2024-04-26'); datetimes lose their time."""
    if value in (None, ""):
        return None
    s = str(value).strip()[:10]
    if not _DATE.match(s):
        raise MetadataError(f"{field}: {value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return s


def validate(meta: SourceMeta) -> SourceMeta:
    """Check values against the vocabularies; raises MetadataError naming the bad field."""
    try:
        vocab.check("source_kinds", meta.kind, field="kind")
        if meta.reliability is not None:
            meta.reliability = meta.reliability.upper()
        vocab.check("reliability", meta.reliability, field="reliability")
    except ValueError as e:
        raise MetadataError(str(e)) from e
    if meta.kind == "testimony":  # would put a witness's words, names included, in the clear tables
        raise MetadataError("kind: a testimony is not ingested as an ordinary source; record it in the witness "
                            "vault (`nkwatch interview add WITNESS FILE`), which keeps it encrypted and adds "
                            "a redacted copy as the source")  # fmt: skip
    meta.published_at = normalise_date(meta.published_at)
    if meta.language is not None and not re.fullmatch(r"[a-z]{2}", meta.language):
        raise MetadataError(f"language: {meta.language!r} is not an ISO 639-1 code such as 'en' or 'ko'")
    return meta


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> SourceMeta:
    """The metadata in PATH.meta.json beside `path`, or empty metadata when there is none."""
    side = sidecar_path(path)
    if not side.exists():
        return SourceMeta()
    try:
        raw = json.loads(side.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise MetadataError(f"sidecar {side.name} is not valid JSON: {e}") from e
    if not isinstance(raw, dict):
        raise MetadataError(f"sidecar {side.name} must hold a JSON object")
    known = {f.name for f in fields(SourceMeta)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise MetadataError(f"sidecar {side.name} has unknown fields: {', '.join(unknown)}")
    return SourceMeta(**{k: (str(v) if v is not None else None) for k, v in raw.items()})


_ENGLISH = re.compile(r"\b(?:the|of|and|to|in|that|was|were|is|for|with)\b")


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language.

    Plain English prose (mostly ASCII, dense in English function words) is recognised directly; anything
    else goes to py3langid, whose model ships inside the package (no download)."""
    sample = text[:800]  # enough to tell languages apart; classification cost grows with the sample
    if not sample.strip():
        return None
    words = sample.split()
    mostly_ascii = len(sample.encode("utf-8")) - len(sample) < 0.1 * len(sample)  # few multi-byte characters
    if mostly_ascii and len(words) >= 40 and len(_ENGLISH.findall(sample.lower())) > 0.15 * len(words):
        return "en"
    import py3langid

    lang, _score = py3langid.classify(sample)
    return lang
