"""Per-file reader budgets: how much text, structure and unpacked XML one file may produce.

A small file can expand enormously (a 356 KB DOCX held 100 MB of one-letter paragraphs), and the memory a
reader spends grows with what it produces, not with the file's size on disk. So every reader counts as it
goes and stops the moment a budget is exceeded, before the memory is spent; the file is refused with a
BudgetError (readers/_budget.py) naming the budget, its limit and the flag that raises it. The defaults
hold real reports with room to spare: the UN Commission of Inquiry's 370-page report is about 1.5 million
characters and about 3,000 claims. Kept apart from the readers so the CLI can import it cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CHARS = 5_000_000  # characters of extracted text
MAX_PARAGRAPHS = 50_000  # paragraphs (or lines, for text and Markdown); a long UN report has ~20,000
MAX_PAGES = 3_000  # PDF pages
MAX_CLAIMS = 20_000  # claims extracted from one file
MAX_UNPACKED = 256 * 1024 * 1024  # bytes of XML actually decompressed from a DOCX


@dataclass(frozen=True)
class Budget:
    chars: int = MAX_CHARS
    paragraphs: int = MAX_PARAGRAPHS
    pages: int = MAX_PAGES
    claims: int = MAX_CLAIMS
    unpacked_bytes: int = MAX_UNPACKED


DEFAULT_BUDGET = Budget()
