"""The security plan as PDF: our HTML, laid out by WeasyPrint, fetching nothing.

WeasyPrint resolves every URL it meets (stylesheets, images, fonts, SVG
``<image>``) through a fetcher. Ours serves the package's own static files
under the private ``virtplan-asset:`` scheme and refuses everything else —
file:, http(s):, data:, ftp: — so no inventory content, however crafted, can
make the renderer read a local file or call a server. Refusals are recorded on
the fetcher for tests and logs. Redirects cannot happen: nothing goes to a
network stack at all.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from contextlib import contextmanager
from importlib import resources

from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

ASSET_SCHEME = "virtplan-asset:"
#: Tagged PDF/UA-1 (ISO 14289-1): a structure tree in reading order, the
#: document's language and title (shown as the window title), alternative text
#: on every figure — what public-sector clients require of a document to sign.
PDF_VARIANT = "pdf/ua-1"
_ASSET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*\.(css|svg|woff2?|ttf|png)$")
_MEDIA = {
    "css": "text/css",
    "svg": "image/svg+xml",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "png": "image/png",
}


class AssetRefused(ValueError):
    """A URL outside the application's own embedded assets."""


class AssetFetcher(URLFetcher):
    """Serves ``virtplan-asset:NAME`` from ``reports/static`` and refuses all else."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url, headers=None):
        if not url.startswith(ASSET_SCHEME):
            self.refused.append(url)
            raise AssetRefused(f"refused to fetch {url[:80]!r}: only embedded assets may be loaded")
        name = url[len(ASSET_SCHEME) :]
        if not _ASSET_NAME.match(name):
            self.refused.append(url)
            raise AssetRefused(f"no embedded asset named {name[:80]!r}")
        path = resources.files(__package__).joinpath("static", name)
        if not path.is_file():
            self.refused.append(url)
            raise AssetRefused(f"no embedded asset named {name!r}")
        self.served.append(url)
        media = _MEDIA[name.rsplit(".", 1)[1]]
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": media})

    def open(self, url, data=None, timeout=None):  # never the urllib machinery
        return self.fetch(getattr(url, "full_url", url))


def pdf_identifier(html: str) -> bytes:
    """A PDF /ID derived from the content, so equal input gives equal bytes."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")


class _Quiet(logging.Filter):
    """WeasyPrint logs a refused fetch as an error; ours are expected, so they become debug noise."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "refused to fetch" not in record.getMessage() and "no embedded asset" not in record.getMessage()


@contextmanager
def _font_timestamps(epoch: int):
    """fontTools stamps each embedded font subset with the clock unless
    SOURCE_DATE_EPOCH is set (reproducible-builds.org); pin it to the plan's date."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def html_to_pdf(html: str, fetcher: AssetFetcher | None = None, epoch: int = 946684800) -> bytes:
    """Lay out ``html`` (produced by :func:`reports.html.render_html` for print).

    ``epoch`` (seconds) dates the embedded fonts: pass the plan's generation
    time so that equal input gives equal bytes.
    """
    fetcher = fetcher or AssetFetcher()
    logger = logging.getLogger("weasyprint")
    quiet = _Quiet()
    logger.addFilter(quiet)
    try:
        with _font_timestamps(epoch):
            document = HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=fetcher).render()
            out = io.BytesIO()
            document.write_pdf(out, pdf_identifier=pdf_identifier(html), pdf_variant=PDF_VARIANT)
        return out.getvalue()
    finally:
        logger.removeFilter(quiet)
