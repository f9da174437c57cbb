"""Fetching what the NetBox importer reads straight from a NetBox instance.

Each endpoint is read page by page (``limit``/``offset`` through the
envelope's ``next`` link) with a per-request timeout. Redirects are not
followed and every ``next`` link must stay on the URL given, so the token is
never sent anywhere else. Failures name the URL and what went wrong (refused
token, not NetBox, unreachable, too large). The pages come back as the files
:func:`planner.importers.netbox.observe_netbox` reads, exactly as if saved.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from .diagnostics import Progress

PAGE_SIZE = 1000
MAX_PAGES = 2000
MAX_BYTES = 1024 * 1024 * 1024
ID_CHUNK = 50
LISTS = (
    "virtualization/clusters",
    "virtualization/virtual-machines",
    "virtualization/interfaces",
    "ipam/vlans",
    "ipam/prefixes",
)


class NetboxError(RuntimeError):
    """NetBox could not be read; the message says which URL and why."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise NetboxError(f"{req.full_url}: NetBox answered a redirect ({code}) to {newurl}; give that URL instead")


def _auth(token: str) -> str:
    return f"Bearer {token}" if token.startswith("nbt_") else f"Token {token}"


class _Client:
    def __init__(self, base: str, token: str, timeout: float):
        parsed = urllib.parse.urlsplit(base)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise NetboxError(f"{base}: expected an http(s) URL of a NetBox, such as https://netbox.example.com")
        if not token:
            raise NetboxError("a NetBox API token is needed (--token or NETBOX_TOKEN)")
        self.root = f"{parsed.scheme}://{parsed.netloc}{parsed.path.rstrip('/')}"
        self.origin = (parsed.scheme, parsed.netloc)
        self.headers = {"Authorization": _auth(token), "Accept": "application/json"}
        self.timeout = timeout
        self.opener = urllib.request.build_opener(_NoRedirect)
        self.total = 0

    def get(self, url: str) -> tuple[bytes, Any]:
        parsed = urllib.parse.urlsplit(url)
        if (parsed.scheme, parsed.netloc) != self.origin:
            raise NetboxError(f"{url}: a page link leads away from {self.root}; refused")
        request = urllib.request.Request(url, headers=self.headers)  # noqa: S310 -- scheme checked above
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                data: bytes = response.read(MAX_BYTES - self.total + 1)
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                raise NetboxError(f"{url}: NetBox refused the token (HTTP {exc.code})") from None
            if exc.code == 404:
                raise NetboxError(f"{url}: not found (HTTP 404): is {self.root} a NetBox with this endpoint?") from None
            raise NetboxError(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NetboxError(f"{url}: cannot reach NetBox: {reason}") from None
        self.total += len(data)
        if self.total > MAX_BYTES:
            raise NetboxError(f"{self.root}: more than {MAX_BYTES:,} bytes of responses; refused")
        try:
            return data, json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise NetboxError(f"{url}: the answer is not JSON: is {self.root} a NetBox API?") from None

    def pages(self, endpoint: str, query: str = "") -> list[tuple[bytes, Any]]:
        url: str | None = f"{self.root}/api/{endpoint}/?limit={PAGE_SIZE}{query}"
        out: list[tuple[bytes, Any]] = []
        while url:
            if len(out) >= MAX_PAGES:
                raise NetboxError(f"{endpoint}: more than {MAX_PAGES} pages; refused")
            data, page = self.get(url)
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise NetboxError(f"{url}: expected a NetBox list response with results")
            out.append((data, page))
            url = page.get("next") if isinstance(page.get("next"), str) else None
        return out


def fetch_netbox(
    base: str, token: str, *, timeout: float = 30.0, progress: Progress | None = None
) -> list[tuple[str, bytes]]:
    """Every page the importer needs, as (file name, bytes) pairs."""
    client = _Client(base, token, timeout)
    files: list[tuple[str, bytes]] = []
    results: dict[str, list[Any]] = {}
    for endpoint in LISTS:
        for n, (data, page) in enumerate(client.pages(endpoint), start=1):
            files.append((f"{endpoint.split('/')[1]}-{n}.json", data))
            results.setdefault(endpoint, []).extend(page["results"])
            if progress is not None:
                progress(f"fetching {endpoint}", len(results[endpoint]))
    clusters = sorted(
        {
            c["id"]
            for c in results.get("virtualization/clusters", [])
            if isinstance(c, dict) and type(c.get("id")) is int
        }
    )
    pinned = sorted(
        {
            vm["device"]["id"]
            for vm in results.get("virtualization/virtual-machines", [])
            if isinstance(vm, dict) and isinstance(vm.get("device"), dict) and type(vm["device"].get("id")) is int
        }
    )
    n = 0
    for key, ids in (("cluster_id", clusters), ("id", pinned)):
        for start in range(0, len(ids), ID_CHUNK):
            query = "".join(f"&{key}={i}" for i in ids[start : start + ID_CHUNK])
            for data, _page in client.pages("dcim/devices", query):
                n += 1
                files.append((f"devices-{n}.json", data))
    return files
