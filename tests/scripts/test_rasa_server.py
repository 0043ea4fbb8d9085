"""scripts/rasa_server.py: Rasa's check of action-server replies, with the validator built once,
accepts and rejects exactly what Rasa's own check does, with the same message."""
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / "var" / "venv-rasa" / "bin" / "python"

SCRIPT = """
import json, sys
sys.path.insert(0, sys.argv[1])
from rasa.core.actions.action import RemoteAction
import rasa_server

REPLIES = [
    {"events": [{"event": "slot", "name": "language", "value": "fr", "timestamp": None}],
     "responses": [{"text": "Bonjour"}]},
    {"events": [], "responses": []},
    {"events": [{"event": "slot"}], "responses": [{"text": "x"}]},
    {"events": [{"event": "not_an_event"}], "responses": []},
    {"events": [], "responses": "not a list"},
    {"events": "not a list"},
]
action = RemoteAction("action_answer_from_knowledge", None)

def outcomes():
    out = []
    for reply in REPLIES:
        try:
            out.append(["valid", action._validate_action_result(reply)])
        except Exception as error:
            out.append([type(error).__name__, error.message])
    return out

original = outcomes()
rasa_server.install_cached_reply_validator()
print(json.dumps({"original": original, "cached": outcomes()}))
"""


@pytest.mark.slow
def test_cached_validator_matches_rasa_check(tmp_path):
    script = tmp_path / "check.py"
    script.write_text(SCRIPT, "utf-8")
    done = subprocess.run([str(RASA_PYTHON), str(script), str(ROOT / "scripts")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["cached"] == result["original"]
    verdicts = [kind for kind, _ in result["cached"]]
    assert verdicts == ["valid", "valid", "ValidationError", "ValidationError",
                        "ValidationError", "ValidationError"]
    assert "Failed to validate Action server response" in result["cached"][-1][1]
