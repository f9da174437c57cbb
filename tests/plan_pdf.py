"""Reading a security plan PDF back as a reader would: its chapters, its
figures (summary counts, heat map, register ratings, placement before/after),
and the defects a reader must never meet (template leftovers, "None", wrong
plurals, broken identifiers, cut diagram labels). Shared by the report tests
and the tests that compare the CLI, API and web doors."""

from __future__ import annotations

import io
import re
from collections import Counter

import pypdf

from reports.contents import LEVEL_LABELS

LEVEL_OF = {label: level for level, label in LEVEL_LABELS.items()}
_LEVEL = "|".join(sorted(LEVEL_OF, key=len, reverse=True))
#: Nouns the plan counts; "1 <noun>s" is a wrong plural.
NOUNS = ("VM", "host", "finding", "network", "datastore", "zone", "move", "question", "action", "appliance")


def pages_of(data: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def chapters(pages: list[str]) -> list[str]:
    """The chapter titles listed in the table of contents, in order (without page numbers)."""
    toc = pages[1]
    lines = [line.replace("\u2002", " ") for line in toc.splitlines() if re.search(r"\.{3,}", line)]
    return [re.sub(r"[ .]*\d+\s*$", "", line).strip() for line in lines]


def heading_page(pages: list[str], heading: str, start: int = 2) -> int:
    """1-based number of the first page (after the cover and contents) that begins with ``heading``."""
    want = squash(heading)
    for i, text in enumerate(pages[start:], start + 1):
        if want in squash(text)[:400]:
            return i
    raise AssertionError(f"heading {heading!r} not found")


def chapter_text(pages: list[str], title: str) -> str:
    """The text of the chapter titled ``title`` (up to the next chapter in the contents)."""
    names = chapters(pages)
    i = names.index(title)
    start = heading_page(pages, title)
    end = heading_page(pages, names[i + 1]) if i + 1 < len(names) else len(pages) + 1
    return "\n".join(pages[start - 1 : max(start, end - 1)])


def summary_counts(pages: list[str]) -> dict[str, int]:
    """The executive summary's findings by risk level (and "total")."""
    text = chapter_text(pages, "1 Executive summary")
    m = re.search(r"Very high High Moderate Low Very low Total\n((?:\d[\d,]* ){5}\d[\d,]*)", text)
    assert m, text[:600]
    values = [int(v.replace(",", "")) for v in m.group(1).split()]
    return {
        **dict(zip(("very-high", "high", "moderate", "low", "very-low"), values[:5], strict=True)),
        "total": values[5],
    }


def heatmap_total(pages: list[str]) -> int:
    """The number of findings the heat map counts: the sum of its 25 cells (printed
    after the axis labels, row by row)."""
    text = chapter_text(pages, "5 Risk heat map")
    cells = re.findall(r"^\d[\d,]*$", text.split("Likelihood", 1)[1], re.MULTILINE)
    assert len(cells) == 25, cells
    return sum(int(v.replace(",", "")) for v in cells)


def register_ratings(pages: list[str]) -> Counter:
    """Findings of the register by risk level, read from each finding's rating line."""
    text = chapter_text(pages, "6 Risk register")
    return Counter(LEVEL_OF[m] for m in re.findall(rf"= risk ({_LEVEL})\b", text))


def placement_counts(pages: list[str]) -> dict[str, tuple[int, int]]:
    """The placement chapter's findings before and after, by risk level."""
    text = chapter_text(pages, "8 Placement advice")
    rows = re.findall(rf"^({_LEVEL}) (\d[\d,]*) (\d[\d,]*)$", text, re.MULTILINE)
    return {LEVEL_OF[level]: (int(b.replace(",", "")), int(a.replace(",", ""))) for level, b, a in rows}


#: The placement chapter's headings, in the order the chapter may print them.
PLACEMENT_HEADINGS = (
    "What the advice buys",
    "Findings before and after the moves",
    "Findings that disappear",
    "Findings that appear",
    "Findings whose risk level changes",
    "Proven optimal or best found, per migration domain",
    "Each move and its reason",
    "Hosts serving one zone after the moves",
    "VMs that cannot be placed",
    "Hosts still mixing zones",
    "Pinned VMs breaking a hard constraint",
)


def running_lines(pages: list[str]) -> set[str]:
    """Lines every page after the cover and the contents prints: the running header and footer."""
    common = set.intersection(*(set(p.splitlines()) for p in pages[2:])) if len(pages) > 2 else set()
    return common


def placement_sections(pages: list[str]) -> dict[str, str]:
    """The placement chapter's parts by heading, without running headers, footers and page numbers."""
    drop = running_lines(pages)
    lines = [
        line
        for line in chapter_text(pages, "8 Placement advice").splitlines()
        if line not in drop and not re.search(r"Page \d+ of \d+", line) and line.strip() != "•"
    ]  # (a list's bullets come out at the end of its page)
    out: dict[str, list[str]] = {"": []}
    current = ""
    for line in lines:
        if line.strip() in PLACEMENT_HEADINGS and line.strip() not in out:
            current = line.strip()
            out[current] = []
        else:
            out[current].append(line)
    return {k: "\n".join(v) for k, v in out.items()}


def defects(pages: list[str], question_ids: set[str] = frozenset()) -> list[str]:
    """What a reader must never meet in the plan."""
    found = []
    text = "\n".join(pages)
    for m in re.finditer(r"\{[a-z_]+\}", text):
        found.append(f"template placeholder {m.group(0)}")
    for m in re.finditer(r"\bNone\b", text):
        found.append(f"'None' in: {text[max(0, m.start() - 40) : m.end() + 20]!r}")
    for noun in NOUNS:
        for m in re.finditer(rf"(?<![\d,.])\b1 {noun}s\b", text):
            found.append(f"wrong plural: {m.group(0)!r}")
    if "(s)" in text:
        found.append("'(s)' plural")
    for m in re.finditer(r"\b(?:initiation|planning|implementation|operations|disposition)\.[a-z_]+\.[a-z_]*", text):
        if question_ids and m.group(0) not in question_ids:
            found.append(f"broken question id {m.group(0)!r}")
    return found
