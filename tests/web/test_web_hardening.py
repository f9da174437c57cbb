"""The Hardening tab: evidence listed, attached and detached through the web forms."""

from __future__ import annotations

import io
import re
from pathlib import Path

from signin_client import csrf as _csrf

DATA = Path(__file__).resolve().parents[1] / "data" / "hardening"


def test_attach_show_and_detach(signed_in):
    client, plan_id = signed_in
    page = f"/plans/{plan_id}/hardening"
    assert "No evidence attached." in client.get(page).get_data(as_text=True)
    data = {
        "file": (io.BytesIO((DATA / "synthetic-scg.csv").read_bytes()), "synthetic-scg.csv"),
        "csrf_token": _csrf(client, page),
    }
    resp = client.post(f"/plans/{plan_id}/evidence", data=data, content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(page)
    html = client.get(page).get_data(as_text=True)
    assert "synthetic-scg.csv" in html and "5 controls" in html
    evidence_id = re.search(r"/evidence/(\d+)/detach", html).group(1)
    detached = client.post(f"/plans/{plan_id}/evidence/{evidence_id}/detach", data={"csrf_token": _csrf(client, page)})
    assert detached.status_code == 302
    assert "No evidence attached." in client.get(page).get_data(as_text=True)


def test_an_unreadable_file_is_shown_with_its_problems_and_nothing_is_kept(signed_in):
    client, plan_id = signed_in
    page = f"/plans/{plan_id}/hardening"
    bad = (DATA / "host-esx-int.ckl").read_bytes().replace(b"<STATUS>Open</STATUS>", b"<STATUS>Done</STATUS>")
    data = {"file": (io.BytesIO(bad), "host-esx-int.ckl"), "csrf_token": _csrf(client, page)}
    resp = client.post(f"/plans/{plan_id}/evidence", data=data, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "CHECKLIST/STIGS/iSTIG[1]/VULN[1]/STATUS" in html and "got &#39;Done&#39;" in html
    assert "No evidence attached." in html
    no_token = client.post(
        f"/plans/{plan_id}/evidence", data={"file": (io.BytesIO(b"x"), "a.csv")}, content_type="multipart/form-data"
    )
    assert no_token.status_code == 400
