"""Turn a typed answer into a slot value: "nous faisons du chocolat" -> food, "35 salariés" ->
small, "50 000 €" or "trente mille euros" -> medium, "pas pour le moment" -> no. Buttons send
values directly; this serves users who type. Which question a message answers is decided in
bot.advice.understanding; this module reads one value."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.lexical import fold

VOCABULARY_PATH = Path(__file__).with_name("vocabulary.yml")


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(VOCABULARY_PATH.read_text(encoding="utf-8"))
    return data


def normalise(text: str) -> str:
    """Folded text (lowercase, no accents) with typographic apostrophes made plain."""
    return fold(text.replace("\u2019", "'").replace("\u02bc", "'"))


def contains(text: str, words: list[str]) -> bool:
    return any(re.search(rf"(?<![a-z]){re.escape(fold(w))}(?![a-z])", text) for w in words)


# Number words, French (with the Belgian and Swiss septante, huitante, nonante) and English.
_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
    "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "a": 1, "an": 1}
# "une vingtaine" is about 20, "a dozen" 12, "deux douzaines" 24.
_ROUND = {"dizaine": 10, "dizaines": 10, "douzaine": 12, "douzaines": 12, "quinzaine": 15,
          "vingtaine": 20, "trentaine": 30, "quarantaine": 40, "cinquantaine": 50,
          "soixantaine": 60, "centaine": 100, "centaines": 100, "dozen": 12, "dozens": 24,
          "couple": 2, "hundreds": 200}
_HUNDRED = {"cent", "cents", "hundred"}
_THOUSAND = {"mille", "milles", "millier", "milliers", "thousand", "thousands", "k"}
_MILLION = {"million", "millions", "m"}
_FEW = {"quelques", "plusieurs", "few", "several"}  # "quelques milliers" ~ 3 000
# A lone article is not a number ("un distributeur", "a partner", "no one").
_NOT_ALONE = {"un", "une", "a", "an", "one", "m", "k"}
_NUMBER_TOKEN = re.compile(r"\d+(?:[ .,]\d{3})+(?![\d])|\d+(?:[.,]\d+)?|[a-z]+")


def _digits(token: str) -> float | None:
    if re.fullmatch(r"\d+(?:[ .,]\d{3})+", token):
        return float(re.sub(r"[ .,]", "", token))
    try:
        return float(token.replace(",", "."))
    except ValueError:
        return None


def _is_number_word(token: str) -> bool:
    return token in _UNITS or token in _ROUND or token in _HUNDRED or token in _THOUSAND \
        or token in _MILLION or token in _FEW


def _evaluate(tokens: list[str]) -> float | None:
    if all(t in _NOT_ALONE for t in tokens):
        return None
    total, current = 0.0, 0.0
    for i, token in enumerate(tokens):
        if token in ("un", "une", "a", "an") and i + 1 < len(tokens) and tokens[i + 1] in _UNITS:
            continue  # "il y a deux salariés": the French "a" (has) before a number
        digits = _digits(token) if token[0].isdigit() else None
        if digits is not None:
            current += digits
        elif token in _FEW:
            current = 3
        elif token in _ROUND:
            current = (current or 1) * _ROUND[token]
        elif token in _HUNDRED:
            current = (current or 1) * 100
        elif token in _THOUSAND:
            total, current = total + (current or 1) * 1_000, 0
        elif token in _MILLION:
            total, current = total + (current or 1) * 1_000_000, 0
        elif token in _UNITS:
            current += _UNITS[token]
    return total + current


def numbers(text: str) -> list[float]:
    """The numbers in `text`, in digits or in words, in order: "30k" -> 30000, "une vingtaine de
    personnes" -> 20, "trente mille euros" -> 30000, "quatre-vingt-dix" -> 90, "a dozen" -> 12,
    "1,5 million" -> 1500000. Digits followed by another number start a new number ("entre
    50 et 100" gives 50 and 100)."""
    folded = normalise(text).replace("-", " ")
    folded = re.sub(r"\bquatre vingts?\b", "octante", folded)
    tokens = _NUMBER_TOKEN.findall(folded)
    found: list[float] = []
    run: list[str] = []  # the tokens of the number being read

    def close() -> None:
        if run:
            value = _evaluate(run)
            if value is not None:
                found.append(value)
            run.clear()

    for i, token in enumerate(tokens):
        is_digits = token[0].isdigit()
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if is_digits:
            close()  # "a 100" is 100; "entre 50 et 100" is two numbers
            run.append(token)
        elif _is_number_word(token):
            if token in ("m", "k") and not (run and run[-1][0].isdigit()):
                close()
                continue
            if token in _UNITS and run and (run[-1][0].isdigit() or run[-1] in _UNITS
                                            and _UNITS[run[-1]] % 10 and token not in _NOT_ALONE):
                close()  # "5 6" or "deux trois" are two numbers
            run.append(token)
        elif token in ("et", "and") and run and not run[-1][0].isdigit() \
                and following in _UNITS and following not in ("a", "an"):
            continue  # "vingt et un", "a hundred and five"
        else:
            close()
    close()
    return found


def parse_choice(slot: str, text: str) -> str | None:
    """The value of a multiple-choice slot named in `text`, or None.

    The longest matching phrase wins, so "hors UE" (outside_eu) beats "UE" (eu).
    """
    folded = normalise(text)
    matches = [(len(word), value) for value, words in vocabulary().get(slot, {}).items()
               for word in words if contains(folded, [word])]
    return max(matches)[1] if matches else None


def parse_company_size(text: str) -> str | None:
    """Head count in digits or words ("une vingtaine", "a dozen", "septante"), else size words
    ("une petite structure", "je travaille seul")."""
    found = numbers(text)
    if found:
        people = found[0]
        return "micro" if people < 10 else "small" if people < 50 else \
            "medium" if people < 250 else "large"
    return parse_choice("company_size", text)


def parse_budget(text: str) -> str | None:
    """A yearly amount in euros ("30k", "trente mille euros", "quelques milliers d'euros"), or
    words ("aucun budget", "pas de budget pour l'instant", "un petit budget")."""
    found = numbers(text)
    if found:
        euros = found[0]
        return "none" if euros == 0 else "small" if euros < 20_000 else \
            "medium" if euros <= 100_000 else "large"
    named = parse_choice("marketing_budget", text)
    if named is None and polarity(text) is False:
        return "none"  # "non, rien de prévu", "not at the moment"
    return named


def parse_export(text: str) -> str | None:
    """Where the company already sells abroad. Belgium alone is no export ("uniquement en
    Belgique"); a negation without a place is none ("pas encore, on y pense")."""
    folded = normalise(text)
    domestic = contains(folded, vocabulary()["home_market"])
    place = parse_choice("export_experience", folded)
    if place is not None and place != "none":
        return place
    if place == "none" or polarity(folded) is False or domestic:
        return "none"
    return None


def _clean(folded: str, phrases: list[str]) -> str:
    for phrase in phrases:
        folded = re.sub(rf"(?<![a-z]){re.escape(fold(phrase))}(?![a-z])", " ", folded)
    return folded


NEGATION = re.compile(r"(?<![a-z])(non|pas|aucun|aucune|jamais|rien|ni|sans|nan|nul|nulle|"
                      r"no|not|none|nobody|never|nothing|without|nope|nah|neither|nor|cannot)"
                      r"(?![a-z])|(?<![a-z])(n'|ne )|n't(?![a-z])|(?<![a-z])personne (ne|n')")


def polarity(text: str) -> bool | None:
    """Yes or no in a sentence that may give reasons: "pas pour le moment, personne ne parle
    chinois" -> False, "oui, une collègue parle mandarin" -> True, "je ne sais pas" -> None.

    Idioms that sound negative but agree ("pas de problème", "no problem") count as yes;
    a negation anywhere wins over a yes word ("oui mais pas encore" is not yet a yes).
    """
    folded = normalise(text)
    words = vocabulary()["polarity"]
    if contains(folded, words["unsure"]):
        return None
    agreeing = contains(folded, words["agreeing_idioms"])
    folded = _clean(folded, words["agreeing_idioms"] + words["not_negations"])
    if NEGATION.search(folded):
        return False
    if agreeing or contains(folded, vocabulary()["answer_yes"]):
        return True
    return None


def parse_trademark(text: str) -> Any | None:
    """True (registered in China), False, or "pending" (application filed).

    Registered elsewhere only is not registered in China: "notre marque est déposée en Europe
    seulement" -> False. When China is named, the clause that names it decides ("oui en
    Chine, pas encore en Europe" -> True).
    """
    folded = normalise(text)
    words = vocabulary()["trademark"]
    if contains(folded, words["pending"]) and not contains(folded, words["not_pending"]):
        return "pending"
    china = [clause for clause in re.split(r"[,;.:!]|(?<![a-z])(?:mais|but|et|and)(?![a-z])",
                                           folded) if contains(clause, words["china"])]
    if china:
        value = polarity(" ".join(china))
        return False if value is False else True
    if contains(folded, words["elsewhere"]):
        return False
    value = polarity(folded)
    if value is None and contains(folded, words["registered"]):
        return True  # "c'est déposé", "it is registered"
    return value


def parse_yes_no(text: str) -> bool | None:
    """True, False or None from plain yes and no words (the consent question)."""
    folded = normalise(text)
    if contains(folded, vocabulary()["answer_no"]):
        return False
    if contains(folded, vocabulary()["answer_yes"]):
        return True
    return None


def asks_restart(text: str) -> bool:
    """Whether the user asks to take the check again from the first question ("on
    recommence", "start over"), rather than to resume it ("reprendre le bilan")."""
    return contains(fold(text), vocabulary()["restart"])


EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
PHONE = re.compile(r"^\+?[0-9 ()./-]{8,20}$")


def valid_email(text: str) -> str | None:
    text = text.strip()
    return text.lower() if EMAIL.match(text) and len(text) <= 254 else None


def valid_phone(text: str) -> str | None:
    text = text.strip()
    return text if PHONE.match(text) and sum(c.isdigit() for c in text) >= 8 else None


def looks_like_email(text: str) -> bool:
    """An attempt at an e-mail address, valid or not ("marie@example", "marie(at)example.be",
    "marie arobase example", "marie at example.be")."""
    return bool(re.search(r"@|\(at\)|\[at\]|\barobase\b|\w\s+at\s+\w+\.\w{2,}", text, re.I))


def looks_like_phone(text: str) -> bool:
    """An attempt at a phone number, valid or not (at least 5 digits)."""
    return sum(c.isdigit() for c in text) >= 5


def _bare(text: str) -> str:
    """Folded words only: "Non !" -> "non", "Stop, s'il vous plaît." -> "stop s'il vous plait"."""
    return " ".join(re.findall(r"[a-z0-9']+", normalise(text)))


def is_yes_no(text: str) -> bool:
    """The whole message is a yes or a no ("non", "Oui !", "no thanks"): not a name."""
    bare = _bare(text)
    words = vocabulary()
    return bare in {fold(w) for w in words["answer_yes"] + words["answer_no"]
                    + words["yes_no_extra"]}


def is_cancel(text: str) -> bool:
    """The whole message asks to cancel ("stop", "annuler", "finalement, annule", "cancel
    please"); a name that merely contains such a word ("Marie Stoppa") does not."""
    words = vocabulary()["cancel"]
    rest = " " + " ".join(w for w in _bare(text).split()
                          if w not in {fold(f) for f in words["filler"]}) + " "
    found = False
    for phrase in sorted((fold(p) for p in words["phrases"]), key=len, reverse=True):
        while f" {phrase} " in rest:  # "never mind, cancel" is two cancel phrases
            rest, found = rest.replace(f" {phrase} ", " ", 1), True
    return found and not rest.strip()


def skips_phone(text: str) -> bool:
    """The user gives no phone number: "pas de tel", "no phone", "non", "je préfère pas"."""
    return contains(normalise(text), vocabulary()["skip_phone"])


def valid_name(text: str, max_length: int = 120) -> str | None:
    """A person's or company's name: not empty, not a question, not a bare yes or no, not
    absurdly long. Anything else is taken as typed ("Anne Test", "Marie Stoppa")."""
    text = " ".join(text.split())
    if not (2 <= len(text) <= max_length) or "?" in text or text.startswith("/") \
            or is_yes_no(text):
        return None
    return text
