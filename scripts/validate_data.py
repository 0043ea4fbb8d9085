"""`rasa data validate` without the warnings nobody acts on; fails on any other warning.

Rasa warns about domain names no story or rule mentions, yet some are used from code, by
design. This runs Rasa's validation and drops exactly those warnings:

- "The utterance 'utter_x' is not used in any story or rule." when actions/ or bot/ say that
  response by name, or build its name from a constant prefix (f"utter_summary_{slot}_..."),
  or when Rasa says it itself: utter_ask_<slot> for a slot a form of the domain requires
  (its question), utter_default (action_default_fallback);
- "The intent 'x' is not used in any story or rule." when actions/ or bot/ read that intent
  by name (affirm and deny answer the forms' questions);
- "The intent 'x' is listed in the domain file, but is not found in the NLU training data."
  when a button of the domain sends it as a payload (/change_answer{...}: button-only).

Every other validation warning is printed and fails the run, as does Rasa's own failure.
Warnings of Python libraries while Rasa starts (DeprecationWarning and the like, raised
from site-packages) say nothing about the data and are not counted.

    python scripts/validate_data.py [--rasa var/venv-rasa/bin/rasa]
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("actions", "bot")
# Rasa's validator raises UserWarnings (rasa.shared.utils.io.raise_warning), printed by
# Python's `warnings` as "<file>:<line>: UserWarning: <message>", maybe in colour.
WARNING = re.compile(r"^(?:.*?:\d+: )?UserWarning: (?P<message>.*)$")
ANSI = re.compile(r"\x1b\[[0-9;]*m")
UNUSED_UTTERANCE = re.compile(
    r"^The utterance '(?P<name>utter_\w+)' is not used in any story or rule\.$")
UNUSED_INTENT = re.compile(r"^The intent '(?P<name>\w+)' is not used in any story or rule\.$")
INTENT_WITHOUT_EXAMPLES = re.compile(
    r"^The intent '(?P<name>\w+)' is listed in the domain file, but is not found in the NLU "
    r"training data\.$")
# An utterance named in code: the whole name in quotes, or an f-string's prefix (then "{").
CODE_UTTERANCE = re.compile(r"""["'](utter_\w*?)(\{|["'])""")
CODE_WORD = re.compile(r"""["']([a-z_]+)["']""")
PAYLOAD_INTENT = re.compile(r"""payload:\s*["']?/(\w+)""")


@dataclass(frozen=True)
class Referenced:
    """What the code and the domain's buttons use although no story mentions it."""

    utterances: frozenset[str] = frozenset()
    prefixes: frozenset[str] = frozenset()
    words: frozenset[str] = frozenset()  # quoted identifiers in code: intents read by name
    button_intents: frozenset[str] = frozenset()
    said_by_rasa: frozenset[str] = frozenset()  # forms' questions, the default fallback

    def explains(self, message: str) -> bool:
        match = UNUSED_UTTERANCE.match(message)
        if match:
            name = match.group("name")
            return name in self.utterances or name in self.said_by_rasa \
                or any(name.startswith(p) for p in self.prefixes)
        match = UNUSED_INTENT.match(message)
        if match:
            return match.group("name") in self.words
        match = INTENT_WITHOUT_EXAMPLES.match(message)
        if match:
            return match.group("name") in self.button_intents
        return False


def referenced_in(code: Iterable[str], domain: Iterable[str] = ()) -> Referenced:
    """What `code` (Python sources) and `domain` (domain/*.yml texts) use by name."""
    domain = list(domain)
    utterances: set[str] = set()
    prefixes: set[str] = set()
    words: set[str] = set()
    for text in code:
        for name, after in CODE_UTTERANCE.findall(text):
            if after != "{":
                utterances.add(name)
            elif name != "utter_":  # f"utter_{x}" would explain every utterance
                prefixes.add(name)
        words.update(CODE_WORD.findall(text))
    buttons = {intent for text in domain for intent in PAYLOAD_INTENT.findall(text)}
    said = {"utter_default"}
    for text in domain:
        for form in ((yaml.safe_load(text) or {}).get("forms") or {}).values():
            said.update(f"utter_ask_{slot}" for slot in (form or {}).get("required_slots") or [])
    return Referenced(frozenset(utterances), frozenset(prefixes), frozenset(words),
                      frozenset(buttons), frozenset(said))


def referenced_by_project(root: Path = ROOT) -> Referenced:
    code = [path.read_text("utf-8") for folder in CODE_FOLDERS
            for path in sorted((root / folder).rglob("*.py"))]
    domain = [path.read_text("utf-8") for path in sorted((root / "domain").glob("*.yml"))]
    return referenced_in(code, domain)


def warnings_in(output: str) -> list[str]:
    """Rasa's validation warnings in its output (colours removed), one message each."""
    found = []
    for line in ANSI.sub("", output).splitlines():
        match = WARNING.match(line.strip())
        if match:
            found.append(match.group("message").strip())
    return found


def unexplained(messages: Sequence[str], referenced: Referenced) -> list[str]:
    return [message for message in messages if not referenced.explains(message)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rasa", default=str(ROOT / "var" / "venv-rasa" / "bin" / "rasa"))
    args = parser.parse_args(argv)
    done = subprocess.run([args.rasa, "data", "validate", "--domain", "domain"], cwd=ROOT,
                          capture_output=True, text=True)
    output = done.stdout + "\n" + done.stderr
    if done.returncode != 0:
        sys.stderr.write(output)
        print(f"rasa data validate failed (exit {done.returncode})", file=sys.stderr)
        return done.returncode
    messages = warnings_in(output)
    left = unexplained(messages, referenced_by_project())
    for message in left:
        print(f"warning: {message}", file=sys.stderr)
    print(f"rasa data validate: {len(messages) - len(left)} warnings about names the actions "
          f"use or buttons send dropped, {len(left)} left")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
