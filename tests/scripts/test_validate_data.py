"""scripts/validate_data.py: which of Rasa's validation warnings are dropped, which fail."""
from __future__ import annotations

from scripts.validate_data import (
    referenced_by_project,
    referenced_in,
    unexplained,
    warnings_in,
)

IO = "/srv/venv-rasa/lib/python3.10/site-packages/rasa/shared/utils/io.py:100"
OUTPUT = f"""2026-11-30 04:28:08 INFO     rasa.validator  - Validating utterances...
\x1b[0m\x1b[93m{IO}: UserWarning: The utterance 'utter_summary_budget_low' is not used in any story or rule.
\x1b[0m\x1b[93m{IO}: UserWarning: The utterance 'utter_kb_answer' is not used in any story or rule.
{IO}: UserWarning: The utterance 'utter_forgotten' is not used in any story or rule.
{IO}: UserWarning: The utterance 'utter_ask_budget' is not used in any story or rule.
{IO}: UserWarning: The intent 'affirm' is not used in any story or rule.
{IO}: UserWarning: The intent 'shrug' is not used in any story or rule.
{IO}: UserWarning: The intent 'change_answer' is listed in the domain file, but is not found in the NLU training data.
{IO}: UserWarning: The intent 'wave' is listed in the domain file, but is not found in the NLU training data.
{IO}: UserWarning: Issue found in 'data/stories.yml': the action 'utter_gone' is used in the stories, but is not a valid utterance action.
/srv/venv-rasa/lib/python3.10/site-packages/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to `pkg_resources.declare_namespace('ruamel')`.
"""
CODE = '''
dispatcher.utter_message(response="utter_kb_answer")
dispatcher.utter_message(response=f"utter_summary_{slot}_{value}")
dispatcher.utter_message(response=f"utter_{anything}")
INTENTS = {"affirm": "yes"}
'''
DOMAIN = '''
forms:
  budget_form:
    required_slots:
      - budget
responses:
  utter_summary:
    - text: "Change?"
      buttons:
        - payload: '/change_answer{"answer_slot":"budget"}'
'''


def test_warnings_are_read_with_or_without_colours_and_library_warnings_are_not():
    messages = warnings_in(OUTPUT)
    assert len(messages) == 9
    assert messages[0] == "The utterance 'utter_summary_budget_low' is not used in any story or rule."
    assert not any("pkg_resources" in m for m in messages)


def test_only_what_the_code_the_forms_or_the_buttons_use_is_dropped():
    left = unexplained(warnings_in(OUTPUT), referenced_in([CODE], [DOMAIN]))
    assert left == [
        "The utterance 'utter_forgotten' is not used in any story or rule.",
        "The intent 'shrug' is not used in any story or rule.",
        "The intent 'wave' is listed in the domain file, but is not found in the NLU training data.",
        "Issue found in 'data/stories.yml': the action 'utter_gone' is used in the stories, but "
        "is not a valid utterance action.",
    ]


def test_a_bare_utter_prefix_explains_nothing():
    referenced = referenced_in(['f"utter_{name}"'])
    assert not referenced.prefixes
    assert unexplained(["The utterance 'utter_x' is not used in any story or rule."],
                       referenced) != []


def test_the_project_s_code_names_what_its_actions_say():
    referenced = referenced_by_project()
    for name in ("utter_summary_", "utter_reason_", "utter_todo_", "utter_channel_"):
        assert name in referenced.prefixes, name
    assert {"utter_kb_answer", "utter_lead_stored"} <= referenced.utterances
    assert "utter_ask_lead_email" in referenced.said_by_rasa
    assert "change_answer" in referenced.button_intents
