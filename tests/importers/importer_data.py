"""Inputs the importer tests share: a mapping for the synthetic estates of
bench/cmdb_exports.py, and small helpers to build sources by hand."""

from __future__ import annotations

import io
import json
from typing import Any

import openpyxl

MAPPING = """\
mapping: virtplan.mapping/v1
zones:
  - {id: dmz, name: DMZ, trust_level: 1}
  - {id: internal, name: Internal, trust_level: 2}
  - {id: mgmt, name: Management, trust_level: 3, purpose: management}
networks:
  rules:
    - {match: {name: "DMZ-*"}, zone: dmz}
    - {match: {name: ["App-*", "DB-*"]}, zone: internal}
    - {match: {name: "Management Network"}, zone: mgmt, purpose: management}
    - {match: {name: vMotion}, zone: mgmt, purpose: migration}
    - {match: {vlan: "100-4094", role: dmz}, zone: dmz}
    - {match: {vlan: "100-4094"}, zone: internal}
vms:
  rules:
    - match: {cluster: DMZ}
      zone: dmz
      categorization: moderate
      internet_facing: true
    - match: {network: "DB-*"}
      zone: internal
      categorization: {confidentiality: high, integrity: high, availability: moderate}
  default: {zone: internal, categorization: low}
hosts:
  rules:
    - {match: {cluster: DMZ}, dedicated_zone: dmz}
"""


def mapping(text: str = MAPPING) -> Any:
    from planner.importers import load_mapping

    return load_mapping("mapping.yaml", text)


def workbook(sheets: dict[str, list[list[Any]]]) -> bytes:
    """An xlsx with these sheets (first row = header), as bytes."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def json_file(name: str, body: Any) -> tuple[str, bytes]:
    return name, json.dumps(body).encode()
