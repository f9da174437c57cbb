"""Benchmark of the PDF security plan: our code versus WeasyPrint alone.

Each size runs in a fresh subprocess (so peak RSS is that of one report): it
generates a synthetic estate with violations, analyses it (timed apart), then
times the stages of ``reports.render(plan, "pdf")``: the contents model, the
HTML (templates, diagram) and the PDF layout by WeasyPrint of that same HTML —
the last is "WeasyPrint alone", the rest is our overhead.

    .venv/bin/python bench/report.py                      # 200, 2,000 and 100,000 VMs
    .venv/bin/python bench/report.py --sizes 200 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: VMs -> (time target s, peak RSS target MiB or None)
TARGETS = {200: (5.0, None), 2000: (20.0, 600.0), 100_000: (60.0, None)}


def measure(vms: int) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    import pypdf
    from synthetic import generate, shape

    import reports
    from planner.core.analysis import analyze
    from planner.core.inventory import load_estate
    from reports.contents import build
    from reports.html import render_html
    from reports.pdf import html_to_pdf

    t0 = time.perf_counter()
    estate = load_estate(generate(vms, *shape(vms), violations=True))
    analysis = analyze(estate)
    t_analyze = time.perf_counter() - t0
    generated = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    plan = reports.PlanReport(
        name=f"Benchmark estate {vms:,} VMs",
        organization="VirtPlan bench",
        estate=estate,
        analysis=analysis,
        generated=generated,
    )
    t1 = time.perf_counter()
    contents = build(plan)
    t2 = time.perf_counter()
    html = render_html(contents, "print")
    t3 = time.perf_counter()
    pdf = html_to_pdf(html, epoch=int(generated.timestamp()))
    t4 = time.perf_counter()
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return {
        "vms": vms,
        "findings": len(analysis.findings),
        "analyze_s": t_analyze,
        "contents_s": t2 - t1,
        "html_s": t3 - t2,
        "weasyprint_s": t4 - t3,
        "report_s": t4 - t1,
        "pages": pages,
        "pages_per_s": pages / (t4 - t1),
        "pdf_bytes": len(pdf),
        "html_bytes": len(html),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(vms: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", str(vms)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=sorted(TARGETS))
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.one:
        print(json.dumps(measure(a.one)))
        return 0
    print(f"nproc {os.cpu_count()}, Python {sys.version.split()[0]}")
    print(
        "| VMs | findings | pages | report (ours + WeasyPrint) | contents + HTML (ours) | WeasyPrint alone "
        "| pages/s | peak RSS | target |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    failed = False
    for vms in a.sizes:
        r = run(vms)
        limit_s, limit_mib = TARGETS.get(vms, (None, None))
        ok = (limit_s is None or r["report_s"] < limit_s) and (limit_mib is None or r["peak_rss_mib"] < limit_mib)
        failed |= not ok
        target = (
            "—"
            if limit_s is None
            else (
                f"< {limit_s:g} s"
                + (f", < {limit_mib:g} MiB" if limit_mib else "")
                + (" met" if ok else " **not met**")
            )
        )
        print(
            f"| {vms:,} | {r['findings']:,} | {r['pages']} | {r['report_s']:.2f} s | "
            f"{r['contents_s'] + r['html_s']:.2f} s | {r['weasyprint_s']:.2f} s | {r['pages_per_s']:.1f} | "
            f"{r['peak_rss_mib']:.0f} MiB | {target} |"
        )
        print(
            f"    (analysis before the report: {r['analyze_s']:.2f} s; contents {r['contents_s']:.2f} s, "
            f"HTML {r['html_s']:.2f} s; PDF {r['pdf_bytes'] / 1e6:.2f} MB)",
            flush=True,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
