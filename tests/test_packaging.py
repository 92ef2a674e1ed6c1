"""``pip install .`` (not only editable) carries what the code reads at run time: the widget, the corpus."""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from core.settings import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = ["core", "hoidap", "corpus", "index", "api", "bot", "cli", "eval"]


def _data_files() -> list[str]:
    """Files beside the code that are not Python, as ``package/relative/path``."""
    found = []
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*"):
            parts = path.relative_to(PROJECT_ROOT).parts
            # eval/reports: written by `hoidap eval`, not shipped
            if path.is_file() and path.suffix not in (".py", ".pyc") and not {"__pycache__", "reports"} & set(parts):
                found.append("/".join(parts))
    return sorted(found)


def test_the_packages_found_are_the_packages_listed() -> None:
    """Every top-level folder with an __init__.py is a package the wheel carries, and the other way round."""
    folders = sorted(p.parent.name for p in PROJECT_ROOT.glob("*/__init__.py") if p.parent.name != "tests")
    assert folders == sorted(PACKAGES)
    included = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(pattern.rstrip("*") for pattern in included) == sorted(PACKAGES)


def test_no_other_installed_distribution_provides_our_top_level_names() -> None:
    """The packages keep their folder names as top-level import names (docs/architecture.md, "Namespace"),
    which is safe only while nothing else installed into the same environment uses one of them."""
    import importlib.metadata

    providers = importlib.metadata.packages_distributions()
    clashes = {name: providers[name] for name in PACKAGES
               if set(providers.get(name, [])) - {PYPROJECT["project"]["name"]}}
    assert clashes == {}


def _requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_third_party_import_is_declared() -> None:
    """What the code and the tests import (at the top of a module or inside a function) is a dependency
    of pyproject.toml, so a fresh install has it."""
    import ast
    import importlib.metadata

    project = PYPROJECT["project"]
    declared = {_requirement_name(r) for r in project["dependencies"]}
    declared |= {_requirement_name(r) for extra in project["optional-dependencies"].values() for r in extra}
    ours = set(PACKAGES) | {"tests"}
    providers = importlib.metadata.packages_distributions()
    undeclared = {}
    for package in [*PACKAGES, "tests"]:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else []
                for top in {name.split(".")[0] for name in names} - ours - set(sys.stdlib_module_names) - {"__future__"}:
                    dists = {d.lower().replace("_", "-") for d in providers.get(top, [top])}
                    if not dists & declared:
                        undeclared.setdefault(top, str(path.relative_to(PROJECT_ROOT)))
    assert undeclared == {}, "declare these in pyproject.toml (dependencies or an extra)"


def test_every_data_file_is_package_data_or_known_not_to_be() -> None:
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]
    covered = [f for f in _data_files() if any(fnmatch.fnmatch(f.split("/", 1)[1], g) for g in globs.get(f.split("/")[0], []))]
    assert {"api/static/widget.js", "api/static/index.html", "api/static/doc.html"} <= set(covered)
    assert sorted(set(_data_files()) - set(covered)) == [], "add these to [tool.setuptools.package-data]"


def test_the_wheel_holds_the_widget_and_the_corpus(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy: building writes build/ and *.egg-info beside the sources
    shutil.copytree(PROJECT_ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "models", "data", "build", "*.egg-info", "__pycache__", ".pytest_cache", "tests", "reports"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path / "wheel"), str(source)], check=True, capture_output=True)
    [wheel] = (tmp_path / "wheel").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(_data_files()) <= names

