"""The `bot` CLI: every command has help, check/build/search/stats behave on a tiny corpus."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import main


def test_every_command_has_help():
    runner = CliRunner()
    for name, command in main.commands.items():
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and command.help, name
        for param in command.params:
            if param.param_type_name == "option" and param.name != "help":
                assert param.help, f"{name} --{param.name} has no help text"


def test_check_build_search_stats(knowledge_env):
    runner = CliRunner()
    checked = runner.invoke(main, ["check"])
    assert checked.exit_code == 0 and "4 articles checked: 0 error(s)" in checked.output
    built = runner.invoke(main, ["build", "--quiet"])
    assert built.exit_code == 0 and "24 embedded" in built.output
    again = runner.invoke(main, ["build", "--quiet"])
    assert "index up to date" in again.output
    found = runner.invoke(main, ["search", "Combien coûte Tmall Global ?", "--json"])
    result = json.loads(found.output)
    assert result["status"] == "answer" and result["answer"]["article_id"] == "tmall-global"
    assert result["candidates"][0]["found_by"]
    stats = runner.invoke(main, ["stats"])
    assert "fr: 2 articles, 3 sections" in stats.output


def test_check_fails_with_file_and_line(knowledge_env):
    (knowledge_env.knowledge_dir / "fr" / "liege-hub.md").write_text("---\nid: liege-hub\n---\n",
                                                                    "utf-8")
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 1
    assert "liege-hub.md:1: error: the required field 'lang' is missing" in result.output


def test_check_reports_a_corrupt_serving_index(knowledge_env):
    runner = CliRunner()
    assert runner.invoke(main, ["build", "--quiet"]).exit_code == 0
    from bot.knowledge.store import current_path

    vectors = current_path(knowledge_env.index_dir) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])  # truncated on disk
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 1
    assert "serving index: error: the vector file" in result.output and "corrupt" in result.output
    rebuilt = runner.invoke(main, ["build", "--quiet"])  # same content, but heals the files
    assert rebuilt.exit_code == 0 and "is unreadable" in rebuilt.output
    assert runner.invoke(main, ["check"]).exit_code == 0


def test_suggest_reads_questions_on_stdin_and_ranks_articles_with_sections(knowledge_env):
    runner = CliRunner()
    missing = runner.invoke(main, ["suggest", "--json"], input='[{"question": "Tmall ?"}]')
    assert missing.exit_code == 1 and json.loads(missing.output)["status"] == "unavailable"
    assert runner.invoke(main, ["build", "--quiet"]).exit_code == 0
    items = [{"question": "Quelle caution faut-il pour Tmall Global ?", "lang": "fr"},
             {"question": "What does Alibaba do at Liège airport?", "lang": None}]
    found = runner.invoke(main, ["suggest", "--json"], input=json.dumps(items))
    assert found.exit_code == 0, found.output
    outcome = json.loads(found.output)
    first, second = outcome["results"]
    assert outcome["status"] == "ok" and second["lang"] == "en"
    assert first["suggestions"][0]["article"] == "tmall-global"
    assert first["suggestions"][0]["section"] == "Combien coûte Tmall Global ?"
    assert second["suggestions"][0] == {**second["suggestions"][0], "article": "liege-hub",
                                        "section": "What is the Liège hub?"}
    assert len(first["suggestions"]) <= 3
    assert all(0 < s["score"] <= 1 for s in first["suggestions"])
    bad = runner.invoke(main, ["suggest", "--json"], input='{"question": 1}')
    assert bad.exit_code == 2 and json.loads(bad.output)["status"] == "bad-input"


def test_eval_quick_measures_the_test_split_of_the_serving_index(knowledge_env, tmp_path):
    from bot.knowledge.evaluation import GoldQuestion

    candidates = [("Combien coûte Tmall Global ?", "fr", ["tmall-global"]),
                  ("Quel est le prix de Tmall Global ?", "fr", ["tmall-global"]),
                  ("What does Alibaba do in Liège?", "en", ["liege-hub"]),
                  ("What is Cainiao?", "en", ["liege-hub"]),
                  ("Who can sell on Tmall Global?", "en", ["tmall-global"]),
                  ("Quelle est la météo à Namur ?", "fr", []),
                  ("Qu'est-ce que Cainiao ?", "fr", ["liege-hub"]),
                  ("How much does Tmall Global cost?", "en", ["tmall-global"])]
    test = [c for c in candidates if GoldQuestion(c[0], c[1], tuple(c[2])).split == "test"]
    dev = [c for c in candidates if c not in test]
    assert test and dev, "the split of these questions changed: pick others"
    gold = tmp_path / "gold.yml"
    gold.write_text(json.dumps([{"q": q, "lang": lang, "expect": expect}
                                for q, lang, expect in candidates]), "utf-8")  # JSON is YAML
    runner = CliRunner()
    missing = runner.invoke(main, ["eval-quick", "--json", "--gold", str(gold)])
    assert missing.exit_code == 1 and json.loads(missing.output)["status"] == "unavailable"
    assert runner.invoke(main, ["build", "--quiet"]).exit_code == 0
    result = runner.invoke(main, ["eval-quick", "--json", "--gold", str(gold)])
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["status"] == "ok" and outcome["questions"] == len(test)
    assert outcome["index"].startswith("build-")
    assert set(outcome["figures"]) == {"fr", "en", "all"}
    assert set(outcome["figures"]["all"]) == {"right_section", "right_article", "answered",
                                              "declined", "wrong"}
    assert all(0 <= v <= 1 for m in outcome["figures"].values() for v in m.values())


@pytest.mark.slow
def test_the_worker_serves_builds_suggestions_and_evaluations_while_warm(knowledge_env):
    """`bot worker` (the console's engine child): ready once its models are loaded, then one
    reply per request line carrying the request's id, in one process, until stdin closes; a
    new build is what the next suggestions search."""
    import os
    import subprocess
    import sys

    from bot.settings import ROOT

    worker = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker"], cwd=ROOT,
                              env=dict(os.environ), stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def ask(request: dict | str) -> dict:
        worker.stdin.write((request if isinstance(request, str) else json.dumps(request)) + "\n")
        worker.stdin.flush()
        return json.loads(worker.stdout.readline())

    question = [{"question": "Quelle caution faut-il pour Tmall Global ?", "lang": "fr"}]
    try:
        assert json.loads(worker.stdout.readline()) == {"status": "ready"}
        before = ask({"id": 1, "do": "suggest", "items": question})
        assert (before["id"], before["status"]) == (1, "unavailable")  # no index yet
        built = ask({"id": 2, "do": "build"})
        assert (built["id"], built["status"], built["keys"], built["errors"]) == \
            (2, "built", 24, [])
        assert ask({"id": 3, "do": "build"})["status"] == "unchanged"
        after = ask({"id": 4, "do": "suggest", "items": question})
        assert after["status"] == "ok"
        assert after["results"][0]["suggestions"][0]["article"] == "tmall-global"
        measured = ask({"id": 5, "do": "eval-quick"})
        assert measured["status"] == "ok" and measured["index"].startswith("build-")
        assert len(measured["outcomes"]) == measured["questions"] > 100
        assert ask("not json")["status"] == "bad-input"
        assert ask({"id": 6, "do": "dance"}) == {"status": "bad-input", "id": 6,
                                                 "error": "unknown request 'dance'"}
        worker.stdin.close()
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
