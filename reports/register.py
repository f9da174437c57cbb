"""The full risk register as CSV and XLSX: every finding, however many.

The PDF bounds its register on large estates and points here. The cells carry
client-supplied text (VM names, tags, comments), so any cell a spreadsheet
would read as a formula — beginning with = + - @, a tab or a carriage return —
gets a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from .contents import Contents, Entry

COLUMNS = (
    "ref",
    "risk",
    "likelihood",
    "impact",
    "rule",
    "title",
    "objects",
    "factors",
    "evidence",
    "references",
    "remediation",
    "triage_status",
    "triage_justification",
    "triaged_by",
    "triaged_at",
    "fingerprint",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WIDTHS = {
    "ref": 9,
    "risk": 10,
    "likelihood": 10,
    "impact": 10,
    "rule": 28,
    "title": 48,
    "objects": 36,
    "factors": 40,
    "evidence": 50,
    "references": 30,
    "remediation": 60,
    "triage_status": 13,
    "triage_justification": 40,
    "triaged_by": 16,
    "triaged_at": 20,
    "fingerprint": 20,
}


def neutralise(value: str) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def row_of(e: Entry) -> list[str]:
    f, t = e.finding, e.triage
    at = t.at.isoformat() if isinstance(t.at, (dt.date, dt.datetime)) else (t.at or "")
    values = [
        e.ref,
        f.risk,
        f.likelihood,
        f.impact,
        f.rule,
        f.title,
        e.objects,
        "\n".join(f.factors),
        json.dumps(f.evidence, sort_keys=True, ensure_ascii=False, default=str),
        "; ".join(f.references),
        f.remediation,
        t.status,
        t.justification,
        t.by or "",
        at,
        f.fingerprint,
    ]
    return [neutralise(str(v)) for v in values]


def to_csv(c: Contents) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for e in c.register:
        writer.writerow(row_of(e))
    return out.getvalue().encode("utf-8-sig")


def _xlsx_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def to_xlsx(c: Contents) -> bytes:
    r = c.report
    wb = Workbook(write_only=True)
    stamp = r.generated.replace(tzinfo=None) if isinstance(r.generated, dt.datetime) else dt.datetime(2000, 1, 1)
    wb.properties.creator = "VirtPlan"
    wb.properties.title = _xlsx_text(f"{r.name} — risk register")
    wb.properties.created = stamp
    wb.properties.modified = stamp
    ws = wb.create_sheet("Register")
    for i, name in enumerate(COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS[name]
    ws.freeze_panes = "A2"
    ws.append(list(COLUMNS))
    for e in c.register:
        ws.append([_xlsx_text(v) for v in row_of(e)])
    summary = wb.create_sheet("Summary")
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 60
    for key, value in (
        ("plan", r.name),
        ("organization", r.organization),
        ("version", r.version),
        ("generated", r.generated.isoformat()),
        ("marking", c.marking),
        ("findings", str(len(c.register))),
    ):
        summary.append([key, _xlsx_text(neutralise(str(value)))])
    for level, n in c.by_risk.items():
        summary.append([f"risk {level}", n])
    raw = io.BytesIO()
    # Workbook.save would set properties.modified to the clock: the writer it calls keeps our stamp.
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return _fixed_zip_times(raw.getvalue(), stamp)


def _fixed_zip_times(data: bytes, stamp: dt.datetime) -> bytes:
    """Rewrite the archive with every member dated ``stamp`` (openpyxl uses the clock)."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()
