"""Issue 16: an analysis run assesses its plan without holding the plan's lock, so an
answer saved meanwhile is not kept waiting for it; and a run that finds the plan
changed while it assessed assesses it again, so it never stores an older state than
a run stored meanwhile. Real concurrent requests through the API on SQLite and
PostgreSQL, synchronised by events: the first run is held just before it takes the
plan's lock (its assessment made), while the other requests run to their end."""

from __future__ import annotations

import threading

from sqlalchemy import event

#: A yes/no question whose "no" is a weak answer, and the finding that weak answer fires.
WEAK_QUESTION = "initiation.scope.needs_documented"
WEAK_RULE = "Q-INITIATION-SCOPE-NEEDS-DOCUMENTED"
#: A bound on a request that must not wait for the held run (a hang, not a measurement).
BOUND = 120


class HeldBeforeTheLock:
    """Holds the run of one thread at its first statement that takes the plan's lock
    (PostgreSQL: SELECT ... FOR UPDATE; SQLite: a writer's BEGIN IMMEDIATE) after it has
    read the inventory document it assesses, i.e. once its assessment is made; the rest go on."""

    def __init__(self, engine):
        self.engine = engine
        self.thread: int | None = None
        self.assessing = False
        self.assessed = threading.Event()
        self.go = threading.Event()

    def __call__(self, _conn, _cursor, statement, *_args):
        if threading.get_ident() != self.thread or self.assessed.is_set():
            return
        if statement.startswith("SELECT inventory_versions.document"):
            self.assessing = True
        elif self.assessing and ("FOR UPDATE" in statement or statement.startswith("BEGIN IMMEDIATE")):
            self.assessed.set()
            self.go.wait()

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc):
        self.go.set()
        event.remove(self.engine, "before_cursor_execute", self)


def _in_thread(action) -> tuple[threading.Thread, list]:
    answer: list = []
    thread = threading.Thread(target=lambda: answer.append(action()), daemon=True)
    thread.start()
    return thread, answer


def _done(action):
    """``action``'s answer; it must not wait for the held run."""
    thread, answer = _in_thread(action)
    thread.join(BOUND)
    assert not thread.is_alive(), "the request waited for the run being assessed"
    return answer[0]


def test_answers_saved_while_a_run_assesses_wait_for_nothing_and_it_never_undoes_a_newer_run(
    jobs_app, make_org, sessions
):
    org = make_org()
    client = jobs_app.test_client()
    plan = f"/api/v1/plans/{org.plan_id}"

    def answer(value: bool):
        return client.patch(
            f"{plan}/answers/{WEAK_QUESTION}",
            json={"value": value, "comment": None, "evidence": None},
            headers=org.headers(),
        )

    def analyse():
        return client.post(f"{plan}/analysis", headers=org.headers())

    def weak_findings() -> int:
        return len(client.get(f"{plan}/findings?rule={WEAK_RULE}", headers=org.headers()).get_json())

    assert answer(False).status_code == 200
    assert analyse().status_code == 201 and weak_findings() == 1

    with HeldBeforeTheLock(jobs_app.extensions["virtplan.engine"]) as held:
        first, first_answer = _in_thread(lambda: (setattr(held, "thread", threading.get_ident()), analyse())[1])
        assert held.assessed.wait(BOUND), "the first run did not reach the lock"
        # It has assessed the weak answer. Meanwhile the answer is improved and a second
        # run stores what that changes: neither waits for the first run.
        saved = _done(lambda: answer(True))
        assert saved.status_code == 200, saved.get_json()
        second = _done(analyse)
        assert second.status_code == 201 and second.get_json()["changes"]["resolved"] == 1
        assert weak_findings() == 0
        held.go.set()
        first.join(BOUND)
        assert not first.is_alive()
    # The first run found the answers changed since it assessed them: it assessed them
    # again, so it records the answers as they are and undoes nothing.
    run = first_answer[0].get_json()
    assert first_answer[0].status_code == 201, run
    assert run["answers_version"] == second.get_json()["answers_version"]
    assert run["id"] > second.get_json()["id"]
    assert (run["changes"]["resolved"], run["changes"]["new"], run["changes"]["reopened"]) == (0, 0, 0)
    assert weak_findings() == 0
    latest = client.get(f"{plan}/analysis", headers=org.headers()).get_json()
    assert latest["id"] == run["id"] and latest["answers_version"] == run["answers_version"]
