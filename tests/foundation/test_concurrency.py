"""Concurrent callers on one database: reads and writes from several threads
never fail with "database is locked" (SQLite) or a lost update."""

from __future__ import annotations

import threading


def test_concurrent_reads_and_writes_all_succeed(app, make_tenant):
    tenants = [make_tenant(f"busy{i}") for i in range(4)]
    statuses: list[int] = []
    lock = threading.Lock()

    def work(tenant):
        client = app.test_client()
        pid = client.post("/api/v1/plans", json={"name": "p"}, headers=tenant.headers()).get_json()["id"]
        for i in range(15):
            got = [
                client.get(f"/api/v1/plans/{pid}", headers=tenant.headers("read")).status_code,
                client.patch(f"/api/v1/plans/{pid}", json={"name": f"p{i}"}, headers=tenant.headers()).status_code,
                client.patch(
                    f"/api/v1/plans/{pid}/inventory",
                    json={"zones": [{"id": f"z{i}", "trust_level": 2}]},
                    headers=tenant.headers(),
                ).status_code,
            ]
            with lock:
                statuses.extend(got)

    threads = [threading.Thread(target=work, args=(t,)) for t in tenants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    client = app.test_client()
    for tenant in tenants:
        plans = client.get("/api/v1/plans", headers=tenant.headers()).get_json()
        assert len(plans) == 1 and plans[0]["name"] == "p14" and plans[0]["counts"]["zones"] == 15
