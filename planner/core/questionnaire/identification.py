"""The SP 800-18 Rev. 1 system identification, as the Initiation phase asks it.

The question ids are fixed (``questionnaires/initiation.yaml`` defines the
questions): the security plan's cover, identification table, metadata and
sign-off read them, and so does the CLI for the plan's name and organization.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .answers import Answer

PREFIX = "initiation.identification."
SYSTEM_NAME = PREFIX + "system_name"
ORGANIZATION = PREFIX + "organization"
SYSTEM_OWNER = PREFIX + "system_owner"
AUTHORIZING_OFFICIAL = PREFIX + "authorizing_official"
OPERATIONAL_STATUS = PREFIX + "operational_status"
CLASSIFICATION_MARKING = PREFIX + "classification_marking"
PREPARED_BY = PREFIX + "prepared_by"

#: (question id, label), in the order of the SP 800-18 Rev. 1 outline.
IDENTIFICATION = (
    (SYSTEM_NAME, "System name"),
    (ORGANIZATION, "Responsible organization"),
    (SYSTEM_OWNER, "System owner"),
    (AUTHORIZING_OFFICIAL, "Authorizing official"),
    (OPERATIONAL_STATUS, "Operational status"),
    (PREFIX + "system_type", "System type"),
    (PREFIX + "description", "Description and purpose"),
    (PREFIX + "environment", "System environment"),
    (PREFIX + "interconnections", "System interconnections"),
    (CLASSIFICATION_MARKING, "Classification marking"),
    (PREPARED_BY, "Prepared by"),
)


def answered_text(answers: Mapping[str, Answer], question_id: str) -> str | None:
    """The text answered for ``question_id`` (stripped), or None when unanswered or blank."""
    entry = answers.get(question_id)
    if entry is None or not entry.answered:
        return None
    value: Any = entry.value
    text = str(value).strip() if value is not None else ""
    return text or None
