"""Which readiness question a message answers, and what it says about it.

Filling the pending question with whatever the user types stores answers where they do not
belong: "oui, une recette familiale depuis 1920" typed at the trademark question is about the
brand story, and "aucun contact en chine" typed at the budget question is about contacts. So each
question has topic words (`topics` in vocabulary.yml, plus the patterns below); a message answers
the questions whose topics it names (a correction when that question was answered before), and
only a message that names no topic ("oui", "35", "pas encore") answers the pending question.

A message is read clause by clause: "pas pour le moment, personne ne parle chinois" is one answer
about Chinese customer service ("pas pour le moment" adds no topic and goes with its neighbour);
"non, mais on a un transitaire" answers the pending question with "non" (the "mais" separates
it) and the logistics question with yes.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.advice import answers
from bot.advice.answers import contains, normalise, vocabulary

SLOTS = ["product_category", "company_size", "export_experience", "customer_service_cn",
         "surge_stock", "logistics_partner", "trademark_cn", "marketing_budget", "brand_story",
         "china_contacts"]
# The summary's question ("are these answers right?"), asked after the ten questions.
CONFIRM = "assessment_confirmed"
# A request to change an answer without saying which one.
ANY = "__any__"

_SEPARATOR = re.compile(
    r"[;!?:]|[.,](?!\d)|(?<![a-z])(mais|but|et|and|puis|then|cependant|pourtant|however|"
    r"though|although|par contre|en revanche|sauf que|except that)(?![a-z])")
_CONTRAST = {"mais", "but", "cependant", "pourtant", "however", "though", "although",
             "par contre", "en revanche", "sauf que", "except that"}
# Words that carry no topic: a clause made only of these ("oui", "pas pour le moment",
# "correction") belongs to the topic next to it.
_FILLER = set("""
oui ouais ouaip non nan si yes yeah yep yup no nope nah ok okay d accord daccord pas encore du
tout fait en pour le la l les moment instant maintenant present now not yet for the at right
correction actually in fact sorry desole desolee pardon oups oops ben bah euh eh bien well hmm
hum alors so malheureusement helas unfortunately sadly sur sure absolument absolutely of course
certainly certainement evidemment obviously entendu mais but vraiment really toujours still
jamais never plus merci thanks thank you aucun aucune none rien nothing exact exactement exactly
indeed effectivement c est ca cas it is that s a an enfin finalement je me suis trompe trompee
i meant mistake my rectification ah oh hélas at all quite
""".split())
_PRODUCT_VERB = re.compile(
    r"(?<![a-z])(faisons|fabriquons|produisons|vendons|brassons|distillons|cultivons|"
    r"concevons|developpons|commercialisons|proposons|(?<!en )fait|fabrique|produit|vend|"
    r"brasse|distille|cultive|concoit|developpe|commercialise|propose|make|makes|produce|"
    r"produces|sell|sells|brew|brews|manufacture|manufactures|grow|design|designs|offer)"
    r"(?![a-z])")
_SPEAKS_CHINESE = re.compile(
    r"(parl\w*|speak\w*|spoken|ecri\w*|writ\w*|repond\w*|answer\w*|repl\w*)\s+(\w+\s+){0,2}"
    r"(chinois|mandarin|chinese|cantonese|cantonais)")
_SINCE_YEAR = re.compile(r"(depuis|since|fondee? en|founded in|creee? en|established in|"
                         r"des) (1[5-9]\d\d|20[0-2]\d)")
_THOUSANDS = re.compile(r"\d\s*k(?![a-z])")


@dataclass
class Clause:
    text: str
    contrast: bool  # starts with "mais", "but"...
    slots: list[str] = field(default_factory=list)


@dataclass
class Reading:
    """What a message says: answers by question, and a question the user wants to change."""
    values: dict[str, Any] = field(default_factory=dict)
    change: str | None = None  # a slot to ask again, ANY when the user did not say which

    def others(self, pending: str) -> dict[str, Any]:
        """Answers to questions other than the pending one."""
        return {slot: value for slot, value in self.values.items() if slot != pending}


def _boolean(text: str, cued: bool) -> bool | None:
    """Yes or no; a statement about the topic with no negation is a yes ("on a un
    transitaire", "une recette familiale depuis 1920")."""
    if contains(normalise(text), vocabulary()["polarity"]["unsure"]):
        return None
    value = answers.polarity(text)
    return True if value is None and cued else value


def _confirm(text: str, cued: bool) -> bool | None:
    return answers.polarity(text)


PARSERS: dict[str, Callable[[str, bool], Any]] = {
    "product_category": lambda t, cued: answers.parse_choice("product_category", t),
    "company_size": lambda t, cued: answers.parse_company_size(t),
    "export_experience": lambda t, cued: answers.parse_export(t),
    "customer_service_cn": _boolean,
    "surge_stock": _boolean,
    "logistics_partner": _boolean,
    "trademark_cn": lambda t, cued: answers.parse_trademark(t),
    "marketing_budget": lambda t, cued: answers.parse_budget(t),
    "brand_story": _boolean,
    "china_contacts": _boolean,
    CONFIRM: _confirm,
}


def parse(slot: str, text: str, cued: bool = False) -> Any:
    """The value `text` gives to `slot`, or None."""
    return PARSERS[slot](text, cued)


def topics(folded: str) -> list[str]:
    """The questions a clause (normalised text) is about, in the order of SLOTS."""
    words = vocabulary()["topics"]
    found = [slot for slot in SLOTS if contains(folded, words.get(slot) or [])]
    if "customer_service_cn" not in found and _SPEAKS_CHINESE.search(folded):
        found.append("customer_service_cn")
    if "company_size" not in found and answers.numbers(folded) and (
            contains(folded, vocabulary()["people"]) or contains(folded, vocabulary()["team"])):
        found.append("company_size")
    if "marketing_budget" not in found and _THOUSANDS.search(folded):
        found.append("marketing_budget")
    # Weaker cues, only when nothing else names the clause's topic: a year is the brand's
    # history ("depuis 1920"), a product word after a making or selling verb is the product.
    if not found and _SINCE_YEAR.search(folded):
        found.append("brand_story")
    if not found and _PRODUCT_VERB.search(folded) \
            and answers.parse_choice("product_category", folded) is not None:
        found.append("product_category")
    return sorted(found, key=SLOTS.index)


def clauses(folded: str) -> list[Clause]:
    parts, start, contrast = [], 0, False
    for match in _SEPARATOR.finditer(folded):
        parts.append(Clause(folded[start:match.start()].strip(), contrast))
        contrast = (match.group(1) or "") in _CONTRAST
        start = match.end()
    parts.append(Clause(folded[start:].strip(), contrast))
    return [c for c in parts if c.text]


def _is_filler(text: str) -> bool:
    return all(word in _FILLER for word in re.findall(r"[a-z]+", text))


def read(text: str, pending: str | None, previous: str | None = None,
         change_request: bool = False, change_target: str | None = None) -> Reading:
    """Read `text` typed while `pending` (a slot of SLOTS, or CONFIRM) is asked.

    `previous` is the question answered just before: a correction that names no topic
    ("correction : non") applies to it. `change_request` is set when the user asks to change
    an answer (button or intent), `change_target` when the button says which.
    """
    if change_target in SLOTS:
        return Reading(change=change_target)
    folded = normalise(text)
    parts = clauses(folded)
    for clause in parts:
        clause.slots = topics(clause.text)
    named = [slot for slot in SLOTS if any(slot in c.slots for c in parts)]
    # "je voudrais modifier ma réponse sur le budget": a change request wherever it is typed;
    # in the summary "modifier le budget" is enough.
    changing = change_request or contains(folded, vocabulary()["change"]) and (
        pending == CONFIRM or contains(folded, vocabulary()["change_object"]))

    if not named and (changing or pending == CONFIRM):
        # "la taille", "modifier le budget": the summary's names of the questions
        labels = vocabulary()["labels"]
        named_here = [slot for slot in SLOTS if contains(folded, labels[slot])]
        if named_here:
            return Reading(change=named_here[0])
    if not named:
        if changing:
            return Reading(change=ANY)
        target = pending
        if previous and pending != CONFIRM and contains(folded, vocabulary()["correction"]):
            target = previous
        if target is None:
            return Reading()
        value = parse(target, folded)
        return Reading({target: value} if value is not None else {})

    # Clauses that name no topic go with a neighbour: a bare "oui" or "pas pour le moment"
    # with the clause it introduces, "et en Chine" with the clause it continues. A clause
    # that answers the pending question on its own ("cosmétiques, on est 12") or that a
    # "mais" separates from the rest ("non, mais on a un transitaire") answers the pending one.
    texts: dict[str, list[str]] = {slot: [] for slot in named}
    orphans: list[str] = []
    for i, clause in enumerate(parts):
        if clause.slots:
            for slot in clause.slots:
                texts[slot].append(clause.text)
            continue
        following = parts[i + 1] if i + 1 < len(parts) else None
        before = next((c for c in reversed(parts[:i]) if c.slots), None)
        filler = _is_filler(clause.text)
        answers_pending = not filler and pending is not None and pending not in named \
            and parse(pending, clause.text) is not None
        if answers_pending:
            orphans.append(clause.text)
        elif filler and following is not None and following.slots and not following.contrast:
            for slot in following.slots:
                texts[slot].append(clause.text)
        elif before is not None and not clause.contrast:
            for slot in before.slots:
                texts[slot].append(clause.text)
        else:
            orphans.append(clause.text)

    values: dict[str, Any] = {}
    for slot in named:
        # Naming a topic is a yes ("on a un transitaire"), but not in a request to change it.
        value = parse(slot, " ".join(texts[slot]), cued=not changing)
        if value is not None:
            values[slot] = value
    if changing:
        unanswered = [slot for slot in named if slot not in values]
        if unanswered:
            return Reading(values, change=unanswered[0])
        if values:
            return Reading(values)
        return Reading(change=ANY)
    if pending == CONFIRM:
        if not values:
            return Reading(change=named[0])  # "le budget": the one to change
        return Reading(values)  # corrections: the summary is shown again
    if pending is not None and pending not in named and orphans:
        value = parse(pending, " ".join(orphans))
        if value is not None:
            values[pending] = value
    return Reading(values)
