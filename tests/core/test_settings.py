"""Settings as a user writes them: real environment variables and a real ``.env``, and the documented table
(docs/configuration.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from core.settings import PROJECT_ROOT, Settings

CONFIGURATION = PROJECT_ROOT / "docs" / "configuration.md"


def _keys(settings: Settings) -> list[str]:
    return [key.get_secret_value() for key in settings.admin_keys]


@pytest.mark.parametrize(("keys", "origins"), [
    ("first-key,second-key", "https://dichvucong.quangnam.gov.vn,https://portal.dongthap.gov.vn"),
    (" first-key , second-key ,", "https://dichvucong.quangnam.gov.vn, https://portal.dongthap.gov.vn"),
    ('["first-key", "second-key"]', '["https://dichvucong.quangnam.gov.vn", "https://portal.dongthap.gov.vn"]'),
])
def test_list_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, keys: str, origins: str) -> None:
    monkeypatch.setenv("HOIDAP_ADMIN_KEYS", keys)
    monkeypatch.setenv("HOIDAP_CORS_ORIGINS", origins)
    settings = Settings()
    assert _keys(settings) == ["first-key", "second-key"]
    assert settings.cors_origins == ["https://dichvucong.quangnam.gov.vn", "https://portal.dongthap.gov.vn"]


def test_list_settings_from_a_dotenv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".env").write_text("HOIDAP_ADMIN_KEYS=k1,k2\nHOIDAP_CORS_ORIGINS=https://a.gov.vn\n"
                                   "HOIDAP_TRUSTED_PROXIES=10.0.0.1,172.16.0.0/12\nHOIDAP_ADMIN_CORS_ORIGINS=[]\n",
                                   encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert _keys(settings) == ["k1", "k2"] and settings.cors_origins == ["https://a.gov.vn"]
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.1/32", "172.16.0.0/12"]
    assert settings.admin_cors_origins == []


def test_an_empty_list_and_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOIDAP_ADMIN_KEYS", "")
    settings = Settings()
    assert settings.admin_keys == [] and settings.cors_origins == ["*"] and settings.trusted_proxies == []


@pytest.mark.parametrize(("name", "value", "words"), [
    ("HOIDAP_ADMIN_KEYS", '["unclosed', "not a JSON list"),
    ("HOIDAP_TRUSTED_PROXIES", "10.0.0.1,proxy.local", "proxy.local"),
])
def test_bad_lists_are_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str, words: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=re.escape(words)):
        Settings()


def test_secrets_are_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOIDAP_ADMIN_KEYS", "kept-hidden-1")
    monkeypatch.setenv("HOIDAP_LOG_KEY", "kept-hidden-2")
    assert "kept-hidden" not in repr(Settings()) and isinstance(Settings().log_key, SecretStr)


# --- the configuration table (docs/configuration.md) -----------------------------------------------------------


def _documented() -> dict[str, str]:
    """``HOIDAP_NAME -> default`` from the table of docs/configuration.md ``| variable | default | meaning |``.

    A row may name several variables; its defaults then come in the same order, or one default for all.
    """
    lines = CONFIGURATION.read_text(encoding="utf-8").splitlines()
    start = lines.index("| variable | default | meaning |") + 2
    table: dict[str, str] = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        names_cell, default_cell, _meaning = (cell.strip() for cell in line.strip("|").split("|", 2))
        names = re.findall(r"`(HOIDAP_\w+)`", names_cell)
        defaults = [d if d.startswith("`") else "" for d in re.findall(r"`[^`]*`|\(none\)", default_cell)] or [""]
        assert names, f"configuration table row without a variable: {line}"
        if len(defaults) == 1:
            defaults *= len(names)
        assert len(defaults) == len(names), f"configuration table row with {len(names)} variables and {len(defaults)} defaults: {line}"
        for name, default in zip(names, defaults):
            assert name not in table, f"{name} documented twice"
            table[name] = default.strip("`").strip()
    return table


def _shown(value: object) -> str:
    """A default as the table writes it: paths inside the project relative to it, lists comma-separated."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(_shown(v) for v in value)
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return "true" if value else "false"  # as an environment variable is written
    text = str(value)
    root = str(PROJECT_ROOT) + "/"
    return text[len(root):] if text.startswith(root) else text.strip()


def _same(documented: str, real: str) -> bool:
    documented = documented.removeprefix("./")
    try:
        return float(documented) == float(real)
    except ValueError:
        return documented == real


def test_the_configuration_table_documents_every_setting_with_its_real_default() -> None:
    documented = _documented()
    prefix = Settings.model_config["env_prefix"]
    fields = {prefix + name.upper(): field for name, field in Settings.model_fields.items()}
    assert sorted(set(fields) - set(documented)) == [], "settings missing from the table of docs/configuration.md"
    assert sorted(set(documented) - set(fields)) == [], "docs/configuration.md documents variables Settings does not have"
    wrong = {name: (documented[name], _shown(field.get_default(call_default_factory=True)))
             for name, field in fields.items() if not _same(documented[name], _shown(field.get_default(call_default_factory=True)))}
    assert wrong == {}, "docs/configuration.md default differs from core/settings.py (documented, real)"


def test_the_table_check_would_notice_a_wrong_default() -> None:
    assert not _same("5", "3") and not _same("./data", "corpus/documents") and _same("20", "20.0")
    assert _shown(["*"]) == "*" and _shown(None) == "" and _shown(PROJECT_ROOT / "models" / "m") == "models/m"
