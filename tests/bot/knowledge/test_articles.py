"""Parsing and checking knowledge files: every broken file names its file, line, code and fix."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.knowledge.articles import (
    Fact,
    Source,
    _suggest_id,
    load_corpus,
    parse_article,
    split_sentences,
    volatile_figures,
)
from tests.helpers.corpus import TINY_CORPUS, write_corpus

TODAY = dt.date(2026, 11, 27)


def test_tiny_corpus_loads_with_sections(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "k"), today=TODAY)
    assert corpus.errors == []
    tmall = corpus.get("tmall-global", "fr")
    assert tmall.title == "Tmall Global : conditions et coûts"
    assert [s.heading for s in tmall.sections] == ["Qui peut vendre sur Tmall Global ?",
                                                   "Combien coûte Tmall Global ?"]
    assert tmall.sections[1].line == 24
    source = Source("officielle", "Source officielle", "https://example.org/source", "2025-01")
    assert tmall.sources == (source,)
    assert tmall.sections[0].sources == (source,)
    assert len(corpus.articles) == 4
    assert tmall.question_sections == {}


def test_a_question_may_name_the_section_it_asks_about(tmp_path):
    folder = write_corpus(tmp_path / "k")
    path = folder / "fr" / "tmall-global.md"
    path.write_text(path.read_text("utf-8").replace(
        '  - "Quel est le prix de Tmall Global ?"',
        '  - {q: "Quel est le prix de Tmall Global ?", section: "Combien coûte Tmall Global ?"}'),
        "utf-8")
    corpus = load_corpus(folder, today=TODAY)
    assert corpus.errors == []
    tmall = corpus.get("tmall-global", "fr")
    assert "Quel est le prix de Tmall Global ?" in tmall.questions
    assert tmall.question_sections == {
        "Quel est le prix de Tmall Global ?": "Combien coûte Tmall Global ?"}


def test_sources_line_is_removed_and_markers_rendered(tmp_path):
    corpus = load_corpus(write_corpus(tmp_path / "k"), today=TODAY)
    cost = corpus.get("tmall-global", "fr").sections[1]
    # {2021} disappears (the sentence names 2021), {2025-06} becomes "(2025)".
    assert cost.text == ("La caution de Tmall Global était de 150 000 RMB en 2021. "
                         "Une commission de 2 à 5 % (2025) s'ajoute sur les ventes.")
    assert "Sources" not in cost.text
    assert cost.facts == (
        Fact(dt.date(2021, 1, 1), 26, "La caution de Tmall Global était de 150 000 RMB en 2021.",
             "2021"),
        Fact(dt.date(2025, 6, 1), 26, "Une commission de 2 à 5 % (2025) s'ajoute sur les ventes.",
             "2025-06"))
    assert corpus.get("tmall-global", "en").facts[0].date == dt.date(2021, 1, 1)


@pytest.mark.parametrize("line", ["Sources : officielle", "Sources: officielle",
                                  "sources : officielle.", "SOURCES\u00a0: officielle",
                                  "Sources\u202f:officielle", "Source : `officielle`"])
def test_sources_line_variants(tmp_path, line):
    text = good_text(tmp_path).replace("Sources : officielle", line)
    corpus = load_corpus(_broken(tmp_path, text), today=TODAY)
    assert corpus.errors == [], [str(e) for e in corpus.errors]
    assert all(s.sources[0].id == "officielle" for s in corpus.get("tmall-global", "fr").sections)


def test_split_sentences_keeps_abbreviated_numbers():
    assert split_sentences("La caution est de 150 000 RMB. Une commission s'ajoute ! Et ensuite ?") == [
        "La caution est de 150 000 RMB.", "Une commission s'ajoute !", "Et ensuite ?"]


def _broken(tmp_path: Path, text: str | bytes, name: str = "tmall-global.md", lang: str = "fr") -> Path:
    folder = write_corpus(tmp_path / "k")
    path = folder / lang / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return folder


def good_text(tmp_path, lang: str = "fr") -> str:
    folder = write_corpus(tmp_path / "src")
    return (folder / lang / "tmall-global.md").read_text(encoding="utf-8")


# The French tmall-global file of the tiny corpus, line by line:
#  6 sources:            7   - id: officielle     11 reviewed:       12 related:
# 13 questions:         17 ---                    19 ## Qui peut …   21 paragraph
# 22 Sources : officielle                         24 ## Combien …    26 paragraph (figures)
# 27 Sources : officielle
INVITATION = "La plateforme fonctionne sur invitation."
FIRST = "Tmall Global accepte les entreprises enregistrées hors de Chine qui possèdent une marque déposée. " + INVITATION
BROKEN_CASES = {
    # existing checks
    "no front matter": (lambda t: t.replace("---\n", "", 1), 1, "front-matter-missing", "does not start with front matter"),
    "front matter never closed": (lambda t: t.replace("\n---\n\n## ", "\n\n## ", 1), 1, "front-matter-unclosed", "never closed"),
    "invalid yaml": (lambda t: t.replace('topics: [platforms]', 'topics: [platforms', 1), 6, "front-matter-yaml", "not valid YAML"),
    "missing field": (lambda t: t.replace("reviewed: 2026-11-01\n", ""), 1, "field-missing", "'reviewed' is missing"),
    "unknown language": (lambda t: t.replace("lang: fr", "lang: de"), 3, "lang-unsupported", "'de' is not supported"),
    "id differs from file": (lambda t: t.replace("id: tmall-global", "id: tmall"), 2, "id-file-mismatch", "differs from the file name"),
    "bad topic": (lambda t: t.replace("topics: [platforms]", "topics: [shopping]"), 5, "topic-unknown", "'shopping' is not in the list"),
    "bad date": (lambda t: t.replace("reviewed: 2026-11-01", "reviewed: hier"), 11, "reviewed-invalid", "is not a date"),
    "source without url": (lambda t: t.replace('    url: "https://example.org/source"\n', ""), 7, "source-invalid", "lacks its title, url or date"),
    "too few questions": (lambda t: t.split('  - "Quel est')[0] + "---" + t.split("---", 2)[2], 13, "questions-too-few", "at least 3 example questions"),
    "question of an unknown section": (lambda t: t.replace('  - "Quel est le prix de Tmall Global ?"', '  - {q: "Quel est le prix de Tmall Global ?", section: "Tarifs"}'), 13, "question-section-unknown", "names a section this article does not have: \"Tarifs\""),
    "question entry of another form": (lambda t: t.replace('  - "Quel est le prix de Tmall Global ?"', '  - {q: "Quel est le prix ?", page: 2}'), 13, "question-entry-invalid", "neither a quoted line nor a question with its section"),
    "empty section": (lambda t: t.replace("Tmall Global accepte les entreprises enregistrées hors de Chine qui possèdent une marque déposée. La plateforme fonctionne sur invitation.", ""), 19, "section-empty", "is empty"),
    "overlong section": (lambda t: t.replace(INVITATION, "Texte. " * 200), 19, "section-too-long", "characters long"),
    "html in text": (lambda t: t.replace("sur invitation.", "sur <script>alert(1)</script> invitation."), 19, "section-html", "contains HTML"),
    "text before heading": (lambda t: t.replace("---\n\n## Qui", "---\nIntro libre.\n\n## Qui"), 18, "text-before-heading", "before the first section heading"),
    "dead internal link": (lambda t: t.replace("sur invitation.", "sur invitation, voir [JD](kb:jd-world)."), 19, "link-unknown", "kb:jd-world"),
    "dead related id": (lambda t: t.replace("related: []", "related: [nowhere]"), 12, "related-unknown", "'nowhere' does not exist"),
    # sources: ids in the front matter, a sources line ending every section
    "source without id": (lambda t: t.replace('  - id: officielle\n    title:', '  - title:'), 7, "source-no-id", "'Source officielle' has no id"),
    "duplicate source id": (lambda t: t.replace("reviewed:", '  - id: officielle\n    title: "Autre"\n    url: "https://example.org/autre"\n    date: "2024"\nreviewed:'), 11, "source-duplicate-id", "'officielle' is already used on line 7"),
    "invalid source id": (lambda t: t.replace("id: officielle", "id: Source Officielle"), 7, "source-id-invalid", "'Source Officielle' is not valid"),
    "section without sources line": (lambda t: t.replace(INVITATION + "\nSources : officielle\n", INVITATION + "\n"), 19, "section-no-source", "section 'Qui peut vendre sur Tmall Global ?' names no source"),
    "empty sources line": (lambda t: t.replace("Sources : officielle", "Sources :", 1), 22, "section-no-source", "names no source"),
    "unknown source id": (lambda t: t.replace("Sources : officielle", "Sources : officielle, douane", 1), 22, "source-unknown", "'douane'"),
    "sources line not last": (lambda t: t.replace(FIRST + "\nSources : officielle\n", "Sources : officielle\n" + FIRST + "\n"), 21, "section-source-misplaced", "is not its last line"),
    # date markers
    "two-digit marker": (lambda t: t.replace("{2021}", "{21}"), 26, "marker-malformed", "'{21}' is not an as-of date"),
    "month 13 marker": (lambda t: t.replace("{2021}", "{2021-13}"), 26, "marker-malformed", "'{2021-13}'"),
    "marker in words": (lambda t: t.replace("{2021}", "{as of 2021}"), 26, "marker-malformed", "'{as of 2021}'"),
    "stray brace": (lambda t: t.replace("{2021}", "{2021"), 26, "marker-malformed", "stray '{'"),
    "future marker": (lambda t: t.replace("{2025-06}", "{2027}"), 26, "marker-future", "in the future"),
    "undated figure": (lambda t: t.replace(" {2021}", ""), 26, "fact-undated", "volatile figure '150 000 RMB' has no as-of date"),
    # writing rules
    "dangling reference": (lambda t: t.replace(INVITATION, "La plateforme fonctionne sur invitation (voir ci-dessous)."), 21, "dangling-reference", "'ci-dessous'"),
    "next section": (lambda t: t.replace(INVITATION, "Les coûts sont détaillés dans la section suivante."), 21, "dangling-reference", "section suivante"),
    "internal phrase": (lambda t: t.replace(INVITATION, "Selon nos sources, la plateforme fonctionne sur invitation."), 21, "internal-phrase", "'nos sources'"),
    "knowledge base": (lambda t: t.replace(INVITATION, "Cette base de connaissances ne dit rien des délais."), 21, "internal-phrase", "Cette base de connaissances"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CASES))
def test_broken_file_names_file_line_code_and_fix(tmp_path, case):
    mutate, line, code, fragment = BROKEN_CASES[case]
    text = good_text(tmp_path)
    broken = mutate(text)
    assert broken != text, f"{case}: the mutation changed nothing"
    folder = _broken(tmp_path, broken)
    corpus = load_corpus(folder, today=TODAY)
    errors = [e for e in corpus.errors if e.path.name == "tmall-global.md"]
    assert errors, f"{case}: no error reported"
    error = next((e for e in errors if e.code == code), None)
    assert error is not None, f"{case}: {[(e.code, str(e)) for e in errors]}"
    assert fragment in error.message, str(error)
    assert error.line == line, str(error)
    assert error.fix and str(error).startswith(str(folder / "fr" / "tmall-global.md"))
    if code not in ("link-unknown", "related-unknown"):  # cross-file checks keep the article
        assert corpus.get("tmall-global", "fr") is None  # an article with errors is not served


def test_fixes_say_what_to_write(tmp_path):
    text = good_text(tmp_path)
    cases = {
        "section-no-source": text.replace(INVITATION + "\nSources : officielle\n", INVITATION + "\n"),
        "source-unknown": text.replace("Sources : officielle", "Sources : douane", 1),
        "fact-undated": text.replace(" {2021}", ""),
        "source-no-id": text.replace('  - id: officielle\n    title:', '  - title:'),
        "marker-malformed": text.replace("{2021}", "{21}"),
    }
    fixes = {}
    for code, broken in cases.items():
        corpus = load_corpus(_broken(tmp_path / code, broken), today=TODAY)
        fixes[code] = next(e for e in corpus.errors if e.code == code).fix
    assert fixes["section-no-source"] == ("end the section with a line `Sources : <id>, …` "
                                          "naming ids of the front matter")
    assert "(officielle)" in fixes["source-unknown"]
    assert fixes["fact-undated"] == ("add `{YYYY}` after it (the date the figure was true), or "
                                     "`{fixed}` if it does not change")
    assert "id: source-officielle" in fixes["source-no-id"]
    assert _suggest_id("Tmall Global fee standards", set()) == "tmall-global-fee"
    taken = {"cifnews"}
    assert _suggest_id("VAT rates to get lower (Cifnews)", taken) == "cifnews-2"
    assert _suggest_id("Alibaba, la nouvelle porte (L'Echo)", taken) == "echo"
    assert "{YYYY}" in fixes["marker-malformed"] and "{fixed}" in fixes["marker-malformed"]


def test_wrong_encoding_is_reported_with_line(tmp_path):
    text = good_text(tmp_path).replace("coûts", "co\udcfbts")
    raw = text.encode("utf-8", errors="surrogateescape")
    corpus = load_corpus(_broken(tmp_path, raw))
    error = next(e for e in corpus.errors if e.code == "file-encoding")
    assert error.line == 4 and "encoding" in error.fix


def test_huge_file_is_refused(tmp_path):
    corpus = load_corpus(_broken(tmp_path, "x" * 300_000))
    assert any(e.code == "file-too-large" for e in corpus.errors)


def test_missing_translation_and_duplicate_id(tmp_path):
    folder = write_corpus(tmp_path / "k")
    (folder / "en" / "liege-hub.md").unlink()
    (folder / "fr" / "copy.md").write_text(
        (folder / "fr" / "tmall-global.md").read_text("utf-8").replace("id: tmall-global", "id: copy"), "utf-8")
    corpus = load_corpus(folder, today=TODAY)
    messages = [str(e) for e in corpus.errors if e.code == "translation-missing"]
    assert any("no EN version of 'liege-hub'" in m for m in messages)
    assert any("no EN version of 'copy'" in m for m in messages)


def test_stale_review_is_a_warning_not_an_error(tmp_path):
    folder = write_corpus(tmp_path / "k")
    corpus = load_corpus(folder, today=dt.date(2028, 6, 1), stale_after_months=12)
    assert corpus.errors == []
    stale = [w for w in corpus.warnings if w.code == "review-stale"]
    assert len(stale) == 4 and "months ago" in stale[0].message


# ----------------------------------------------------------------------------- dated facts

def test_stale_fact_is_a_warning_whatever_reviewed_says(tmp_path):
    folder = write_corpus(tmp_path / "k")  # reviewed: 2026-11-01, one month before TODAY
    corpus = load_corpus(folder, today=TODAY, fact_max_age_months=18)
    assert corpus.errors == []
    stale = [w for w in corpus.warnings if w.code == "fact-stale"]
    assert {(w.path.parent.name, w.path.name, w.line) for w in stale} == {
        ("fr", "tmall-global.md", 26), ("en", "tmall-global.md", 26)}
    assert stale[0].message == "figure dated 2021 is older than 18 months" and stale[0].fix
    # The {2025-06} commission is 17 months old: not stale at 18, stale at 12.
    assert len([w for w in load_corpus(folder, today=TODAY, fact_max_age_months=12).warnings
                if w.code == "fact-stale"]) == 4
    assert not [w for w in load_corpus(folder, today=dt.date(2022, 1, 1)).warnings
                if w.code == "fact-stale"]


def _section(tmp_path, paragraph: str, lang: str = "fr", name: str = "s"):
    """Parse one article whose single section is `paragraph` (a sources line is added)."""
    text = good_text(tmp_path / name, lang)
    head = text.split("\n## ", 1)[0]
    sources = "Sources : officielle" if lang == "fr" else "Sources: officielle"
    path = tmp_path / name / lang / "tmall-global.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}\n## Titre\n{paragraph}\n{sources}\n", "utf-8")  # paragraph: line 20
    return parse_article(path, today=TODAY)


@pytest.mark.parametrize("raw, shown", [
    ("La caution est de 150 000 yuans {2021}.", "La caution est de 150 000 yuans (2021)."),
    ("En 2021, la caution était de 150 000 yuans {2021}.", "En 2021, la caution était de 150 000 yuans."),
    ("The fee was 5% {2021-06-10}, raised to 8% {2021-06-10} later.", "The fee was 5% (2021), raised to 8% later."),
    ("Les colis arrivent en 17 jours {2019-10}. Le 1er avril 2019, la TVA a baissé de 16 % à 13 % {2019-04}.",
     "Les colis arrivent en 17 jours (2019). Le 1er avril 2019, la TVA a baissé de 16 % à 13 %."),
    ("{fixed} En 2008, le scandale a touché 300 000 enfants.", "En 2008, le scandale a touché 300 000 enfants."),
    ("Le hub est à 5 km {fixed} de l'aéroport.", "Le hub est à 5 km de l'aéroport."),
    ("Weibo had 586 million monthly active users {2022-12} (Statista).", "Weibo had 586 million monthly active users (2022) (Statista)."),
])
def test_markers_are_rendered(tmp_path, raw, shown):
    article, issues = _section(tmp_path, raw, "en" if raw.startswith(("The", "Weibo")) else "fr")
    assert [i for i in issues if i.level == "error"] == [], [str(i) for i in issues]
    assert article.sections[0].text == shown


def test_facts_have_date_line_and_snippet(tmp_path):
    paragraph = ("Tmall Global demandait une caution\nde 150 000 yuans {2021}, portée à 300 000 yuans "
                 "{2021} pour les compléments.\nLes frais annuels étaient de 30 000 yuans {2020-03}.")
    article, issues = _section(tmp_path, paragraph)
    assert not issues, [str(i) for i in issues]
    facts = article.sections[0].facts
    assert [(f.date, f.line, f.marker) for f in facts] == [
        (dt.date(2021, 1, 1), 21, "2021"), (dt.date(2020, 3, 1), 22, "2020-03")]
    assert facts[0].snippet == ("Tmall Global demandait une caution de 150 000 yuans (2021), "
                                "portée à 300 000 yuans pour les compléments.")


def test_undated_figure_on_a_continuation_line_points_at_that_line(tmp_path):
    article, issues = _section(tmp_path, "Tmall Global demande une caution\nde 150 000 yuans.\n"
                                         "Une commission de 5 % {2021} s'ajoute.")
    assert article is None
    assert [(i.code, i.line, i.message) for i in issues] == [
        ("fact-undated", 21, "volatile figure '150 000 yuans' has no as-of date")]


VOLATILE_SENTENCES = {
    # currencies after the number, with thousand separators and multipliers
    "La caution est de 150 000 yuans.": "150 000 yuans",
    "The deposit is 150,000 yuan.": "150,000 yuan",
    "Les exportations ont atteint 1,3 milliard d'euros.": "1,3 milliard d'euros",
    "La bière paie 0,253 RMB par litre.": "0,253 RMB",
    "Le vol coûte 29 000 € par mois.": "29 000 €",
    "A set-up fee of 5,000 to 15,000 US dollars is quoted.": "15,000 US dollars",
    "L'aide est plafonnée à 25 000 euros.": "25 000 euros",
    "Le dépôt est de 2 millions de yuans.": "2 millions de yuans",
    "Alibaba paid 2 billion US dollars for Kaola.": "2 billion US dollars",
    "Le coût est de 500 CHF.": "500 CHF",
    "Il faut compter 300 francs suisses.": "300 francs suisses",
    "Verification cost 99 US dollars a year.": "99 US dollars",
    # currencies before the number
    "Consumers can spend RMB 26,000 a year.": "RMB 26,000",
    "The deposit is $25,000.": "$25,000",
    "The deposit is US$25,000.": "US$25,000",
    "Fees are USD 99 a year.": "USD 99",
    # percentages
    "Le taux composite est de 9,1 %.": "9,1 %",
    "A commission of 2 to 5% applies.": "5%",
    "La TVA est de 13 pour cent.": "13 pour cent",
    "VAT is 13 percent.": "13 percent",
    "Le droit de douane est de 0 %.": "0 %",
    # counts
    "Douyin comptait 743 millions d'utilisateurs actifs.": "743 millions d'utilisateurs",
    "Douyin had 743 million monthly active users.": "743 million monthly active users",
    "Plus de 29 000 marques y vendent.": "29 000 marques",
    "More than 22,000 brands took part.": "22,000 brands",
    "Liège handled 384,000 e-commerce parcels.": "384,000 e-commerce parcels",
    "Le compte a 2 000 abonnés.": "2 000 abonnés",
    "The account has 10,000 followers.": "10,000 followers",
    "Pinduoduo avait 585,2 millions d'acheteurs actifs.": "585,2 millions d'acheteurs",
    # durations and weights
    "La commande doit partir dans les 48 heures.": "48 heures",
    "Orders must ship within 48 hours.": "48 hours",
    "Les retours sont possibles pendant 7 jours.": "7 jours",
    "The review takes about 3 working days.": "3 working days",
    "The train arrived after a 17-day journey.": "17-day",
    "L'ouverture prend 4 à 8 semaines.": "8 semaines",
    "Registration takes about 7 months.": "7 months",
    "Moins de 2 kg de sucre par personne.": "2 kg",
    "The cap is 20 kg of rice.": "20 kg",
    "Une boîte de 500 g suffit.": "500 g",
}


@pytest.mark.parametrize("sentence", sorted(VOLATILE_SENTENCES))
def test_volatile_figures_are_found(sentence):
    assert volatile_figures(sentence)[0] == VOLATILE_SENTENCES[sentence]


NOT_VOLATILE = [
    "En 2019, trois avions par jour reliaient la Chine à Liège.",
    "In 2019 users spent more than ever.",
    "In 2017 Awex had offices in Beijing.",
    "Le 11.11 et le 618 sont les deux grandes fêtes commerciales.",
    "Singles' Day falls on 11.11, and JD's festival is called 618.",
    "L'article 26 de la loi sur le commerce électronique s'applique.",
    "Article 4 of the Trademark Law allows bad-faith filings to be rejected.",
    "La norme GB 7718-2011 fixe le contenu de l'étiquette.",
    "The standard GB 28050-2025 covers nutrition labelling.",
    "Le Décret 248 impose l'enregistrement depuis le 1er janvier 2022.",
    "Depuis le 1er avril 2019, la règle a changé.",
    "Under bonded import (code 1210), products are stored in China.",
    "China uses the 45 classes of the Nice classification.",
    "La réglementation compte 6 chapitres et 80 articles.",
    "The service answers 24 hours a day, 7 days a week.",
    "Le service client répond 24 heures sur 24 et 7 jours sur 7.",
    "A 100 % natural product sells better.",
    "La 5G couvre les grandes villes.",
    "Voir [la page de la douane](https://example.org/2019/12/48-heures-5-kg).",
    "Les 3 plateformes principales sont Tmall, JD et Kaola.",
    "Le 20e siècle a vu naître ces marques.",
    "Xiaohongshu started in 2013 and added sales in 2014.",
]


@pytest.mark.parametrize("sentence", NOT_VOLATILE)
def test_non_volatile_numbers_are_left_alone(sentence):
    assert volatile_figures(sentence) == []


def test_dated_or_fixed_sentences_pass(tmp_path):
    paragraph = ("Depuis 2019, un consommateur peut acheter jusqu'à 5 000 RMB par commande et "
                 "26 000 RMB par an {2019}. En 2008, le scandale de la mélamine a touché "
                 "300 000 enfants {fixed}. Les retours se font dans les 7 jours {fixed}. "
                 "Les frais sont de 1 % {2025-03-01}.")
    article, issues = _section(tmp_path, paragraph)
    assert issues == [] and article is not None
    assert [f.marker for f in article.sections[0].facts] == ["2019", "2025-03-01"]


# ----------------------------------------------------------------------------- writing rules

@pytest.mark.parametrize("paragraph, lang", [
    ("Les montants ci-dessus sont indicatifs.", "fr"),
    ("Voir la section suivante pour les coûts.", "fr"),
    ("Comme expliqué dans la section précédente, il faut une marque.", "fr"),
    ("See below for the fees.", "en"),
    ("The amounts above are indicative.", "en"),
    ("The fees are listed below:", "en"),
    ("The next section explains the fees.", "en"),
    ("As said in the previous section, a trademark is needed.", "en"),
])
def test_dangling_references_are_errors(tmp_path, paragraph, lang):
    article, issues = _section(tmp_path, paragraph, lang)
    assert article is None
    assert [(i.code, i.line) for i in issues] == [("dangling-reference", 20)] and issues[0].fix


@pytest.mark.parametrize("paragraph", [
    "A single item above the cap pays the full general-trade taxes.",
    "Read [the customs guide](https://example.org/see-below/next-section) first.",
    "Prices below cost are forbidden during festivals.",
    "Le prix est au-dessus de la moyenne.",
])
def test_above_and_below_as_prepositions_pass(tmp_path, paragraph):
    article, issues = _section(tmp_path, paragraph, "en")
    assert issues == [], [str(i) for i in issues]


@pytest.mark.parametrize("paragraph, lang", [
    ("Nos sources ne donnent pas de barème.", "fr"),
    ("Cette base de connaissances ne couvre pas Douyin.", "fr"),
    ("This knowledge base gives no fee schedule.", "en"),
    ("Our sources give no fee schedule.", "en"),
])
def test_internal_phrases_are_errors(tmp_path, paragraph, lang):
    article, issues = _section(tmp_path, paragraph, lang)
    assert [(i.code, i.line) for i in issues] == [("internal-phrase", 20)] and issues[0].fix


def _copy_corpus(tmp_path):
    corpus = {k: {lang: dict(spec) for lang, spec in v.items()} for k, v in TINY_CORPUS.items()}
    return corpus


def test_duplicate_paragraph_is_an_error_on_the_second_file(tmp_path):
    corpus = _copy_corpus(tmp_path)
    copied = TINY_CORPUS["tmall-global"]["fr"]["sections"][0][1]
    corpus["liege-hub"]["fr"]["sections"] = [
        ("Qui vend ?", "  " + copied.upper().replace(" ", "  "))]  # case and spaces differ
    result = load_corpus(write_corpus(tmp_path / "k", corpus), today=TODAY)
    duplicates = [e for e in result.errors if e.code == "duplicate-paragraph"]
    assert len(duplicates) == 1
    error = duplicates[0]
    # Files load in name order: fr/liege-hub.md comes first, the error is on tmall-global.
    assert error.path.name == "tmall-global.md" and error.line == 19
    assert "fr/liege-hub.md:19" in error.message
    assert error.fix == "keep the paragraph in one article and link to it with [text](kb:liege-hub)"


def test_near_duplicate_paragraph_is_found_and_other_languages_are_not_compared(tmp_path):
    corpus = _copy_corpus(tmp_path)
    long_text = ("Cainiao, la filiale logistique d'Alibaba, exploite un hub à l'aéroport de Liège "
                 "depuis plusieurs années. Des trains et des avions relient ce hub à la Chine, et "
                 "les colis repartent ensuite vers toute l'Europe par camion.")
    corpus["liege-hub"]["fr"]["sections"] = [("Hub", long_text)]
    corpus["tmall-global"]["fr"]["sections"] = corpus["tmall-global"]["fr"]["sections"] + [
        ("Logistique", long_text.replace("par camion", "par la route"))]
    result = load_corpus(write_corpus(tmp_path / "k", corpus), today=TODAY)
    duplicates = [e for e in result.errors if e.code == "duplicate-paragraph"]
    assert [(e.path.name, e.line) for e in duplicates] == [("tmall-global.md", 29)]
    assert "fr/liege-hub.md:19" in duplicates[0].message
    # The tiny corpus itself (FR and EN versions of one text) has no duplicate.
    assert not [e for e in load_corpus(write_corpus(tmp_path / "ok"), today=TODAY).issues
                if e.code == "duplicate-paragraph"]


def test_advisor_in_several_sections_is_a_warning(tmp_path):
    text = good_text(tmp_path)
    text = text.replace(INVITATION, INVITATION + " Un conseiller Awex peut vous aider.")
    text = text.replace("s'ajoute sur les ventes.", "s'ajoute sur les ventes : demandez à un "
                                                   "conseiller Awex.")
    corpus = load_corpus(_broken(tmp_path, text), today=TODAY)
    assert corpus.errors == []
    warning = next(w for w in corpus.warnings if w.code == "advisor-repeated")
    assert warning.line == 24 and "2 sections" in warning.message and warning.fix
    assert corpus.get("tmall-global", "fr") is not None  # a warning does not drop the article


def test_corrected_rich_file_passes(tmp_path):
    folder = write_corpus(tmp_path / "k")
    for lang, sources_word in (("fr", "Sources :"), ("en", "SOURCES:")):
        path = folder / lang / "tmall-global.md"
        text = path.read_text("utf-8").replace(
            "reviewed:", '  - id: tmall-fees\n    title: "Tmall fees"\n'
            '    url: "https://example.org/fees"\n    date: "2025"\nreviewed:')
        text = text.rstrip("\n").rsplit("\n", 1)[0] + f"\n{sources_word} tmall-fees, officielle\n"
        path.write_text(text, "utf-8")
    corpus = load_corpus(folder, today=TODAY)
    assert corpus.errors == [], [str(e) for e in corpus.errors]
    cost = corpus.get("tmall-global", "en").sections[1]
    assert [s.id for s in cost.sources] == ["tmall-fees", "officielle"]
    assert len(corpus.get("tmall-global", "fr").sources) == 2


def test_shipped_corpus_passes_check():
    from bot.settings import ROOT

    corpus = load_corpus(ROOT / "knowledge")
    assert corpus.errors == [], "\n".join(map(str, corpus.errors))
    ids = {a.id for a in corpus.articles}
    assert len(ids) >= 40
    for article in corpus.articles:
        assert len(article.questions) >= 3
        assert corpus.get(article.id, "en" if article.lang == "fr" else "fr") is not None
        for section in article.sections:
            assert section.sources, section.key


# ----------------------------------------------------------------------------- bot stats

def test_stats_lists_the_oldest_dated_facts(knowledge_env, monkeypatch):
    from bot.cli import main

    monkeypatch.setenv("AWEX_FACT_MAX_AGE_MONTHS", "60")  # 2025-06 stays fresh until 2030
    path = knowledge_env.knowledge_dir / "fr" / "liege-hub.md"
    path.write_text(path.read_text("utf-8").replace(
        "relient ce hub à la Chine.", "relient ce hub à la Chine en 17 jours {2019-10}."), "utf-8")
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "fr: 2 articles, 3 sections" in lines
    assert "dated facts: 5, 3 older than 60 months" in lines
    start = lines.index("oldest dated facts (5 of 5):")
    assert lines[start + 1] == ("  2019-10    liege-hub (fr) line 21: Des trains et des avions "
                                "relient ce hub à la Chine en 17 jours (2019).")
    assert lines[start + 2].startswith("  2021       tmall-global (en) line 26: The Tmall Global")
    per_article = lines[lines.index("oldest dated fact per article:") + 1:]
    assert [row.split(" line ")[0].split()[-2:] for row in per_article] == [
        ["liege-hub", "(fr)"], ["tmall-global", "(en)"], ["tmall-global", "(fr)"]]
