"""Evidence a user attaches to a plan: a hardening baseline or assessment checklists.

:func:`read_evidence` turns one file into the core's objects
(:class:`planner.core.hardening.Baseline` or a list of
:class:`~planner.core.hardening.Checklist`), refusing anything it cannot read
exactly: every problem comes back with where it is (a CSV row and column, an
XML element path, a JSON path) and what was expected, and nothing is kept.

Formats:

| format | file | what it is |
|---|---|---|
| ``vmware-scg-csv`` | ``.csv`` | the VMware vSphere / VCF Security Configuration Guide's controls, as published |
| ``disa-ckl`` | ``.ckl`` | a DISA STIG Viewer 2 checklist (XML) |
| ``disa-cklb`` | ``.cklb`` | a DISA STIG Viewer 3 checklist (JSON) |
| ``xccdf`` | ``.xml`` | XCCDF 1.1 or 1.2 results (a ``TestResult``, alone or inside its ``Benchmark``) |

The files are the user's: VirtPlan reads them, it ships none of their text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from planner.core.hardening import Baseline, Checklist
from planner.core.inventory import Problem
from planner.core.inventory.validate import summarize

from .scg import read_scg_csv
from .stig import read_ckl, read_cklb, read_xccdf

#: format -> (kind, file extension)
FORMATS = {
    "vmware-scg-csv": ("baseline", ".csv"),
    "disa-ckl": ("checklist", ".ckl"),
    "disa-cklb": ("checklist", ".cklb"),
    "xccdf": ("checklist", ".xml"),
}
#: The largest evidence file read, in bytes.
MAX_BYTES = 32 * 1024 * 1024


class EvidenceError(ValueError):
    """A file that is not readable evidence; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"invalid evidence: {summarize(problems)}")


@dataclass(frozen=True, slots=True)
class Evidence:
    """One file read: its kind (baseline or checklist), format and content."""

    kind: str
    format: str
    baseline: Baseline | None = None
    checklists: tuple[Checklist, ...] = ()

    def content(self) -> dict[str, Any]:
        """What is stored: the parsed content, never the file's bytes."""
        if self.baseline is not None:
            return {"baseline": self.baseline.to_dict()}
        return {"checklists": [c.to_dict() for c in self.checklists]}

    def summary(self) -> dict[str, Any]:
        if self.baseline is not None:
            return {"name": self.baseline.name, "controls": len(self.baseline.controls)}
        return {
            "targets": sorted({c.target for c in self.checklists}),
            "benchmarks": [c.benchmark for c in self.checklists],
            "results": sum(len(c.results) for c in self.checklists),
        }


def format_of(filename: str, given: str | None = None) -> str:
    """The evidence format: ``given``, else from the file name's extension."""
    if given is not None:
        if given not in FORMATS:
            raise EvidenceError([Problem("format", f"expected one of: {', '.join(FORMATS)}; got {given!r}")])
        return given
    lowered = filename.lower()
    for fmt, (_kind, ext) in FORMATS.items():
        if lowered.endswith(ext):
            return fmt
    raise EvidenceError(
        [
            Problem(
                "filename",
                f"cannot tell the format of {filename!r}: name it .csv, .ckl, .cklb or .xml, "
                f"or give the format ({', '.join(FORMATS)})",
            )
        ]
    )


def read_evidence(filename: str, data: bytes, given_format: str | None = None) -> Evidence:
    """Read one evidence file; raises :class:`EvidenceError` with every problem."""
    fmt = format_of(filename, given_format)
    if not data:
        raise EvidenceError([Problem("", "the file is empty")])
    if len(data) > MAX_BYTES:
        raise EvidenceError([Problem("", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB")])
    problems: list[Problem] = []
    if fmt == "vmware-scg-csv":
        baseline = read_scg_csv(data, filename, problems)
        if problems or baseline is None:
            raise EvidenceError(problems)
        return Evidence("baseline", fmt, baseline=baseline)
    reader = {"disa-ckl": read_ckl, "disa-cklb": read_cklb, "xccdf": read_xccdf}[fmt]
    checklists = reader(data, problems)
    if problems:
        raise EvidenceError(problems)
    if not checklists:
        raise EvidenceError([Problem("", "the file holds no checklist results")])
    return Evidence("checklist", fmt, checklists=tuple(checklists))


__all__ = ["FORMATS", "MAX_BYTES", "Evidence", "EvidenceError", "format_of", "read_evidence"]
