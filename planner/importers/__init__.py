"""Importers: RVTools, NetBox and ServiceNow estates as inventory documents.

Pure functions from a source's own format (and a mapping file) to an
inventory document (``shared/spec/inventory-v1.md``) plus warnings; no Flask,
no database. Each source module turns its format into an observed estate
(:mod:`.observed`); the mapping (:mod:`.mapping`) decides zones and FIPS 199
levels; :mod:`.assemble` makes the document valid; :mod:`.sync` merges it
into a plan's current inventory.
"""

from __future__ import annotations

from collections.abc import Sequence

from .assemble import Imported, build_document
from .diagnostics import Located, Progress, SourceError, Warnings
from .mapping import Mapping, load_mapping, mapping_from_data
from .observed import Observed
from .xlsx import DEFAULT_LIMITS, Limits

SOURCES = ("rvtools", "netbox", "servicenow")

__all__ = [
    "DEFAULT_LIMITS",
    "SOURCES",
    "Imported",
    "Limits",
    "Located",
    "Mapping",
    "SourceError",
    "Warnings",
    "import_source",
    "load_mapping",
    "mapping_from_data",
    "observe",
]


def observe(
    source: str,
    files: Sequence[tuple[str, bytes]],
    warnings: Warnings,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> Observed:
    """The estate as ``source`` shows it in ``files`` ((name, bytes) pairs)."""
    if source == "rvtools":
        from .rvtools import observe_rvtools

        return observe_rvtools(files, warnings, limits, progress)
    if source == "netbox":
        from .netbox import observe_netbox

        return observe_netbox(files, warnings, limits, progress)
    if source == "servicenow":
        from .servicenow import observe_servicenow

        return observe_servicenow(files, warnings, limits, progress)
    raise SourceError([Located("", f"unknown source {source!r} (expected one of {', '.join(SOURCES)})")])


def import_source(
    source: str,
    files: Sequence[tuple[str, bytes]],
    mapping: Mapping,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
) -> Imported:
    """Import ``files`` of ``source`` as ``mapping`` judges them: the document and its warnings.

    Raises :class:`SourceError` (every problem with its file, sheet, row or
    JSON path) when the input cannot be used; nothing is produced then."""
    warnings = Warnings()
    observed = observe(source, files, warnings, limits, progress)
    return build_document(observed, mapping, warnings)
