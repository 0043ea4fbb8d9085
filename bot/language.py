"""Tell French from English in one short chat message.

The bot answers in the user's language and users switch mid-conversation, so this runs on every
message. A model would be overkill: stop-word counts plus French accents decide reliably on
sentences, and short or ambiguous messages ("ok", "Tmall") return None so the caller keeps the
language it had.
"""
from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def torch_hidden() -> Iterator[None]:
    """Import spaCy inside this: its thinc imports torch whenever it is installed
    (sentence-transformers brings it), ~190 MiB in the action server for pipelines that run on
    numpy. While spaCy loads, torch reads as absent (unless something already loaded it); an
    encoder that needs torch still imports it afterwards."""
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if hide and "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]


with torch_hidden():
    from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
    from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS

WORD = re.compile(r"[a-zà-öø-ÿœæ']+", re.IGNORECASE)
FRENCH_CHARS = re.compile(r"[àâçéèêëîïôûùüÿœ]", re.IGNORECASE)
# Words common in this domain's questions that the stop lists miss or share.
FR_HINTS = {"chine", "chinois", "vendre", "produits", "marque", "combien", "quel", "quelle",
            "quels", "quelles", "comment", "pourquoi", "bonjour", "merci", "salut", "conseiller",
            "entreprise", "pme", "douane", "oui", "non", "coût", "frais", "boutique", "prêt",
            "est-ce", "faut-il", "peut-on", "je", "nous", "vous"}
EN_HINTS = {"china", "chinese", "sell", "products", "brand", "how", "much", "what", "which",
            "why", "hello", "hi", "thanks", "thank", "advisor", "company", "customs", "yes",
            "fees", "cost", "store", "shop", "ready", "the", "no", "please", "want", "need"}
# Words in both stop lists ("a", "on", "me"...) carry no signal.
SHARED = FR_STOP_WORDS & EN_STOP_WORDS


def detect_language(text: str, margin: float = 2) -> str | None:
    """Return "fr", "en", or None when the message gives too little evidence.

    Domain and greeting words count 2, stop words 1, French accents 0.5; a language wins with
    a lead of `margin` (2: one stray word such as "stop" or "at" never decides; a caller that
    must not switch on a lone "yes" asks for more).
    """
    words = [w.lower().strip("'") for w in WORD.findall(text or "")]
    french = english = 0.0
    for word in words:
        if word in FR_HINTS:
            french += 2
        elif word not in SHARED and (word in FR_STOP_WORDS or
                                     "'" in word and word[:2] in {"l'", "d'", "j'", "qu"}):
            french += 1
        if word in EN_HINTS:
            english += 2
        elif word not in SHARED and word in EN_STOP_WORDS:
            english += 1
    french += 0.5 * len(FRENCH_CHARS.findall(text or ""))
    if abs(french - english) < margin:
        return None
    return "fr" if french > english else "en"
