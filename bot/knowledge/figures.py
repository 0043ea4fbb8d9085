"""The text rules of an article paragraph: sources lines, as-of markers ({2021}, {fixed}),
volatile figures that need one, phrases that break when a section is shown alone, sentences."""
from __future__ import annotations

import datetime as dt
import re

KB_LINK = re.compile(r"\[([^\]]+)\]\(kb:([^)\s]+)\)")
KB_LINK_TARGET = re.compile(r"\]\([^)]*\)")  # the "](address)" part of any Markdown link
SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý0-9«\"(*])")

# ----------------------------------------------------------------------------- sources line
# The last line of a section: "Sources : a, b" (French space optional, any case, "Source" too).
SOURCES_LINE = re.compile(r"^\s*sources?\s*:\s*(.*?)\s*$", re.IGNORECASE)

# ------------------------------------------------------------------------------ date markers
# Anything in braces is a marker; only these forms are valid.
MARKER = re.compile(r"\{([^{}\n]*)\}")
DATE_MARKER = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
FIXED_MARKER = "fixed"
YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")

# ------------------------------------------------------------------------- volatile figures
# A number: digits grouped by thousands with a space, no-break space, dot or comma
# ("150 000", "150,000", "1.000.000", "29 000,50"), or a plain or decimal number ("5", "9,1",
# "2.5"). Never the tail of a word, of another number or of a code.
_NUMBER = (r"(?<![\w.,/])(?:\d{1,3}(?:[ \u00a0\u202f.,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
           r"(?!\d)")
_GAP = r"[ \u00a0\u202f]*\**[ \u00a0\u202f]*"          # spaces, maybe a "**" bold mark
_SCALE = r"(?:millions?|milliards?|billions?|trillions?|mille|thousand|bn|mrd|mio)"
_OF = r"(?:d['’][ \u00a0]*|de[ \u00a0]+|des[ \u00a0]+|of[ \u00a0]+)"
_SCALED = rf"(?:{_GAP}{_SCALE}\b)?{_GAP}{_OF}?"        # "1,3 milliard d'", "800 million "
_CURRENCY_WORD = r"""(?:
      €|[kKM]€|Md€                                  # euro sign, k€, M€, Md€
    | euros?\b | EUR\b                               # euros
    | yuans?\b | renminbi\b | RMB\b | CNY\b | ¥        # Chinese currency
    | USD\b | US\$ | HK\$ | HKD\b | [kKM]?\$           # dollars as a symbol or code
    | (?:US[ \u00a0]+|Hong[ \u00a0]Kong[ \u00a0]+)?dollars?\b   # dollars as a word
    | CHF\b | francs?[ \u00a0]+suisses?\b | Swiss[ \u00a0]+francs?\b   # Swiss francs
    | GBP\b | £ | livres?[ \u00a0]+sterling\b | pounds?[ \u00a0]+sterling\b
)"""
# Adjectives that may stand between a number and a count noun: "800 million monthly active
# users", "2 millions de jeunes consommateurs".
_COUNT_ADJECTIVE = (r"(?:monthly|daily|weekly|active|registered|new|mobile|online|paying|"
                    r"unique|internet|chinese|young|foreign|belgian|cross-border|e-commerce|"
                    r"nouveaux|nouvelles|jeunes|chinois|chinoises|belges|étrangers|étrangères)")
_COUNT_NOUN = r"""(?:
      utilisat(?:eur|rice)s? | users? | internautes?
    | acheteu(?:r|se)s? | buyers? | shoppers?
    | abonn[ée]e?s? | subscribers? | followers? | fans
    | consommat(?:eur|rice)s? | consumers? | clients? | customers?
    | visiteu(?:r|se)s? | visitors?
    | marques? | brands? | boutiques? | stores? | shops?
    | vendeu(?:r|se)s? | sellers? | marchands? | merchants?
    | colis | parcels? | commandes? | orders? | personnes | people
)\b"""
_DURATION = r"""(?:
      minutes? | heures? | hours? | hrs? | (?-i:h)
    | jours? | days? | (?:working|business|calendar)[ \u00a0]+days?
    | semaines? | weeks? | mois | months?
)\b"""
_WEIGHT = r"(?:(?-i:kg|g)|kilos?|kilogrammes?|kilograms?|grammes?|grams?|tonnes?|tons?)\b"
_PERCENT = (r"(?:%|pour[ \u00a0]*cents?\b|percent\b|per[ \u00a0]+cent\b|"
            r"points?[ \u00a0]+de[ \u00a0]+pourcentage\b|percentage[ \u00a0]+points?\b)")

_CURRENCY_BEFORE = r"(?:US\$|HK\$|\$|€|¥|£|\b(?:USD|EUR|RMB|CNY|CHF|HKD|GBP)\b)[ \u00a0]?"
VOLATILE = re.compile(rf"""
    # an amount, currency after: 150 000 yuans, 1,3 milliard d'euros, 99 US dollars, 5 k€
      (?P<cur_after>{_NUMBER}{_SCALED}{_CURRENCY_WORD})
    # an amount, currency before: RMB 150,000, $25,000, USD 99
    | (?P<cur_before>{_CURRENCY_BEFORE}{_NUMBER})
    # a percentage (tax rate, share, growth): 9,1 %, 13%, 5 pour cent, 2 percent
    | (?P<percent>{_NUMBER}{_GAP}{_PERCENT})
    # a count of people, brands, stores, parcels: 800 millions d'utilisateurs, 2,000 brands
    | (?P<count>{_NUMBER}{_SCALED}(?:{_COUNT_ADJECTIVE}[ \u00a0]+){{0,2}}{_COUNT_NOUN})
    # a duration: 48 heures, 7-day, 3 mois, 3 working days
    | (?P<duration>{_NUMBER}[ \u00a0-]*\**[ \u00a0]*{_DURATION})
    # a weight cap: 30 kg, 500 g
    | (?P<weight>{_NUMBER}{_GAP}{_WEIGHT})
""", re.IGNORECASE | re.VERBOSE)
# Fixed expressions with numbers that are not figures: blanked before the search.
NOT_FIGURES = re.compile(r"""
      24[ \u00a0]*(?:h|heures)[ \u00a0]*(?:/|sur)[ \u00a0]*24     # 24 heures sur 24, 24h/24
    | 7[ \u00a0]*(?:j|jours)[ \u00a0]*(?:/|sur)[ \u00a0]*7        # 7 jours sur 7, 7j/7
    | 24[ \u00a0]*/[ \u00a0]*7                                  # 24/7
    | 24[ \u00a0]+hours[ \u00a0]+a[ \u00a0]+day | 7[ \u00a0]+days[ \u00a0]+a[ \u00a0]+week
    | \]\([^)]*\)                                              # the address of a link
    | \b100[ \u00a0]*%                                         # 100 % (a claim, not a rate)
""", re.IGNORECASE | re.VERBOSE)
# A number right after these words is a reference (article 26, n° 2019-12, GB 7718), not a figure.
REFERENCE_BEFORE = re.compile(
    r"(?:\barticles?|\bart\.|n°|nº|\bno\.|§|\bannexe?|\bd[ée]cret|\bdecree|\bGB(?:/T)?|\bloi"
    r"|\blaw|\bordonnance|\border)[ \u00a0]*$", re.IGNORECASE)

# ---------------------------------------------------------------------------- writing rules
# References that break when a section is shown alone.
DANGLING = re.compile(r"""
      \bci-(?:dessous|dessus|après)\b                          # ci-dessous, ci-dessus, ci-après
    | \b(?:voir[ \u00a0]+la[ \u00a0]+)?section[ \u00a0]+(?:suivante|précédente)\b
    | \bparagraphe[ \u00a0]+(?:suivant|précédent)\b
    | \b(?:next|previous|following|preceding)[ \u00a0]+(?:section|paragraph)\b
    | \b(?:see|mentioned|listed|shown|described|explained|detailed|given|cited|stated|
           outlined|as)[ \u00a0]+(?:above|below)\b             # see above, as shown below
    | \b(?:above|below)(?=[ \u00a0]*(?:[.,;:!?)]|$)            # "the amounts below:" ...
           |[ \u00a0]+(?:is|are|was|were|section|paragraph|table|list|examples?|figures?|
                          amounts?)\b)                         # "the amounts below are"
""", re.IGNORECASE | re.VERBOSE)
# Phrases about the bot's own content, meaningless to a user.
INTERNAL = re.compile(r"""
      \bnos[ \u00a0]+sources\b | \bour[ \u00a0]+sources\b
    | \b(?:cette|notre|la)[ \u00a0]+base[ \u00a0]+de[ \u00a0]+connaissances?\b
    | \b(?:this|our|the)[ \u00a0]+knowledge[ \u00a0]+base\b
""", re.IGNORECASE | re.VERBOSE)
# Translated French that a Belgian adviser would not write (warnings).
TRANSLATED_WORDING = re.compile(
    r"\bagents?[ \u00a0]+domestiques?\b|\bauto-m[ée]dias?\b"
    r"|\bvendeuses?[ \u00a0]+en[ \u00a0]+direct\b", re.IGNORECASE)
ADVISOR = re.compile(
    r"\bconseill(?:er|ère|ers|ères)[ \u00a0]+(?:de[ \u00a0]+l['’][ \u00a0]*)?Awex\b"
    r"|\bAwex[ \u00a0]+advis[eo]rs?\b|\badvis[eo]rs?[ \u00a0]+(?:at|from|of)[ \u00a0]+Awex\b",
    re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences, so answers can be cut at a clean boundary."""
    return [s.strip() for s in SENTENCE_END.split(text.strip()) if s.strip()]


# Like SENTENCE_END, and a marker may open a sentence ("… fin. {fixed} En 2019, …").
_RAW_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÖØ-Ý0-9«\"(*{])")


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _RAW_SENTENCE_END.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def volatile_figures(sentence: str) -> list[str]:
    """The volatile figures of one sentence (markers ignored), e.g. ["150 000 yuans"]."""
    return [m.group(0).strip() for m in _volatile_matches(sentence)]


def _volatile_matches(sentence: str) -> list[re.Match]:
    blank = lambda m: " " * len(m.group(0))  # noqa: E731 (keep offsets)
    scan = MARKER.sub(blank, sentence)
    scan = NOT_FIGURES.sub(blank, scan)
    found = []
    for match in VOLATILE.finditer(scan):
        digits = re.search(r"\d[\d \u00a0\u202f.,]*", match.group(0))
        if digits is None:  # VOLATILE matches contain a digit; kept for the type checker
            continue
        number = digits.group(0).strip(" .,\u00a0")
        if re.fullmatch(r"(?:1[89]|20)\d\d", number):
            continue  # a year: "en 2019 ", "2019 users" is "In 2019 users …"
        if REFERENCE_BEFORE.search(scan[max(0, match.start() - 15):match.start()]):
            continue
        found.append(match)
    return found


def _marker_date(label: str) -> dt.date | None:
    """The date of `{2021}`, `{2021-06}` or `{2021-06-10}` (first day when partial)."""
    match = DATE_MARKER.match(label)
    if match is None:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3)
    if int(year) < 1900:
        return None
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


def _render(sentence: str) -> str:
    """The sentence as users see it: a date marker becomes " (2021)", or disappears when the
    sentence already names that year; `{fixed}` and malformed markers disappear."""
    present = set(YEAR.findall(MARKER.sub(" ", sentence)))

    def replace(match: re.Match) -> str:
        date = _marker_date(match.group(1).strip())
        if date is None:
            return ""
        year = str(date.year)
        if year in present:
            return ""
        present.add(year)
        return f" ({year})"

    text = re.sub(r"[ \t\u00a0]*\{([^{}\n]*)\}", replace, sentence)
    return re.sub(r"  +", " ", text).strip()
