""".env.example documents every environment variable the code reads, with safe placeholders;
scripts/stack.py loads an ignored .env below the real environment."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import ROOT
from scripts.stack import Ports, Stack

EXAMPLE = ROOT / ".env.example"
NAME = r"([A-Z][A-Z0-9_]*)"
# How Python code here reads a variable: os.environ.get / os.environ[...] / os.getenv /
# "X" in os.environ / env.get (Settings.from_env, stack.environment) / _env_path(env, "X") /
# self.environment().get("X").
PYTHON_READS = [
    re.compile(rf"""environ\.get\(\s*["']{NAME}["']"""),
    re.compile(rf"""environ\[\s*["']{NAME}["']\s*\]"""),
    re.compile(rf"""getenv\(\s*["']{NAME}["']"""),
    re.compile(rf"""["']{NAME}["']\s+(?:not\s+)?in\s+(?:os\.)?environ\b"""),
    re.compile(rf"""\benv\.get\(\s*["']{NAME}["']"""),
    re.compile(rf"""\benv\[\s*["']{NAME}["']\s*\]"""),
    re.compile(rf"""_env_path\(\s*env\s*,\s*["']{NAME}["']"""),
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
    for name in ("AWEX_SECRET_KEY", "DATABASE_URL", "AWEX_VAR_DIR", "TRACKER_DB_URL",
                 "AWEX_RETENTION_DAYS", "TRACKER_PASSWORD", "ACTION_SERVER_URL", "WEB_THREADS",
                 "RASA_ENDPOINTS", "ACTION_SERVER_HOST", "VAR"):
        assert name in read, name


def test_every_variable_read_by_the_code_is_in_env_example():
    missing = {name: sorted(files) for name, files in variables_read().items()
               if name not in documented()}
    assert not missing, ("add these variables to .env.example (one comment line, then "
                         f"#NAME=safe-placeholder): {missing}")


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
    try:
        Stack.read_env_file(bad)
    except ValueError as exc:
        assert ":2:" in str(exc)
    else:
        raise AssertionError("a malformed .env line must be an error")


def test_dot_env_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text("utf-8").split()
    assert ".env" in ignored
