"""What a short message names, and whether it has a topic of its own after the previous one.

Why a module of its own: a short message ("et la caution ?") is read with the previous topic
only when it carries none of its own, and deciding that takes the knowledge's words, not its
vectors: the rare words and names it holds (`named_articles`), the words of its titles and
headings, and whether the previous article holds a word at all. It also knows how the articles
write names, so that a message writing them in lower case is lemmatised as they are
(`truecase`). All of it is computed from the loaded index once, on first use.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from bot.knowledge.articles import split_sentences
from bot.knowledge.lexical import BM25, fold, lemmas
from bot.knowledge.tuning import RetrievalTuning

TOKEN = re.compile(r"[^\W\d_]+")
# A word is a name the articles write with a capital when they use it at least twice past a
# sentence's first word, with a capital at least 80% of those times ("Awex", "Hainan", "Tmall").
CASED_MIN_USES = 2
CASED_SHARE = 0.8


def capitalised(query: str) -> frozenset[str]:
    """The words written with a capital after the first one, folded: the names a message
    uses ("c'est quoi Atlas Company ?" -> atlas, company)."""
    return frozenset(fold(w) for w in re.findall(r"[^\W\d_][\w'-]+", query)[1:]
                     if w[0].isupper())


class Topics:
    """The lexical view of one loaded index: articles, their words, titles and headings."""

    def __init__(self, articles: dict[tuple[str, str], dict], position: Mapping[str, int],
                 bm25: BM25, key_article: np.ndarray):
        """`position`: each article id's position in the index's article order (the index's
        own map, shared rather than rebuilt)."""
        self.articles, self._position = articles, position
        self.article_ids = sorted(position, key=position.__getitem__)
        self.bm25, self.key_article = bm25, key_article
        self._held: dict[tuple[str, str], str] = {}
        self._headings: dict[str, list[tuple[set[str], set[str]]]] = {}
        self._cased: dict[str, dict[str, str]] = {}

    def _article(self, article_id: str, lang: str) -> dict:
        """The article in `lang`, or in the other language when it has only that one."""
        return self.articles.get((article_id, lang)) or self.articles[
            (article_id, "en" if lang == "fr" else "fr")]

    def _text(self, article_id: str, lang: str) -> str:
        """An article's title, headings and paragraphs, one per line, as written."""
        article = self._article(article_id, lang)
        return "\n".join([article["title"]] + [f"{s['heading']}\n{s['text']}"
                                               for s in article["sections"]])

    def _held_text(self, article_id: str, lang: str) -> str:
        """An article's text, folded (cached: the index never changes)."""
        if (article_id, lang) not in self._held:
            self._held[(article_id, lang)] = fold(self._text(article_id, lang))
        return self._held[(article_id, lang)]

    def names_its_own_topic(self, query: str, previous_article: str, lang: str) -> bool:
        """A message with a name the previous article does not hold ("c'est quoi Atlas Company
        ?" after the Liège hub; a word written with a capital after the first one) has a topic
        of its own: it is never read with the previous topic, however short."""
        names = capitalised(query)
        if not names or previous_article not in self._position:
            return False
        held = self._held_text(previous_article, lang)
        return any(name not in held for name in names)

    def _written_forms(self, lang: str) -> dict[str, str]:
        """Folded word -> the form the articles write it in, for the words they write with a
        capital (nearly) every time they use them past a sentence's first word: names."""
        if lang not in self._cased:
            capital: dict[str, Counter[str]] = {}
            lower: Counter[str] = Counter()
            for article_id in self.article_ids:
                sentences = [sentence for line in self._text(article_id, lang).splitlines()
                             for sentence in split_sentences(line)]
                for sentence in sentences:
                    for word in TOKEN.findall(sentence)[1:]:
                        if len(word) < 2:
                            continue
                        if word[0].isupper():
                            capital.setdefault(fold(word), Counter())[word] += 1
                        else:
                            lower[fold(word)] += 1
            self._cased[lang] = {
                folded: forms.most_common(1)[0][0] for folded, forms in capital.items()
                if forms.total() >= CASED_MIN_USES
                and forms.total() >= CASED_SHARE * (forms.total() + lower[folded])}
        return self._cased[lang]

    def truecase(self, query: str, lang: str) -> str:
        """The message with the names it writes in lower case written as the articles write
        them ("l'awex rembourse" -> "l'Awex rembourse"): the French lemmatiser reads a lowercase
        unknown word as a common one and then misreads its neighbours too ("awe rembours")."""
        forms = self._written_forms(lang)
        return TOKEN.sub(lambda m: forms.get(fold(m.group()), m.group())
                         if m.group().islower() else m.group(), query)

    def holds(self, article_id: str, term: str) -> bool:
        """Whether any key of the article (either language) has the lemma."""
        keys, _ = self.bm25.postings(term)
        return bool(np.any(self.key_article[keys] == self._position[article_id]))

    def heading_words(self, lang: str) -> list[tuple[set[str], set[str]]]:
        """Per article (in `article_ids` order): the lemmas of its title, and of its title and
        section headings (lemmatised once per language, on first use)."""
        if lang not in self._headings:
            texts: list[str] = []
            spans: list[tuple[int, int]] = []
            for article_id in self.article_ids:
                article = self._article(article_id, lang)
                spans.append((len(texts), len(texts) + 1 + len(article["sections"])))
                texts += [article["title"]] + [s["heading"] for s in article["sections"]]
            found = [set(words) for words in lemmas(texts, lang)]
            self._headings[lang] = [(found[a], set().union(*found[a:b])) for a, b in spans]
        return self._headings[lang]

    def titled_articles(self, terms: Sequence[str], lang: str) -> tuple[int, ...]:
        """The articles whose title holds every word of the message ("et pour les droits de
        douane ?": the customs duties article)."""
        wanted = set(terms)
        return tuple(i for i, (title, _) in enumerate(self.heading_words(lang))
                     if wanted and wanted <= title)

    def named_articles(self, terms: list[str], lang: str, tuning: RetrievalTuning,
                       capitals: frozenset[str] = frozenset()) -> tuple[int, ...]:
        """The articles a short question names (a person, a company, a platform few articles
        mention): those holding every word of the question, when each word is in at most
        `name_max_articles` articles; or, when its rarest word is a name (written with a
        capital, `capitals`) in a few more ("Atlas Company"), the few whose title or a heading
        holds every word: the name's own section. Empty when the question names nothing."""
        limit = min(tuning.name_max_articles, len(self.article_ids) - 1)
        if limit <= 0 or not terms or len(terms) > tuning.follow_up_max_terms:
            return ()
        holders: dict[str, set[int]] = {}
        for term in dict.fromkeys(terms):  # the query's order: ties below do not vary by run
            keys, _ = self.bm25.postings(term)
            if not len(keys):
                return ()  # a word the corpus does not know: not a name it holds
            holders[term] = set(np.unique(self.key_article[keys]).tolist())
        if max(map(len, holders.values())) <= limit:
            return tuple(sorted(set.intersection(*holders.values())))
        rarest = min(holders, key=lambda term: len(holders[term]))
        if len(holders[rarest]) > 2 * limit or fold(rarest) not in capitals:
            return ()  # common words ("Chine", "président de la Chine"): not a lookup
        wanted = set(terms)
        headed = tuple(i for i, (_, headings) in enumerate(self.heading_words(lang))
                       if wanted <= headings)
        return headed if len(headed) <= limit else ()
