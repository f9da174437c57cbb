"""What a plan holds, as its reader sees it: every GET's status, ETag,
pagination header and bytes. A refused write must leave it byte-identical."""

from __future__ import annotations

PROBLEM = "application/problem+json"


def stored_state(client, tenant, plan_id: int | None = None) -> list[tuple]:
    urls = ["/api/v1/plans?page_size=100"]
    if plan_id is not None:
        base = f"/api/v1/plans/{plan_id}"
        urls += [base, f"{base}/inventory", f"{base}/answers", f"{base}/findings?resolved=all", f"{base}/reports"]
    state = []
    for url in urls:
        resp = client.get(url, headers=tenant.headers("read"))
        state.append((url, resp.status_code, resp.headers.get("ETag"), resp.headers.get("X-Pagination"), resp.data))
    return state


def send(client, tenant, method: str, url: str, body: bytes | str, **headers):
    """A raw JSON body, exactly as given (so NaN, duplicate keys and lone surrogates reach the server)."""
    data = body.encode() if isinstance(body, str) else body
    return client.open(
        url, method=method, data=data, content_type="application/json", headers=tenant.headers(**headers)
    )


def problems(resp) -> dict[str, str]:
    """The problem's errors, path -> message (the first per path)."""
    assert resp.mimetype == PROBLEM, resp.data[:200]
    out: dict[str, str] = {}
    for error in resp.get_json().get("errors", []):
        out.setdefault(error["path"], error["message"])
    return out
