"""The pages' forms: WTForms through Flask-WTF (which binds the request's form
fields and files), with the site's one CSRF mechanism.

Every form that changes anything is checked before any view runs
(:func:`planner.web.guards.check_csrf`: the ``csrf_token`` field against this
browser's token). A :class:`Form` carries the same token in the same field
and checks it the same way, so a page may use a WTForms class or a plain
``forms.csrf_field()`` and nothing tells them apart.

Validation has two layers: the form's own (types, required fields, lengths:
what a browser can get wrong) and the service's (the domain's rules, raised as
:class:`planner.services.errors.Invalid` with ``[{path, message}]``).
:meth:`Form.adopt` puts the service's problems beside the fields they name, so
a refused form is shown again with every value kept and each problem beside
its field.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping

from flask import session
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, ValidationError
from wtforms.csrf.core import CSRF
from wtforms.widgets import CheckboxInput, ListWidget

from . import guards


class SessionCSRF(CSRF):
    """The browser's form token (guards.csrf_token), as every page's forms carry it."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return guards.csrf_token()

    def validate_csrf_token(self, form, field) -> None:
        if not field.data or not hmac.compare_digest(str(field.data), session.get("csrf", "")):
            raise ValidationError("The form expired or came from elsewhere; reload the page and try again.")


class Form(FlaskForm):
    class Meta:
        csrf = True
        csrf_class = SessionCSRF
        csrf_field_name = "csrf_token"

    def adopt(self, problems: Iterable[Mapping[str, str]], fields: Mapping[str, str] | None = None) -> None:
        """Show a service's problems: each beside the field its path names
        (``fields`` maps a path to a field name where they differ), the rest
        above the form (``form_errors``)."""
        fields = fields or {}
        for problem in problems:
            name = fields.get(problem["path"], problem["path"])
            field = self._fields.get(name)
            if field is not None and name != "csrf_token":
                field.errors = [*field.errors, problem["message"]]
            else:
                self.form_errors.append(
                    f"{problem['path']}: {problem['message']}" if problem["path"] else problem["message"]
                )

    @property
    def problem_count(self) -> int:
        return len(self.form_errors) + sum(len(f.errors) for name, f in self._fields.items() if name != "csrf_token")


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """The choices of a select, radio or checkbox field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (forms.field() renders it as a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
