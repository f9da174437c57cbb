"""VirtPlan's knowledge as data: the recommendation catalog and the lifecycle
questionnaire (one YAML file per SP 800-125 §5 phase).

The files ship inside the wheel; code finds them through :func:`files` rather
than a path relative to the source tree, so an installed VirtPlan reads the same
definitions as a checkout. See ``README.md`` for the file formats.
"""

from __future__ import annotations

from importlib.resources import files as _package_files
from importlib.resources.abc import Traversable

#: The top-level questionnaire file (version and phase order).
QUESTIONNAIRE_FILE = "questionnaire.yaml"
#: The recommendation and control catalog.
CATALOG_FILE = "catalog.yaml"
#: The SP 800-53B control baselines (which controls LOW, MODERATE, HIGH, PRIVACY select).
BASELINES_FILE = "sp800-53r5-baselines.yaml"


def files() -> Traversable:
    """The directory (package resource) holding the definition files."""
    return _package_files(__name__)


def definition(name: str) -> Traversable:
    """One definition file by name, e.g. ``definition("planning.yaml")``."""
    return files().joinpath(name)
