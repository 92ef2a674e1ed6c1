"""``pip install .`` (not only editable) carries what the code reads at run time: the widget, the corpus."""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

from core.settings import PROJECT_ROOT

PYPROJECT = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PACKAGES = ["core", "hoidap", "corpus", "index", "api", "bot", "eval"]


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

