"""bot/settings.py declares every environment variable once; .env.example and the README's
configuration table list exactly those, the code reads no other; .env is read below the real
environment (by the settings and by scripts/stack.py)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.settings import ROOT, Environment, Settings, configuration_table, read_env_file
from scripts.stack import Ports, Stack

EXAMPLE = ROOT / ".env.example"
DECLARED = set(Environment.model_fields)
NAME = r"([A-Z][A-Z0-9_]*)"
# How Python code could read a variable directly: os.environ.get / os.environ[...] /
# os.getenv / "X" in os.environ / env.get / env[...] / self.environment().get("X"). Only
# bot/settings.py may (through pydantic-settings, so it matches none of these).
PYTHON_READS = [
    re.compile(rf"""environ\.get\(\s*["']{NAME}["']"""),
    re.compile(rf"""environ\[\s*["']{NAME}["']\s*\]"""),
    re.compile(rf"""getenv\(\s*["']{NAME}["']"""),
    re.compile(rf"""["']{NAME}["']\s+(?:not\s+)?in\s+(?:os\.)?environ\b"""),
    re.compile(rf"""\benv\.get\(\s*["']{NAME}["']"""),
    re.compile(rf"""\benv\[\s*["']{NAME}["']\s*\](?!\s*=[^=])"""),  # not an assignment
    re.compile(rf"""environment\(\)\.get\(\s*["']{NAME}["']"""),
]
YAML_READS = re.compile(rf"\$\{{{NAME}\}}")  # Rasa's ${VAR} in endpoints files
MAKE_READS = re.compile(rf"^{NAME}\s*\?=", re.MULTILINE)  # overridable from the environment


def variables_read() -> dict[str, set[str]]:
    """{variable: {files reading it}} over bot/, web/, actions/, scripts/, the Makefile and
    the Rasa endpoints files."""
    found: dict[str, set[str]] = {}

    def add(names, path: Path) -> None:
        for name in names:
            found.setdefault(name, set()).add(str(path.relative_to(ROOT)))

    for folder in ("bot", "web", "actions", "scripts"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text("utf-8")
            for pattern in PYTHON_READS:
                add(pattern.findall(text), path)
    for path in ROOT.glob("endpoints*.yml"):
        add(YAML_READS.findall(path.read_text("utf-8")), path)
    add(MAKE_READS.findall((ROOT / "Makefile").read_text("utf-8")), ROOT / "Makefile")
    return found


def documented() -> dict[str, dict[str, str]]:
    """{variable: {"value", "comment"}} from .env.example (assignments may be commented out)."""
    entries: dict[str, dict[str, str]] = {}
    previous = ""
    for line in EXAMPLE.read_text("utf-8").splitlines():
        match = re.match(rf"^#?\s*{NAME}=(.*)$", line)
        if match:
            entries[match.group(1)] = {"value": match.group(2), "comment": previous}
        previous = line
    return entries


def test_the_scanner_sees_the_known_reads():
    """Guards the regexes: if the code's style changes, this fails before the real test lies."""
    read = variables_read()
    for name in ("TRACKER_PASSWORD", "TRACKER_HOST", "LOCK_STORE_PORT", "ACTION_SERVER_URL",
                 "VAR", "PYTEST_ARGS"):
        assert name in read, name
    assert PYTHON_READS[0].findall('os.environ.get("AWEX_X", "1")') == ["AWEX_X"]


def test_every_variable_read_anywhere_is_declared_in_the_settings():
    undeclared = {name: sorted(files) for name, files in variables_read().items()
                  if name not in DECLARED}
    assert not undeclared, f"declare these variables in bot/settings.py: {undeclared}"


def test_python_reads_variables_only_through_the_settings_module():
    direct = {name: sorted(f for f in files if f.endswith(".py") and f != "bot/settings.py")
              for name, files in variables_read().items()}
    assert not {name: files for name, files in direct.items() if files}, (
        "read them through bot.settings (Settings.from_env() or Environment.read())")


def test_env_example_lists_exactly_the_declared_variables_with_their_descriptions():
    entries = documented()
    assert set(entries) == DECLARED, (sorted(set(entries) - DECLARED),
                                      sorted(DECLARED - set(entries)))
    for name, info in Environment.model_fields.items():
        assert info.description, name
        assert entries[name]["comment"] == f"# {info.description}", name


def test_readme_configuration_table_is_the_settings_table():
    readme = (ROOT / "README.md").read_text("utf-8")
    assert configuration_table() in readme, (
        "paste the output of `python -m bot.settings` as the README's configuration table")
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, re.MULTILINE)
    assert sorted(rows) == sorted(DECLARED)


def test_every_entry_has_one_comment_line():
    for name, entry in documented().items():
        comment = entry["comment"]
        assert comment.startswith("# ") and not re.match(rf"^#?\s*{NAME}=", comment), name


def test_no_secret_has_a_real_value():
    placeholder = re.compile(r"change[-_]?me", re.IGNORECASE)
    for name, entry in documented().items():
        value = entry["value"].strip().strip("'\"")
        if re.search(r"SECRET|PASSWORD|TOKEN|(^|_)KEY$", name):
            assert value == "" or placeholder.search(value), (name, value)
        if "://" in value:
            password = urlsplit(value).password
            assert password is None or placeholder.search(password), (name, value)


def test_env_example_lines_are_all_commented_out():
    """Copying the file to .env changes nothing until someone means to."""
    for line in EXAMPLE.read_text("utf-8").splitlines():
        assert not line.strip() or line.startswith("#"), line


def test_stack_loads_dot_env_below_the_real_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("# a comment\n\nAWEX_SECRET_KEY=from-file\nexport AWEX_RASA_TIMEOUT='12'\n"
                        'AWEX_ALLOWED_ORIGINS="https://a.example,https://b.example"\n'
                        "ACTION_SERVER_HOST=0.0.0.0\nAWEX_STALE_AFTER_MONTHS=6\n", "utf-8")
    monkeypatch.setenv("AWEX_STALE_AFTER_MONTHS", "24")
    monkeypatch.delenv("AWEX_SECRET_KEY", raising=False)
    monkeypatch.delenv("AWEX_RASA_TIMEOUT", raising=False)
    monkeypatch.delenv("AWEX_ALLOWED_ORIGINS", raising=False)
    monkeypatch.delenv("ACTION_SERVER_HOST", raising=False)
    stack = Stack(Ports(), tmp_path / "logs")
    stack.env_file = env_file
    env = stack.environment()
    assert env["AWEX_SECRET_KEY"] == "from-file"
    assert env["AWEX_RASA_TIMEOUT"] == "12"
    assert env["AWEX_ALLOWED_ORIGINS"] == "https://a.example,https://b.example"
    assert env["SANIC_HOST"] == "0.0.0.0"
    assert env["AWEX_STALE_AFTER_MONTHS"] == "24"  # the real environment wins


def test_stack_without_dot_env_and_with_a_bad_line(tmp_path):
    stack = Stack(Ports(), tmp_path / "logs")
    stack.env_file = tmp_path / "missing.env"
    assert stack.environment()["PYTHONPATH"] == str(ROOT)
    bad = tmp_path / "bad.env"
    bad.write_text("GOOD=1\nthis is not an assignment\n", "utf-8")
    with pytest.raises(ValueError, match=":2:"):
        read_env_file(bad)


def test_settings_read_dot_env_below_the_environment(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("AWEX_RETENTION_DAYS=30\nexport WEB_PORT='9090'\nAWEX_TRUSTED_PROXIES=\n"
                        "NOT_OURS=1\n", "utf-8")
    monkeypatch.setenv("WEB_PORT", "7070")
    monkeypatch.delenv("AWEX_RETENTION_DAYS", raising=False)
    monkeypatch.delenv("AWEX_TRUSTED_PROXIES", raising=False)
    environment = Environment(_env_file=env_file)
    assert environment.AWEX_RETENTION_DAYS == 30
    assert environment.WEB_PORT == 7070  # the real environment wins
    assert environment.AWEX_TRUSTED_PROXIES == 0  # empty is unset


def test_settings_from_a_mapping_ignore_the_process_environment(monkeypatch):
    monkeypatch.setenv("AWEX_RETENTION_DAYS", "7")
    assert Settings.from_env({}).retention_days == 90
    assert Settings.from_env({"AWEX_RETENTION_DAYS": "12"}).retention_days == 12
    assert Settings.from_env().retention_days == 7
    configured = Settings.from_env({"LOCK_STORE_HOST": "redis.internal",
                                    "AWEX_ALLOWED_ORIGINS": "https://a.example,https://b.example"})
    assert configured.ratelimit_storage_uri == "redis://redis.internal:6379/2"
    assert configured.allowed_origins == ("https://a.example", "https://b.example")
    with pytest.raises(ValueError):
        Settings.from_env({"WEB_PORT": "eighty"})


def test_dot_env_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text("utf-8").split()
    assert ".env" in ignored
