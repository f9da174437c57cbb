"""What an import reports besides the document: warnings it can live with,
and the errors that stop it.

A warning says what was missing, guessed or skipped, and where in the source
(``vInfo row 12``, ``virtual-machines.json results[3]``); an error does the
same for input the importer cannot use at all (a missing column, a corrupt
workbook, a mapping problem) and nothing is produced. Both carry a ``kind`` so
that a user interface can group thousands of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Told how far reading has come: (what is being read, how many rows or objects so far).
Progress = Callable[[str, int], None]

#: At most this many warnings are kept with their details; the rest are counted by kind.
MAX_WARNINGS = 10_000


@dataclass(frozen=True, slots=True)
class Located:
    """One message tied to a place in the input: ``where`` names the file,
    sheet and row, or the JSON path."""

    where: str
    message: str
    kind: str = "problem"

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "message": self.message}

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class SourceError(ValueError):
    """Input the importer cannot use; ``problems`` says where and why (nothing was produced)."""

    def __init__(self, problems: list[Located]):
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{head}{more}")


def fail(where: str, message: str) -> SourceError:
    """A SourceError with a single problem (``raise fail(...)``)."""
    return SourceError([Located(where, message)])


@dataclass
class Warnings:
    """The warnings of one import, in the order they were found."""

    items: list[Located] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, where: str, message: str) -> None:
        self.counts[kind] += 1
        if len(self.items) < MAX_WARNINGS:
            self.items.append(Located(where, message, kind))

    @property
    def dropped(self) -> int:
        return sum(self.counts.values()) - len(self.items)

    def to_list(self) -> list[dict[str, str]]:
        out = [w.to_dict() for w in self.items]
        if self.dropped:
            out.append({"kind": "truncated", "where": "", "message": f"{self.dropped:,} further warnings not listed"})
        return out

    def summary(self) -> dict[str, Any]:
        """How many warnings of each kind, most frequent first."""
        return dict(sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0])))
