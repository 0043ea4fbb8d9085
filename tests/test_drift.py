"""Drift checks: what the domain names exists in code and the other way round; every sentence
has French and English; every CLI command is documented; every article is indexed."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

from rasa_sdk import Action

import actions
from bot.cli import main
from bot.domain import load_domain
from bot.settings import ROOT

DOMAIN = load_domain()


def action_classes():
    found = {}
    for module in pkgutil.iter_modules(actions.__path__):
        loaded = importlib.import_module(f"actions.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            # Abstract bases (actions/forms.py) are not actions: rasa-sdk skips them too.
            if issubclass(cls, Action) and cls.__module__ == loaded.__name__ \
                    and not inspect.isabstract(cls):
                found[cls().name()] = cls
    return found


def test_every_custom_action_in_the_domain_is_implemented_and_vice_versa():
    implemented = action_classes()
    assert set(DOMAIN["actions"]) == set(implemented)


def test_class_names_mirror_action_names():
    for name, cls in action_classes().items():
        expected = "".join(part.capitalize() for part in name.split("_"))
        assert cls.__name__ == expected, (name, cls.__name__)


def test_every_response_used_in_code_exists():
    used = set()
    for path in list((ROOT / "actions").glob("*.py")) + list((ROOT / "web").glob("*.py")):
        used |= set(re.findall(r'response="(utter_[a-z_]+)"', path.read_text("utf-8")))
    assert used and used <= set(DOMAIN["responses"]), used - set(DOMAIN["responses"])


def test_every_response_has_french_default_and_english_variation():
    for name, variations in DOMAIN["responses"].items():
        english = [v for v in variations if any(c.get("value") == "en"
                                                 for c in v.get("condition", []))]
        french = [v for v in variations if not v.get("condition")]
        assert len(english) == 1 and len(french) == 1, name
        assert bool(english[0].get("buttons")) == bool(french[0].get("buttons")), name


def test_every_cli_command_is_documented():
    readme = ((ROOT / "README.md").read_text("utf-8")
              + (ROOT / "knowledge" / "README.md").read_text("utf-8"))
    for name in main.commands:
        assert f"`{name}`" in readme or f"bot {name}" in readme, name


def test_every_knowledge_file_is_indexed():
    import json

    from bot.knowledge.articles import load_corpus
    from bot.knowledge.store import current_path
    from bot.settings import Settings

    settings = Settings.from_env()
    articles = {(a.id, a.lang) for a in load_corpus(ROOT / "knowledge").articles}
    indexed = json.loads((current_path(settings.index_dir) / "articles.json").read_text("utf-8"))
    assert {(a["id"], a["lang"]) for a in indexed} == articles
