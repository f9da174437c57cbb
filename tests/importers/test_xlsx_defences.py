"""Hostile or broken workbooks are refused before openpyxl parses them, each
with a message naming the file (and sheet or cell), and nothing is produced."""

from __future__ import annotations

import io
import zipfile

import pytest
from importer_data import mapping, workbook

from planner.importers import SourceError, import_source
from planner.importers.xlsx import Limits, check_container

GOOD = [["VM", "CPUs", "Memory"], ["a", 1, 1024]]


def refused(data: bytes, name: str = "export.xlsx", limits: Limits | None = None) -> str:
    with pytest.raises(SourceError) as caught:
        if limits is not None:
            check_container(name, data, limits)
        else:
            import_source("rvtools", [(name, data)], mapping())
    return str(caught.value)


def rezip(data: bytes, change) -> bytes:
    """The workbook with its parts passed through ``change(name, bytes) -> bytes | None`` (None drops a part)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = change(info.filename, source.read(info.filename))
            if part is not None:
                target.writestr(info.filename, part)
        extra = change("<extra>", b"")
        if extra:
            for name, content in extra:
                target.writestr(name, content)
    return out.getvalue()


def test_a_plain_workbook_passes():
    assert "vInfo" in check_container("export.xlsx", workbook({"vInfo": GOOD}))


def test_not_a_workbook_legacy_and_encrypted():
    assert "not an xlsx workbook" in refused(b"VM,CPUs\na,1\n", "export.xlsx")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    assert "legacy .xls" in refused(ole)
    encrypted = ole + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64
    assert "encrypted (password-protected)" in refused(encrypted)


def test_corrupt_zip():
    data = workbook({"vInfo": GOOD})
    assert "corrupt" in refused(data[: len(data) // 2])
    # A sheet whose data does not match its CRC: damaged in transit.
    broken = bytearray(data)
    start = broken.find(b"xl/worksheets/sheet1.xml") + 200
    broken[start : start + 40] = b"\x00" * 40
    assert "corrupt" in refused(bytes(broken)) or "cannot be read" in refused(bytes(broken))


def test_zip_bomb_by_ratio_and_by_declared_size():
    data = workbook({"vInfo": GOOD})
    bomb = rezip(data, lambda n, p: [("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))] if n == "<extra>" else p)
    message = refused(bomb)
    assert "xl/media/padding.bin expands" in message and "zip bomb" in message
    assert "declares" in refused(data, limits=Limits(max_uncompressed_bytes=1000))
    assert "at most 5 are accepted" in refused(data, limits=Limits(max_members=5))
    assert "bytes; at most 100 are accepted" in refused(data, limits=Limits(max_file_bytes=100))


def test_formulas_are_refused_with_their_cell():
    book = workbook({"vInfo": [["VM", "CPUs", "Memory"], ["a", "=1+1", 1024]]})
    message = refused(book)
    assert "export.xlsx sheet vInfo cell B2: holds a formula" in message


def test_external_links_and_macros():
    data = workbook({"vInfo": GOOD})
    linked = rezip(
        data, lambda n, p: [("xl/externalLinks/externalLink1.xml", b"<externalLink/>")] if n == "<extra>" else p
    )
    assert "links to other workbooks" in refused(linked)
    rels = rezip(
        data,
        lambda n, p: (
            p.replace(
                b"</Relationships>",
                b'<Relationship Id="rId99" Type="x" Target="http://evil.example/a" TargetMode="External"/>'
                b"</Relationships>",
            )
            if n == "xl/_rels/workbook.xml.rels"
            else (None if n == "<extra>" else p)
        ),
    )
    assert "external resource" in refused(rels)
    macros = rezip(data, lambda n, p: [("xl/vbaProject.bin", b"\0" * 10)] if n == "<extra>" else p)
    assert "macros" in refused(macros)


def test_entity_expansion_is_refused():
    data = workbook({"vInfo": GOOD})
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>'
    for part in ("xl/workbook.xml", "xl/worksheets/sheet1.xml"):

        def change(n, p, part=part):
            if n == "<extra>":
                return None
            return laughs + p.split(b"?>", 1)[-1] if n == part else p

        assert "DTD or entities" in refused(rezip(data, change))


def test_oversized_sheets():
    rows = [GOOD[0]] + [[f"vm{i}", 1, 1024] for i in range(20)]
    data = workbook({"vInfo": rows})
    with pytest.raises(SourceError, match="more than 10 rows"):
        import_source("rvtools", [("export.xlsx", data)], mapping(), Limits(max_rows=10))
