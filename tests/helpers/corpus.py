"""Tiny knowledge corpora in the articles' format, written to a temporary folder."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.settings import Settings


def article_text(article_id: str, lang: str, title: str, sections: Sequence[tuple[str, str]],
                 questions: Sequence[str], related: Sequence[str] = (),
                 topics: str = "[platforms]", reviewed: str = "2026-11-01") -> str:
    lines = ["---", f"id: {article_id}", f"lang: {lang}", f'title: "{title}"',
             f"topics: {topics}", "sources:", '  - id: officielle', '    title: "Source officielle"',
             '    url: "https://example.org/source"', '    date: "2025-01"',
             f"reviewed: {reviewed}", f"related: [{', '.join(related)}]", "questions:"]
    lines += [f'  - "{q}"' for q in questions]
    lines += ["---", ""]
    for heading, text in sections:
        lines += [f"## {heading}", "", text, "Sources : officielle" if lang == "fr" else "Sources: officielle", ""]
    return "\n".join(lines)


TINY_CORPUS: dict[str, dict[str, dict]] = {
    "tmall-global": {
        "fr": dict(title="Tmall Global : conditions et coûts", sections=[
            ("Qui peut vendre sur Tmall Global ?", "Tmall Global accepte les entreprises enregistrées hors de Chine qui possèdent une marque déposée. La plateforme fonctionne sur invitation."),
            ("Combien coûte Tmall Global ?", "La caution de Tmall Global était de 150 000 RMB en 2021 {2021}. Une commission de 2 à 5 % {2025-06} s'ajoute sur les ventes.")],
            questions=["Comment ouvrir une boutique sur Tmall Global ?", "Quel est le prix de Tmall Global ?", "Tmall Global accepte-t-il les PME belges ?"]),
        "en": dict(title="Tmall Global: requirements and costs", sections=[
            ("Who can sell on Tmall Global?", "Tmall Global accepts companies registered outside China that own a registered trademark. The platform works by invitation."),
            ("How much does Tmall Global cost?", "The Tmall Global deposit was RMB 150,000 in 2021 {2021}. A commission of 2 to 5% {2025-06} is charged on sales.")],
            questions=["How do I open a store on Tmall Global?", "What is the price of Tmall Global?", "Does Tmall Global accept Belgian SMEs?"]),
    },
    "liege-hub": {
        "fr": dict(title="Le hub logistique de Liège", sections=[
            ("Qu'est-ce que le hub de Liège ?", "Cainiao, la filiale logistique d'Alibaba, exploite un hub à l'aéroport de Liège. Des trains et des avions relient ce hub à la Chine.")],
            questions=["Que fait Alibaba à Liège ?", "Comment fonctionne la logistique via Liège ?", "Qu'est-ce que Cainiao ?"]),
        "en": dict(title="The Liège logistics hub", sections=[
            ("What is the Liège hub?", "Cainiao, Alibaba's logistics arm, runs a hub at Liège airport. Trains and planes link this hub to China.")],
            questions=["What does Alibaba do in Liège?", "How does logistics through Liège work?", "What is Cainiao?"]),
    },
}


def write_corpus(folder: Path, corpus: dict[str, dict[str, dict]] | None = None) -> Path:
    corpus = corpus or TINY_CORPUS
    for article_id, languages in corpus.items():
        for lang, spec in languages.items():
            (folder / lang).mkdir(parents=True, exist_ok=True)
            (folder / lang / f"{article_id}.md").write_text(
                article_text(article_id, lang, **spec), encoding="utf-8")
    return folder


def corpus_settings(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings whose knowledge folder is the tiny corpus written in `folder` and whose var/ is
    `folder / "var"` (the environment is set through `monkeypatch`)."""
    knowledge = write_corpus(folder / "knowledge")
    monkeypatch.setenv("AWEX_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("AWEX_VAR_DIR", str(folder / "var"))
    monkeypatch.delenv("AWEX_EMBEDDING_MODEL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return Settings.from_env()
