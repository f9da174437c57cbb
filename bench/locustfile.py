"""The load bench/load.py puts on VirtPlan with locust (headless, on 127.0.0.1).

Each consultant belongs to one organization (its API token and a signed-in
browser session of one of its users) and works on that organization's plans,
without pause, in this mix:

- 5 × GET /api/v1/plans/{id}/findings (a page of 50, worst first)
- 3 × GET /plans/{id}/inventory/vms?page=N (the web inventory table, signed in)
- 1 × PATCH /api/v1/plans/{id}/answers/{question} (an answer flipped)

and, when VIRTPLAN_LOAD_REPORT_EVERY is more than 0 (seconds; the issue's mix: 6),
one requester asks for a CSV report of a plan that often, round the organizations
(POST /api/v1/plans/{id}/reports; the job goes to the Celery workers, which analyse
the plan again when its answers changed).

The world (organizations, tokens, users, plans) is read from the JSON file
named by VIRTPLAN_LOAD_WORLD, which bench/load.py writes. A 429 (an
organization's report bound) counts as an error: the target is none.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import FastHttpUser, constant, constant_pacing, task

WORLD = json.loads(open(os.environ["VIRTPLAN_LOAD_WORLD"]).read())  # noqa: SIM115
QUESTION = "initiation.policy.hypervisor_types"
_accounts = itertools.cycle(WORLD["accounts"])


class Consultant(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        account = next(_accounts)
        self.token = {"Authorization": f"Bearer {account['token']}"}
        self.plans = account["plans"]
        self.pages = WORLD["vm_pages"]
        self.random = random.Random(account["username"])
        page = self.client.get("/login", name="/login").text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = {"username": account["username"], "password": WORLD["password"], "csrf_token": csrf}
        with self.client.post("/login", data=form, name="/login", allow_redirects=False, catch_response=True) as r:
            if r.status_code != 302:
                r.failure(f"sign-in answered {r.status_code}")

    def _plan(self) -> int:
        return self.random.choice(self.plans)

    @task(5)
    def findings(self) -> None:
        self.client.get(f"/api/v1/plans/{self._plan()}/findings?page_size=50", headers=self.token, name="GET findings")

    @task(3)
    def inventory_page(self) -> None:
        page = self.random.randint(1, self.pages)
        self.client.get(f"/plans/{self._plan()}/inventory/vms?page={page}", name="GET inventory page")

    @task(1)
    def answer(self) -> None:
        self.client.patch(
            f"/api/v1/plans/{self._plan()}/answers/{QUESTION}",
            json={"value": self.random.random() < 0.5},
            headers=self.token,
            name="PATCH answer",
        )


REPORT_EVERY = float(os.environ.get("VIRTPLAN_LOAD_REPORT_EVERY", "6"))

if REPORT_EVERY > 0:

    class Requester(FastHttpUser):
        fixed_count = 1
        wait_time = constant_pacing(REPORT_EVERY)

        def on_start(self) -> None:
            self.turn = itertools.cycle([(a["token"], plan) for a in WORLD["accounts"] for plan in a["plans"]])

        @task
        def report(self) -> None:
            token, plan = next(self.turn)
            self.client.post(
                f"/api/v1/plans/{plan}/reports",
                json={"format": "csv"},
                headers={"Authorization": f"Bearer {token}"},
                name="POST report",
            )
