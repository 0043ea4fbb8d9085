"""scripts/knowledge_nlu.py: the articles' questions become ask_knowledge examples, except
those that (near-)identically belong to another intent of data/nlu."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot.settings import ROOT, Settings
from scripts import knowledge_nlu
from scripts.knowledge_nlu import claimed_by, fold, other_intent_examples, render, split_questions


def write_nlu(folder: Path) -> Path:
    folder.mkdir()
    (folder / "assessment.yml").write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: start_assessment\n    examples: |\n"
        "      - Ma PME est-elle prête pour l'e-commerce en Chine ?\n"
        "      - quel canal choisir pour vendre en Chine ?\n"
        "  - intent: ask_knowledge\n    examples: |\n"
        "      - c'est quoi tmall global\n", encoding="utf-8")
    (folder / "extra.yml").write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: request_advisor\n    examples: |\n"
        "      - How do I contact an Awex advisor?\n", encoding="utf-8")
    # The generated file itself never claims anything.
    (folder / "knowledge.yml").write_text(
        'version: "3.1"\nnlu:\n'
        "  - intent: greet\n    examples: |\n      - Quels sont les canaux de vente ?\n",
        encoding="utf-8")
    return folder


def test_fold_ignores_case_accents_and_punctuation():
    assert (fold("Ma PME est-elle prête pour l'e-commerce ?")
            == "ma pme est elle prete pour l e commerce")
    assert fold("  Déjà   VU !! ") == "deja vu"


def test_other_intent_examples_skip_ask_knowledge_and_the_generated_file(tmp_path):
    examples = other_intent_examples(write_nlu(tmp_path / "nlu"))
    assert examples == {
        "ma pme est elle prete pour l e commerce en chine": "start_assessment",
        "quel canal choisir pour vendre en chine": "start_assessment",
        "how do i contact an awex advisor": "request_advisor",
    }


def test_identical_and_near_identical_questions_are_claimed(tmp_path):
    examples = other_intent_examples(write_nlu(tmp_path / "nlu"))
    # Same words, other case, accents and punctuation.
    assert claimed_by("ma pme est elle prete pour l'e-commerce en chine", examples)[0] == \
        "start_assessment"
    assert claimed_by("How do I contact an AWEX advisor ?", examples)[0] == "request_advisor"
    # A typo or a plural apart.
    assert claimed_by("How do I contact an Awex adviser?", examples)[0] == "request_advisor"
    assert claimed_by("Quels canal choisir pour vendre en Chine ?", examples)[0] == \
        "start_assessment"
    # A paraphrase on the same topic stays a knowledge question.
    assert claimed_by("Quels sont les canaux pour vendre en ligne en Chine ?", examples) is None
    assert claimed_by("Quels sont les canaux de vente ?", examples) is None


def test_split_questions_sorts_deduplicates_and_says_who_claimed(tmp_path):
    examples = other_intent_examples(write_nlu(tmp_path / "nlu"))
    kept, left_out = split_questions(
        ["What is Tmall Global?", 'Is "CBEC" legal?', "How do I contact an Awex advisor?",
         "What is Tmall Global?"], examples)
    assert kept == ["Is 'CBEC' legal?", "What is Tmall Global?"]
    assert left_out == [("How do I contact an Awex advisor?", "request_advisor")]
    data = yaml.safe_load(render(kept))
    assert data["nlu"] == [{"intent": "ask_knowledge",
                            "examples": "- Is 'CBEC' legal?\n- What is Tmall Global?\n"}]


def test_generated_file_is_up_to_date_and_claims_nothing_of_another_intent():
    """data/nlu/knowledge.yml is what `make nlu` writes from today's articles."""
    from bot.knowledge.articles import load_corpus

    nlu_dir = ROOT / "data" / "nlu"
    corpus = load_corpus(Settings.from_env().knowledge_dir)
    examples = other_intent_examples(nlu_dir)
    kept, left_out = split_questions((q for a in corpus.articles for q in a.questions), examples)
    generated = (nlu_dir / knowledge_nlu.GENERATED).read_text(encoding="utf-8")
    assert generated == render(kept), "data/nlu/knowledge.yml is stale: run `make nlu`"
    # Questions that used to compete with the readiness check and the handoff.
    left = dict(left_out)
    assert left["Ma PME est-elle prête pour l'e-commerce en Chine ?"] == "start_assessment"
    assert left["Comment contacter un conseiller de l'Awex ?"] == "request_advisor"
