"""The VMware vSphere / VCF Security Configuration Guide's controls, read from its CSV.

The columns are the guide's own (``SCG ID``, ``Component Name``, ``Description/Title``,
``NIST 800-53R5 ID``, ``DISA STIG ID``…); SP 800-53 ids come zero-padded (``CM-07``,
``SC-07(13)``) and are normalized (``CM-7``, ``SC-7(13)``); ``N/A`` means none.
"""

from __future__ import annotations

import csv
import io
import re

from planner.core.hardening import Baseline, BaselineControl
from planner.core.inventory import Problem
from planner.core.text import text_problem

#: Columns a Security Configuration Guide CSV must have.
REQUIRED = (
    "SCG ID",
    "Component Name",
    "Description/Title",
    "Implementation Priority",
    "NIST 800-53R5 ID",
    "DISA STIG ID",
)
#: Columns read when present.
OPTIONAL = ("Configuration Parameter", "Baseline Suggested Value")
#: Columns whose cells may span lines (the text rule); the others are one line.
MULTILINE = frozenset({"Description/Title", "Configuration Parameter", "Baseline Suggested Value"})
MAX_ROWS = 10_000
MAX_CELL = 10_000
_CONTROL = re.compile(r"^([A-Z]{2})-0*(\d{1,2})(?:\(0*(\d{1,2})\))?$")
_STIG = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,60}$")
_NONE = {"", "N/A", "NA", "NONE", "-"}


def sp800_53_id(text: str) -> str | None:
    """``CM-07`` -> ``CM-7``, ``SC-07(13)`` -> ``SC-7(13)``; None for anything else."""
    m = _CONTROL.match(text.strip().upper())
    if m is None:
        return None
    family, number, enhancement = m.groups()
    return f"{family}-{int(number)}" + (f"({int(enhancement)})" if enhancement else "")


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip().upper() not in _NONE]


def read_scg_csv(data: bytes, filename: str, problems: list[Problem]) -> Baseline | None:
    """The guide's controls, or None with ``problems`` filled (row paths are 1-based data rows)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem("", f"not UTF-8 text (byte {exc.start}); save the CSV as UTF-8"))
        return None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED if c not in header]
    for column in missing:
        problems.append(
            Problem("header", f"missing column {column!r}: expected the Security Configuration Guide's columns")
        )
    if missing:
        return None
    controls: list[BaselineControl] = []
    seen: dict[str, int] = {}
    try:
        for i, row in enumerate(reader, 1):
            if i > MAX_ROWS:
                problems.append(Problem(f"rows[{i}]", f"more than {MAX_ROWS} controls"))
                break
            control = _control(row, i, seen, problems)
            if control is not None:
                controls.append(control)
    except csv.Error as exc:
        problems.append(Problem(f"rows[{reader.line_num}]", f"not a readable CSV row: {exc}"))
    if not controls and not problems:
        problems.append(Problem("rows", "the CSV holds no controls"))
    if problems:
        return None
    return Baseline(f"{filename} (VMware SCG format)", tuple(controls))


def _control(
    row: dict[str | None, str | list[str] | None], i: int, seen: dict[str, int], problems: list[Problem]
) -> BaselineControl | None:
    path = f"rows[{i}]"
    if None in row:  # more cells than columns
        problems.append(Problem(path, "more cells than the header has columns"))
        return None
    cells: dict[str, str] = {}
    for column in (*REQUIRED, *OPTIONAL):
        value = row.get(column)
        if value is None and column in REQUIRED:
            problems.append(Problem(f"{path}.{column}", "missing cell (fewer cells than columns)"))
            return None
        value = value if isinstance(value, str) else ""
        problem = (
            f"expected text of at most {MAX_CELL} characters"
            if len(value) > MAX_CELL
            else text_problem(value, multiline=column in MULTILINE)
        )
        if problem:
            problems.append(Problem(f"{path}.{column}", problem))
            return None
        cells[column] = value.strip()
    ok = True
    cid = cells["SCG ID"]
    if not cid or len(cid) > 200:
        problems.append(Problem(f"{path}.SCG ID", "expected the control's id (1 to 200 characters)"))
        ok = False
    elif cid in seen:
        problems.append(Problem(f"{path}.SCG ID", f"duplicate id {cid!r} (first at rows[{seen[cid]}])"))
        ok = False
    else:
        seen[cid] = i
    for column in ("Component Name", "Description/Title"):
        if not cells[column]:
            problems.append(Problem(f"{path}.{column}", "expected text"))
            ok = False
    nist = []
    for part in _split(cells["NIST 800-53R5 ID"]):
        normalized = sp800_53_id(part)
        if normalized is None:
            problems.append(
                Problem(
                    f"{path}.NIST 800-53R5 ID", f"{part!r} is not an SP 800-53 control id such as AC-6 or SC-07(13)"
                )
            )
            ok = False
        else:
            nist.append(normalized)
    stigs = _split(cells["DISA STIG ID"])
    for part in stigs:
        if not _STIG.match(part):
            problems.append(Problem(f"{path}.DISA STIG ID", f"{part!r} is not a STIG id such as VCFE-9X-000008"))
            ok = False
    if not ok:
        return None
    return BaselineControl(
        cid,
        cells["Description/Title"],
        cells["Component Name"],
        cells["Implementation Priority"],
        tuple(dict.fromkeys(nist)),
        tuple(dict.fromkeys(stigs)),
        cells["Configuration Parameter"] if cells["Configuration Parameter"].upper() not in _NONE else "",
        cells["Baseline Suggested Value"] if cells["Baseline Suggested Value"].upper() not in _NONE else "",
    )
