"""What the import contract ([tool.importlinter], run by `make test`) cannot see: channels reaching past the
facade through attributes (``assistant.quiz.start(...)``, ``state.store``)."""

from __future__ import annotations

import ast
from pathlib import Path

from core.settings import PROJECT_ROOT

CHANNELS = ("api", "bot")
# the assistant's parts behind its facade: a channel calls Assistant's own methods instead
BEHIND_THE_FACADE = {"quiz", "experts", "querylog", "answers"}


def _attribute_chains(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute | ast.Name | ast.Call):
            inner = node.value
            name = inner.attr if isinstance(inner, ast.Attribute) else inner.id if isinstance(inner, ast.Name) \
                else getattr(inner.func, "id", getattr(inner.func, "attr", ""))
            found.append((node.lineno, f"{name}.{node.attr}"))
    return found


def violations(root: Path) -> list[str]:
    out = []
    for package in CHANNELS:
        for path in sorted((root / package).rglob("*.py")):
            for line, chain in _attribute_chains(path):
                owner, attr = chain.split(".")
                if owner in ("assistant", "_assistant") and attr in BEHIND_THE_FACADE:
                    out.append(f"{path.relative_to(root)}:{line}: {chain}")
                if "routes" in path.parts and chain == "state.store":
                    out.append(f"{path.relative_to(root)}:{line}: {chain} (a route reads the store through the facade)")
    return out


def test_channels_call_the_facade_only() -> None:
    assert violations(PROJECT_ROOT) == []


def test_the_check_sees_a_channel_reaching_past_the_facade(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "api" / "routes").mkdir(parents=True)
    (tmp_path / "bot" / "x.py").write_text("def f(assistant, context):\n    assistant.quiz.start('p')\n"
                                           "    _assistant(context).experts.faq()\n    assistant.ask('q')\n")
    (tmp_path / "api" / "routes" / "y.py").write_text("def g(state):\n    return state.store.units()\n")
    assert violations(tmp_path) == ["api/routes/y.py:2: state.store (a route reads the store through the facade)",
                                    "bot/x.py:2: assistant.quiz", "bot/x.py:3: _assistant.experts"]
