"""BudgetError and the check every reader makes as it counts (the limits are in nkwatch.ingest.budget)."""

from __future__ import annotations

from nkwatch.ingest.budget import DEFAULT_BUDGET, MAX_UNPACKED, Budget
from nkwatch.ingest.readers._base import ReadError, human_size

__all__ = ["DEFAULT_BUDGET", "MAX_UNPACKED", "Budget", "BudgetError", "check"]

# budget field -> (what is counted, the `nkwatch ingest` flag that raises it)
_WHAT = {
    "chars": ("characters of text", "--max-chars"),
    "paragraphs": ("paragraphs or lines", "--max-paragraphs"),
    "pages": ("pages", "--max-pages"),
    "claims": ("claims", "--max-claims"),
    "unpacked_bytes": ("of unpacked XML", "--max-unpacked-mb"),
}


class BudgetError(ReadError):
    """A file that would produce more than a budget allows; refused before the memory is spent."""

    def __init__(self, budget: str, limit: int, *, what: str | None = None) -> None:
        counted, flag = _WHAT[budget]
        amount = f"{human_size(limit)}" if budget == "unpacked_bytes" else f"{limit:,}"
        super().__init__(
            f"too large to read safely: more than {amount} {what or counted} in one file "
            f"(the per-file {budget.replace('_', ' ')} budget; raise it with `nkwatch ingest {flag}`)"
        )
        self.budget, self.limit = budget, limit


def check(budget: Budget, name: str, count: int, *, what: str | None = None) -> None:
    """Raise BudgetError when `count` is over the budget field `name`."""
    limit: int = getattr(budget, name)
    if count > limit:
        raise BudgetError(name, limit, what=what)
