"""Where the pathway files are and how their texts are read: fixed names in one folder, nothing parsed.

Reading the texts is all a quick consult needs of the files (they key the compiled-layer cache), so
this module imports neither YAML nor pydantic; parsing and validating them is `loading`'s job. Only
the names below are ever read, and a name that leads out of the folder is refused.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ntrk_advisor.contract.vocabulary import PathwayName
from ntrk_advisor.errors import PathwayError, PathwayProblem

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:  # pragma: no cover - Python 3.10
        from importlib.abc import Traversable

CATALOGUE_FILES = (
    "knowledge.yaml",
    "questions.yaml",
    "arguments.yaml",
    "evidence.yaml",
    "cautions.yaml",
    "recommendations.yaml",
)
PATHWAY_FILES = tuple(f"{p.value}.yaml" for p in PathwayName)
REVIEWERS_FILE = "reviewers.yaml"
"""The institution's reviewers and their public keys (optional)."""
REVIEWS_FOLDER = "reviews"
"""Signed review records, one YAML file per reviewer or pathway (optional): `reviews/NAME.yaml`."""
_REVIEW_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}\.yaml$")
MAX_REVIEW_FILES = 1000

BUILTIN_FOLDER = "builtin_pathways"
"""Where a wheel installs the repository's `pathways/` folder, inside the package."""


def builtin_source() -> Traversable:
    """The pathway modules shipped with the tool, from a wheel or a source checkout.

    A wheel carries the repository's top-level `pathways/` folder inside the package (as
    `ntrk_advisor/builtin_pathways`, mapped at build time), so installing it adds no top-level
    `pathways` import package that could collide with another distribution's. A source checkout
    or an editable install reads the folder where the clinician edits it, next to the package.

    A package on disk (every install and checkout) is read as plain paths: `importlib.resources`
    costs a quick consult about 4 ms of CPU to say the same. Only a package imported from an
    archive is read through it.
    """
    package = Path(__file__).parent.parent
    if not Path(__file__).is_file():  # pragma: no cover - imported from a zip archive
        from importlib import resources

        return resources.files("ntrk_advisor").joinpath(BUILTIN_FOLDER)
    packaged = package / BUILTIN_FOLDER
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "pathways"


def folder_of(source: Traversable | Path | str | None) -> Traversable:
    """The folder to read: the built-in modules for None, else the folder given."""
    if source is None:
        return builtin_source()
    return Path(source) if isinstance(source, str) else source


def read_texts(root: Traversable) -> dict[str, str | None]:
    """Every file's text, by name; raises `PathwayError` naming each file missing or unreadable.

    The review files are read too when there are any (`reviewers.yaml`, `reviews/*.yaml`), so a
    new or changed review record changes the cache key like any other edit.
    """
    problems: list[PathwayProblem] = []
    inside = root.resolve() if isinstance(root, Path) else None
    texts = {name: _read_text(root, name, problems, inside) for name in CATALOGUE_FILES + PATHWAY_FILES}
    for name in review_file_names(root, problems):
        texts[name] = _read_text(root, name, problems, inside)
    if problems:
        raise PathwayError(problems)
    return texts


def review_file_names(root: Traversable, problems: list[PathwayProblem]) -> list[str]:
    """`reviewers.yaml` and each `reviews/NAME.yaml` present, in name order (other names are not read)."""
    names = [REVIEWERS_FILE] if root.joinpath(REVIEWERS_FILE).is_file() else []
    folder = root.joinpath(REVIEWS_FOLDER)
    if not folder.is_dir():
        return names
    found = sorted(entry.name for entry in folder.iterdir() if _REVIEW_NAME.match(entry.name))
    if len(found) > MAX_REVIEW_FILES:
        problems.append(
            PathwayProblem(REVIEWS_FOLDER, "-", f"more than {MAX_REVIEW_FILES} review files; merge them")
        )
        return names
    return names + [f"{REVIEWS_FOLDER}/{name}" for name in found]


def _read_text(
    root: Traversable, name: str, problems: list[PathwayProblem], inside: Path | None
) -> str | None:
    """A file's text; `inside` is the folder resolved, for a folder on disk (no link may lead out)."""
    node = root.joinpath(*name.split("/"))
    if inside is not None:
        resolved = Path(str(node)).resolve()
        if not resolved.is_relative_to(inside):
            problems.append(PathwayProblem(name, "-", "file leads outside the pathways folder"))
            return None
    if not node.is_file():
        problems.append(PathwayProblem(name, "-", "file not found"))
        return None
    try:
        return node.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(PathwayProblem(name, "-", f"cannot read: {exc}"))
        return None
