"""How two customers are compared for a duplicate suggestion (docs/adr/0022).

Pure functions over a ``Profile`` (what is known of a customer): the blocking keys that pick
the few customers worth comparing (``match_keys``) and a score with its reasons
(``compare``). Nothing here reads or writes the database: ``actions.duplicates`` does, the
batch command does, and ``bench/identity.py`` runs the same functions over FEBRL.

A suggestion never merges by itself, and a name alone is never a suggestion: two different
"Marco Ferrari" stay two people until something else they share says otherwise. How much a
name says depends on how many customers bear it (Fellegi–Sunter's frequency-based weights):
agreeing on a rare name is strong evidence, agreeing on "Maria Rossi" is weak.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import permutations

# Words around a name that are not the name.
_TITLES = frozenset(
    [
        "sig",
        "sig.ra",
        "sigra",
        "sigg",
        "dott",
        "dott.ssa",
        "dottssa",
        "dr",
        "ing",
        "avv",
        "arch",
        "prof",
        "geom",
        "rag",
        "mr",
        "mrs",
        "ms",
        "miss",
        "signor",
        "signora",
        "signore",
        "dottor",
        "dottore",
        "ra",
        "na",
        "ssa",
    ]
)
# Particles of Italian surnames: "De Luca", "Di Stefano", "Dell'Acqua", "La Rosa" are also
# written "Deluca", "Distefano": the particle is glued to the next word.
_PARTICLES = frozenset(
    [
        "de",
        "di",
        "del",
        "della",
        "dello",
        "dei",
        "degli",
        "da",
        "dal",
        "dalla",
        "d",
        "dell",
        "la",
        "lo",
        "le",
        "li",
    ]
)
# Mail services anyone has an address at: the same domain says nothing of the person.
FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "libero.it",
        "hotmail.com",
        "hotmail.it",
        "outlook.com",
        "outlook.it",
        "live.com",
        "live.it",
        "msn.com",
        "yahoo.com",
        "yahoo.it",
        "icloud.com",
        "me.com",
        "mac.com",
        "tiscali.it",
        "virgilio.it",
        "alice.it",
        "tin.it",
        "fastwebnet.it",
        "email.it",
        "inwind.it",
        "aol.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "pec.it",
        "legalmail.it",
        "aruba.it",
        "yandex.com",
        "mail.com",
        "tim.it",
        "vodafone.it",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")
# Keys of custom fields (as agents and imports name them) read as city, birth date, orders.
CITY_FIELDS = ("city", "citta", "città", "comune", "localita", "località")
BIRTH_FIELDS = ("birth_date", "date_of_birth", "data_di_nascita", "nascita")
ORDER_FIELDS = ("order_number", "order_numbers", "orders", "ordine", "ordini", "numero_ordine")

# The reasons a suggestion gives, as codes (the API's) and as words (the UI's, translated
# where shown).
REASONS = {
    "same_name": "same name",
    "similar_name": "similar name",
    "shared_name_word": "a word of the name in common",
    "same_phone": "same phone number",
    "same_email": "same email address",
    "same_order_number": "same order number",
    "same_company_domain": "same company domain",
    "same_city": "same city",
    "same_birth_date": "same birth date",
    "mentioned_identifier": "mentioned an address of the other",
    "common_name": "a common name (weighs less)",
    "common_city": "a town many customers share (weighs less)",
}
# Weights of the evidence (added, at most 1). A name alone stays below SUGGEST_AT: a rare
# name needs one more detail in common (the city, a company domain, a birth date), a common
# name more than a city (``name_weight``); a shared phone or order number with a similar
# name is a strong suggestion.
WEIGHTS = {
    "same_name": 0.35,
    "similar_name": 0.3,
    "shared_name_word": 0.1,
    "same_phone": 0.5,
    "same_email": 0.6,
    "same_order_number": 0.4,
    "same_company_domain": 0.15,
    "same_city": 0.1,
    "same_birth_date": 0.3,
}
SUGGEST_AT = 0.45
SAME_NAME_AT = 0.97
SIMILAR_NAME_AT = 0.88
# A name borne by at most this many customers of the workspace is rare and weighs in full;
# each doubling beyond it takes COMMON_NAME_STEP off, down to a shared word's weight.
RARE_NAME = 3
COMMON_NAME_STEP = 0.05
# A town where at most SMALL_TOWN_SHARE of the workspace's customers live, or at most
# SMALL_TOWN of them, is small and weighs in full; each doubling beyond takes
# BIG_TOWN_STEP off, down to half the weight: living in Roma says little, living in
# Orgosolo a lot (ADR 0022, amendment on towns). Below SMALL_TOWN customers a share is
# noise: in a workspace of 50 customers two in one town make a share of 4%.
SMALL_TOWN = 100
SMALL_TOWN_SHARE = 0.01
BIG_TOWN_STEP = 0.05


def name_weight(reason: str, frequency: int) -> float:
    """The weight of agreeing on a name that ``frequency`` customers bear (the more common
    of the two names compared). Fellegi–Sunter's agreement weight is log(m/u), and u, the
    chance that two different people agree, is the name's frequency: each doubling of it
    takes the same amount off."""
    weight = WEIGHTS[reason]
    if frequency <= RARE_NAME:
        return weight
    return max(
        WEIGHTS["shared_name_word"],
        weight - COMMON_NAME_STEP * math.log2(frequency / RARE_NAME),
    )


def town_weight(frequency: int, customers: int = 0) -> float:
    """The weight of living in the same town that ``frequency`` of the workspace's
    ``customers`` share; 0 when unknown, taken as small. As
    for names, u — the chance that two different people agree — is the town's share: each
    doubling of it takes the same amount off."""
    weight = WEIGHTS["same_city"]
    small = max(SMALL_TOWN, SMALL_TOWN_SHARE * customers)
    if frequency <= small:
        return weight
    return max(weight / 2, weight - BIG_TOWN_STEP * math.log2(frequency / small))


def is_big_town(frequency: int, customers: int = 0) -> bool:
    return frequency > max(SMALL_TOWN, SMALL_TOWN_SHARE * customers)


def name_and_city_can_suggest(frequency: int, town_frequency: int = 0, customers: int = 0) -> bool:
    """Whether two customers bearing a name this common, living in a town this big, with
    nothing in common but the name and the town, would be suggested. Past this, only what
    has a blocking key of its own (a phone, an email, an order, a company domain, a birth
    date) can suggest them, so the batch need not compare the name's block at all."""
    weight = name_weight("same_name", frequency) + town_weight(town_frequency, customers)
    return round(weight, 3) >= SUGGEST_AT


@dataclass(frozen=True)
class Profile:
    """What the matcher knows of a customer."""

    customer_id: int
    name: str = ""
    phones: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    city: str = ""
    birth_date: str = ""
    order_numbers: frozenset[str] = frozenset()
    tokens: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def of(
        cls,
        customer_id: int,
        name: str,
        identities: list[tuple[str, str]],
        custom_fields: dict[str, object] | None = None,
    ) -> Profile:
        fields = {fold(str(k)): v for k, v in (custom_fields or {}).items()}
        phones = frozenset(v for _, v in identities if _is_e164(v))
        emails = frozenset(v for k, v in identities if k == "email" and "@" in v)
        return cls(
            customer_id=customer_id,
            name=name,
            phones=phones,
            emails=emails,
            city=_first(fields, CITY_FIELDS),
            birth_date=_first(fields, BIRTH_FIELDS),
            order_numbers=_orders(fields),
            tokens=name_tokens(name),
        )

    @property
    def company_domains(self) -> frozenset[str]:
        return frozenset(
            domain
            for email in self.emails
            if (domain := email.rpartition("@")[2]) not in FREE_MAIL_DOMAINS
        )


def _is_e164(value: str) -> bool:
    return value.startswith("+") and value[1:].isdigit() and 7 <= len(value) <= 16


def _first(fields: dict[str, object], names: tuple[str, ...]) -> str:
    for name in names:
        value = fields.get(fold(name))
        if value not in (None, ""):
            return " ".join(_WORD.findall(fold(str(value))))
    return ""


def _orders(fields: dict[str, object]) -> frozenset[str]:
    found: set[str] = set()
    for name in ORDER_FIELDS:
        value = fields.get(fold(name))
        values = value if isinstance(value, list) else [value]
        found.update(str(v).strip().lstrip("#").upper() for v in values if v not in (None, ""))
    return frozenset(found)


def fold(text: str) -> str:
    """Lower case without accents: "Niccolò D'Angelo" -> "niccolo d'angelo"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a name, folded, without titles, particles glued to the next word, in
    alphabetical order (so "ROSSI MARIA" and "Maria Rossi" are the same tokens)."""
    words = [w for w in _WORD.findall(fold(name).replace("'", " ")) if w not in _TITLES]
    tokens: list[str] = []
    pending = ""
    for word in words:
        if word in _PARTICLES and len(words) > 2:
            pending += word
            continue
        tokens.append(pending + word)
        pending = ""
    if pending:
        tokens.append(pending)
    return tuple(sorted(tokens))


def match_keys(profile: Profile) -> set[str]:
    """The blocking keys: customers sharing one are compared. A name gives its whole key
    and, for each long word, that word with the initial of each other word ("rossi m"
    catches "M. Rossi" and "Mario Rossi"); phones, company domains, order numbers and a
    birth date with a surname initial give one key each."""
    keys: set[str] = set()
    tokens = profile.tokens
    if tokens:
        keys.add(name_key(profile))
    long_tokens = [t for t in tokens if len(t) > 1]
    for word, other in permutations(tokens, 2):
        if word in long_tokens:
            keys.add(f"s:{word[:100]}:{other[0]}")
    keys.update("p:" + phone for phone in profile.phones)
    keys.update("e:" + email[:110] for email in profile.emails)
    keys.update("d:" + domain[:110] for domain in profile.company_domains)
    keys.update("o:" + number[:110] for number in profile.order_numbers)
    if profile.birth_date:
        initials = sorted({t[0] for t in tokens}) or ["?"]
        keys.update(f"b:{profile.birth_date[:40]}:{i}" for i in initials)
    return keys


def town_key(profile: Profile) -> str:
    """The key that counts a town's customers. Not a blocking key (every customer of Roma
    is not a block): stored so the job can count it, never searched."""
    return "c:" + profile.city[:110] if profile.city else ""


def name_key(profile: Profile) -> str:
    """The blocking key of the whole name: how many customers share it is how common the
    name is."""
    return "n:" + " ".join(profile.tokens)[:110] if profile.tokens else ""


# Cached: names repeat (every "Rossi", every "Maria"), so a batch dedupe compares the same
# words again and again; the pure-Python loop is most of a comparison's cost.
@functools.lru_cache(maxsize=200_000)
def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(0, max(len(a), len(b)) // 2 - 1)
    a_matched = [False] * len(a)
    b_matched = [False] * len(b)
    matches = 0
    for i, char in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not b_matched[j] and b[j] == char:
                a_matched[i] = b_matched[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    b_chars = [b[j] for j in range(len(b)) if b_matched[j]]
    transpositions = sum(
        char != b_chars[k] for k, char in enumerate(c for i, c in enumerate(a) if a_matched[i])
    )
    jaro = (matches / len(a) + matches / len(b) + (matches - transpositions / 2) / matches) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _token_similarity(x: str, y: str) -> float:
    if len(x) == 1 or len(y) == 1:  # an initial matches a word it begins
        return 0.9 if x[0] == y[0] else 0.0
    return jaro_winkler(x, y)


@functools.lru_cache(maxsize=200_000)
def name_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """How alike two names' tokens are, whatever their order: each word of the shorter name
    against its best partner in the other, averaged; a name with fewer words ("Rossi")
    counts as less than the same name in full."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    remaining = list(long)
    total = 0.0
    for word in short:
        best = max(remaining, key=lambda other: _token_similarity(word, other))
        total += _token_similarity(word, best)
        remaining.remove(best)
    similarity = total / len(short)
    if len(short) < len(long):
        similarity *= 0.9
    spaced = jaro_winkler(" ".join(a), " ".join(b)) if len(a) == len(b) else 0.0
    # A word split or glued by mistake ("Ja Yde" for "Jayde"): the letters in a row.
    glued = jaro_winkler("".join(a), "".join(b)) * 0.95
    return max(similarity, spaced, glued)


@dataclass(frozen=True)
class Comparison:
    score: float
    reasons: tuple[str, ...]


def compare(
    a: Profile,
    b: Profile,
    *,
    name_frequency: int = 0,
    town_frequency: int = 0,
    customers: int = 0,
) -> Comparison:
    """The evidence that two customers are one person, as a score in [0, 1] and reasons.
    ``name_frequency``: how many customers of the workspace bear the more common of the two
    names (0 when unknown, taken as rare); a common name adds the reason ``common_name``
    and weighs less (``name_weight``). ``town_frequency``: how many of the workspace's
    ``customers`` live in ``a``'s (0 when unknown, taken as small); a big
    one adds ``common_city`` and weighs less (``town_weight``)."""
    reasons = []
    similarity = name_similarity(a.tokens, b.tokens)
    name_reason = ""
    if similarity >= SAME_NAME_AT:
        name_reason = "same_name"
    elif similarity >= SIMILAR_NAME_AT:
        name_reason = "similar_name"
    elif {t for t in a.tokens if len(t) > 2} & set(b.tokens):
        reasons.append("shared_name_word")
    if name_reason:
        reasons.append(name_reason)
    if a.phones & b.phones:
        reasons.append("same_phone")
    if a.emails & b.emails:
        reasons.append("same_email")
    if a.order_numbers & b.order_numbers:
        reasons.append("same_order_number")
    if a.company_domains & b.company_domains:
        reasons.append("same_company_domain")
    if a.city and a.city == b.city:
        reasons.append("same_city")
    if a.birth_date and a.birth_date == b.birth_date:
        reasons.append("same_birth_date")
    score = sum(WEIGHTS[reason] for reason in reasons if reason not in (name_reason, "same_city"))
    if name_reason:
        score += name_weight(name_reason, name_frequency)
        if name_frequency > RARE_NAME:
            reasons.append("common_name")
    if "same_city" in reasons:
        score += town_weight(town_frequency, customers)
        if is_big_town(town_frequency, customers):
            reasons.append("common_city")
    # Details that disagree count against: another birth date is another person (one
    # mistyped digit is a typo, not another date).
    if a.birth_date and b.birth_date and _differ(a.birth_date, b.birth_date) > 1:
        score -= 0.25
    named = {"same_name", "similar_name", "shared_name_word"} & set(reasons)
    if not named and a.tokens and b.tokens:
        score -= 0.2  # different names: only strong shared evidence suggests them
    return Comparison(score=round(max(0.0, min(1.0, score)), 3), reasons=tuple(reasons))


def _differ(a: str, b: str) -> int:
    """How many characters differ (a length apart counts as many)."""
    if len(a) != len(b):
        return max(len(a), len(b))
    return sum(x != y for x, y in zip(a, b, strict=True))
