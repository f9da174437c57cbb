"""The importers on a synthetic 100,000-VM estate: ``virtplan import`` of an
RVTools export (one xlsx in RVTools' column layout) and of the same estate as
NetBox API pages, each against reading the same files alone (openpyxl in
read-only mode over every sheet; ``json.loads`` of every page). Every
measurement is a fresh process: wall time, CPU time (user + sys) and peak RSS.

    .venv/bin/python bench/importers.py                      # 100,000 VMs, files cached in /tmp
    .venv/bin/python bench/importers.py --vms 20000 --cache /tmp/imports-20k

Targets (issue 13): RVTools < 60 s, NetBox < 30 s, both < 2 GiB peak.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cmdb_exports import MAPPING, Estate, netbox_pages, rvtools_xlsx  # noqa: E402

READ_XLSX = """
import sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
rows = sum(1 for sheet in book.worksheets for _row in sheet.iter_rows(values_only=True))
print(rows, "rows")
"""
READ_JSON = """
import json, sys
from pathlib import Path
objects = sum(len(json.loads(p.read_bytes())["results"]) for p in sorted(Path(sys.argv[1]).iterdir()))
print(objects, "objects")
"""


def measure(argv: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MiB) of a fresh process running ``argv``."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=100_000)
    parser.add_argument(
        "--cache", type=Path, help="folder for the generated files (default: /tmp/virtplan-imports-<vms>)"
    )
    parser.add_argument("--sources", nargs="+", default=["rvtools", "netbox"], choices=["rvtools", "netbox"])
    args = parser.parse_args(argv)
    cache = args.cache or Path(tempfile.gettempdir()) / f"virtplan-imports-{args.vms}"
    cache.mkdir(parents=True, exist_ok=True)
    xlsx, pages, mapping = cache / "RVTools_export_all.xlsx", cache / "netbox", cache / "mapping.yaml"
    estate = Estate(args.vms)
    if not xlsx.exists():
        print(f"generating {xlsx} …", file=sys.stderr, flush=True)
        rvtools_xlsx(estate, xlsx)
    if not pages.exists():
        print(f"generating {pages}/ …", file=sys.stderr, flush=True)
        pages.mkdir()
        for name, data in netbox_pages(estate):
            (pages / name).write_bytes(data)
    mapping.write_text(MAPPING)
    out = cache / "inventory.json"
    py = sys.executable
    runs = {
        "rvtools": (
            [py, "-c", READ_XLSX, str(xlsx)],
            [py, "-m", "planner", "import", "rvtools", str(xlsx), "--mapping", str(mapping), "-o", str(out)],
            xlsx.stat().st_size,
            60,
        ),
        "netbox": (
            [py, "-c", READ_JSON, str(pages)],
            [py, "-m", "planner", "import", "netbox", str(pages), "--mapping", str(mapping), "-o", str(out)],
            sum(p.stat().st_size for p in pages.iterdir()),
            30,
        ),
    }
    print(f"nproc {os.cpu_count()}, {args.vms:,} VMs; load average at start {os.getloadavg()[0]:.1f}")
    print("| source | input | read alone: wall / CPU | import: wall / CPU | ratio wall / CPU | peak RSS | target |")
    print("|---|---|---|---|---|---|---|")
    for source, (alone, imported, size, target) in runs.items():
        if source not in args.sources:
            continue
        aw, ac, _ar = measure(alone)
        iw, ic, ir = measure(imported)
        verdict = "met" if iw < target and ir < 2048 else "NOT met"
        print(
            f"| {source} | {size / 2**20:,.0f} MiB | {aw:.1f} s / {ac:.1f} s | {iw:.1f} s / {ic:.1f} s "
            f"| {iw / aw:.2f} / {ic / ac:.2f} | {ir:,.0f} MiB | < {target} s, < 2 GiB: {verdict} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
