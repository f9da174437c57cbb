"""Reading an xlsx workbook that may be hostile.

Before openpyxl sees a byte, the ZIP container is inspected: its declared
member sizes and compression ratios (a zip bomb declares or implies far more
than a real export), its member count, macros, external links and formulas.
Only then is the workbook opened with openpyxl in read-only mode with cached
values (``data_only``): nothing is ever evaluated, and with defusedxml
installed openpyxl refuses DTDs and entity declarations in every part. XML
we parse ourselves (the workbook's sheet list and relationships) goes through
defusedxml too.

Declared sizes bound the real ones: Python's zipfile stops a member at its
declared size and fails its CRC check if the data goes on.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from .diagnostics import SourceError, fail

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
#: A formula element (<f>, or <x:f> with a namespace prefix) in a worksheet part.
FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
CELL_REF = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="([A-Z]{1,3}[0-9]{1,7})"')
SCAN_CHUNK = 1 << 20
#: A DTD must come before the root element: the head of each part is enough to find one.
HEAD_BYTES = 4096


@dataclass(frozen=True)
class Limits:
    """How large a source may be. The defaults hold a 100,000-VM RVTools export
    with room to spare; the API may use smaller ones."""

    max_file_bytes: int = 512 * 1024 * 1024
    max_uncompressed_bytes: int = 4 * 1024 * 1024 * 1024
    #: Largest uncompressed/compressed ratio of a member bigger than ``ratio_floor_bytes``.
    max_ratio: float = 250.0
    ratio_floor_bytes: int = 1024 * 1024
    max_members: int = 2_000
    max_rows: int = 2_000_000


DEFAULT_LIMITS = Limits()


def check_container(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, str]:
    """Refuse what is not a plain xlsx workbook; return {sheet name: worksheet part}.

    Raises :class:`SourceError` naming ``name`` (and the sheet, cell or part)."""
    if len(data) > limits.max_file_bytes:
        raise fail(name, f"the file is {len(data):,} bytes; at most {limits.max_file_bytes:,} are accepted")
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise fail(name, "the workbook is encrypted (password-protected); save an unprotected copy and import that")
        raise fail(name, "this is a legacy .xls (BIFF) workbook, not .xlsx; save it as .xlsx")
    if not data.startswith(ZIP_MAGIC):
        raise fail(name, "not an xlsx workbook (an xlsx file is a ZIP container; this one is not)")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise fail(name, f"the workbook is corrupt: {exc}") from None
    with archive:
        _check_members(name, members, limits)
        _check_no_dtd(name, archive, members)
        sheets = _sheet_parts(name, archive)
        for sheet, part in sheets.items():
            _check_no_formulas(name, archive, sheet, part)
    return sheets


def _check_members(name: str, members: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(members) > limits.max_members:
        raise fail(name, f"the workbook holds {len(members):,} parts; at most {limits.max_members:,} are accepted")
    names = [m.filename for m in members]
    if len(set(names)) != len(names):
        raise fail(name, "the workbook is corrupt: a part name occurs twice in the ZIP directory")
    total = 0
    for m in members:
        if m.flag_bits & 0x1:
            raise fail(name, f"part {m.filename} is encrypted; save an unprotected copy and import that")
        total += m.file_size
        if m.file_size > limits.ratio_floor_bytes and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise fail(
                name,
                f"part {m.filename} expands {ratio:,.0f}-fold ({m.compress_size:,} to {m.file_size:,} bytes): "
                f"refused as a zip bomb (at most {limits.max_ratio:,.0f}-fold)",
            )
        lowered = m.filename.lower()
        if lowered.startswith("xl/externallinks/"):
            raise fail(name, f"the workbook links to other workbooks ({m.filename}); remove the external links")
        if lowered.endswith("vbaproject.bin"):
            raise fail(name, "the workbook contains macros; an export holds values only (save it as plain .xlsx)")
    if total > limits.max_uncompressed_bytes:
        raise fail(
            name,
            f"the workbook declares {total:,} bytes uncompressed; at most {limits.max_uncompressed_bytes:,} are "
            "accepted (refused as a possible zip bomb)",
        )
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise fail(name, "not an xlsx workbook ([Content_Types].xml or xl/workbook.xml is missing)")


def _check_no_dtd(name: str, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """No part of an xlsx needs a DTD; one that declares it (entity expansion) is refused by name."""
    for m in members:
        if not m.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        try:
            with archive.open(m) as stream:
                head = stream.read(HEAD_BYTES)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:
            raise fail(name, f"the workbook is corrupt: part {m.filename}: {exc}") from None
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise fail(name, f"part {m.filename} declares a DTD or entities, which an xlsx never needs: refused")


def _parse_xml(name: str, archive: zipfile.ZipFile, part: str) -> Any:
    try:
        return SafeET.fromstring(archive.read(part))
    except KeyError:
        raise fail(name, f"the workbook is corrupt: part {part} is missing") from None
    except DefusedXmlException as exc:
        raise fail(name, f"part {part} declares a DTD or entities, which an xlsx never needs: {exc}") from None
    except (SafeET.ParseError, zipfile.BadZipFile, zlib.error, OSError, ValueError) as exc:
        raise fail(name, f"the workbook is corrupt: part {part}: {exc}") from None


def _sheet_parts(name: str, archive: zipfile.ZipFile) -> dict[str, str]:
    workbook = _parse_xml(name, archive, "xl/workbook.xml")
    rels = _parse_xml(name, archive, "xl/_rels/workbook.xml.rels")
    targets: dict[str, str] = {}
    for rel in rels.iter(f"{PKG_REL_NS}Relationship"):
        if rel.get("TargetMode", "").lower() == "external":
            raise fail(name, f"the workbook links to an external resource ({rel.get('Target')!r}); remove the link")
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        targets[rel.get("Id", "")] = part
    sheets: dict[str, str] = {}
    for sheet in workbook.iter(f"{MAIN_NS}sheet"):
        part = targets.get(sheet.get(f"{REL_NS}id", ""))
        if part is not None and part.startswith("xl/worksheets/"):
            sheets[sheet.get("name", "")] = part
    if workbook.find(f"{MAIN_NS}externalReferences") is not None:
        raise fail(name, "the workbook links to other workbooks; remove the external links")
    return sheets


def _check_no_formulas(name: str, archive: zipfile.ZipFile, sheet: str, part: str) -> None:
    """An export holds values only; a formula means the file was edited, and its
    cached value may be stale or absent. Name the first cell that holds one."""
    try:
        stream = archive.open(part)
    except KeyError:
        raise fail(name, f"the workbook is corrupt: sheet {sheet!r} (part {part}) is missing") from None
    tail = b""
    try:
        with stream:
            while chunk := stream.read(SCAN_CHUNK):
                buffer = tail + chunk
                found = FORMULA.search(buffer)
                if found:
                    cells = CELL_REF.findall(buffer, 0, found.start())
                    cell = f" cell {cells[-1].decode()}" if cells else ""
                    raise fail(
                        f"{name} sheet {sheet}{cell}",
                        "holds a formula; an export holds values only (paste the values, or export again)",
                    )
                tail = buffer[-256:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError) as exc:  # also a bad CRC: data past its declared size
        raise fail(name, f"the workbook is corrupt: sheet {sheet!r}: {exc}") from None


class Workbook:
    """An opened, checked workbook: iterate a sheet's rows as tuples of values."""

    def __init__(self, name: str, data: bytes, limits: Limits = DEFAULT_LIMITS):
        import openpyxl

        self.name = name
        self.limits = limits
        self.sheet_names = list(check_container(name, data, limits))
        try:
            self._book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except DefusedXmlException as exc:
            raise fail(name, f"the workbook declares a DTD or entities, which an xlsx never needs: {exc}") from None
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise fail(name, f"the workbook is corrupt: {type(exc).__name__}: {exc}") from None

    def rows(self, sheet: str) -> Iterator[tuple[Any, ...]]:
        """The sheet's rows from the first (the header), as openpyxl reads them."""
        worksheet = self._book[sheet]
        worksheet.reset_dimensions()  # never trust a declared dimension: read what is there
        try:
            for count, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
                if count > self.limits.max_rows:
                    raise fail(f"{self.name} sheet {sheet}", f"more than {self.limits.max_rows:,} rows")
                yield row
        except SourceError:
            raise
        except DefusedXmlException as exc:
            raise fail(f"{self.name} sheet {sheet}", f"declares a DTD or entities: {exc}") from None
        except Exception as exc:
            raise fail(f"{self.name} sheet {sheet}", f"cannot be read: {type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        self._book.close()
