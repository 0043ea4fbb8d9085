"""What a short message names, on the tiny corpus (Tmall Global, the Liège hub)."""
from __future__ import annotations

from bot.knowledge.topics import capitalised


def test_names_are_the_words_written_with_a_capital_after_the_first():
    assert capitalised("C'est quoi Atlas Company ?") == {"atlas", "company"}
    assert capitalised("Et pour la Chine ?") == {"chine"}
    assert capitalised("et la caution ?") == frozenset()


def test_titles_and_headings_are_read_as_lemmas(kb):
    topics = kb.index().topics
    hub = topics.article_ids.index("liege-hub")
    assert topics.titled_articles(["hub", "logistique"], "fr") == (hub,)
    assert topics.titled_articles(["hub", "caution"], "fr") == ()
    assert topics.titled_articles([], "fr") == ()


def test_an_article_holds_the_lemmas_of_its_keys(kb):
    topics = kb.index().topics
    assert topics.holds("tmall-global", "caution")
    assert not topics.holds("liege-hub", "caution")


def test_a_name_the_previous_article_does_not_hold_is_a_topic_of_its_own(kb):
    topics = kb.index().topics
    assert topics.names_its_own_topic("c'est quoi Atlas Company ?", "liege-hub", "fr")
    assert not topics.names_its_own_topic("et Cainiao, c'est Alibaba ?", "liege-hub", "fr")
    assert not topics.names_its_own_topic("et la caution ?", "tmall-global", "fr")
    assert not topics.names_its_own_topic("c'est quoi Atlas Company ?", "unknown", "fr")


def test_names_written_in_lower_case_are_written_as_the_articles_write_them(kb):
    topics = kb.index().topics
    assert topics.truecase("combien coute tmall global ?", "fr") == \
        "combien coute Tmall Global ?"
    # a word the articles also write in lower case, and one written as the user chose, stay
    assert topics.truecase("la caution du hub", "fr") == "la caution du hub"
    assert topics.truecase("TMALL", "fr") == "TMALL"


def test_truecasing_mends_the_lemmas_of_a_lowercase_name_and_its_neighbours(kb):
    """The French lemmatiser reads a name in lower case as a common word; written as the
    articles write it, the query's lemmas are the articles' lemmas."""
    index = kb.index()
    lowercase = index.signals("la chine rembourse ?", "fr", kb.tuning, dense=False)
    cased = index.signals("la Chine rembourse ?", "fr", kb.tuning, dense=False)
    assert lowercase.words == cased.words
