"""``sportello customers dedupe`` on a large imported list of Italian customers (issue 18).

    python bench/dedupe.py --customers 200000
    python bench/dedupe.py --customers 200000 --database-url \\
        postgres://postgres@127.0.0.1:5432/sportello_bench_dedupe --recreate

Builds N customers as a shop's export would hold them: Italian first names, frequent ones
more often (a second one for some, "Maria Grazia"); a quarter of the surnames from the
common ones (Rossi far more than Abate), the rest from a long tail of rare ones, as in
Italy; so homonyms are many among common names and few among rare ones. Emails made of
the name at the usual free providers or a company domain, mobile and landline numbers
written the ways people write them ("347 123 4567", "0039 02 12345678", "+39 02 1234
5678"), read with ``normalize_phone`` as an import would; a town (big cities by size, and
thousands of small towns); an order number for some, a birth date for a quarter. About 8%
are a second record of someone already listed: the name written another way (surname
first in capitals, lower case, no accents, an initial, a typo, one of two first names),
usually the same town, her birth date half the time, and sharing her WhatsApp number
(~35%), an order she quotes (~15%) or nothing but those details (the rest).
Bulk-loaded into a fresh database, then ``dedupe_workspace`` (what the command runs) is
timed. Prints one JSON line: suggestions per customer, precision (suggested pairs that
are one person), recall of the planted pairs, by what the pair shares, wall and CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

# The names and towns of bench/identity.py's records, and more for lists of 200k.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import identity

FIRST = [
    *identity.FIRST,
    "Alessandra",
    "Silvia",
    "Federica",
    "Giorgia",
    "Roberta",
    "Cristina",
    "Barbara",
    "Simona",
    "Monica",
    "Elisa",
    "Daniela",
    "Claudia",
    "Alice",
    "Aurora",
    "Sofia",
    "Beatrice",
    "Ginevra",
    "Emma",
    "Greta",
    "Noemi",
    "Irene",
    "Camilla",
    "Veronica",
    "Lucia",
    "Mario",
    "Fabio",
    "Massimo",
    "Daniele",
    "Nicola",
    "Emanuele",
    "Tommaso",
    "Leonardo",
    "Pietro",
    "Filippo",
    "Salvatore",
    "Vincenzo",
    "Michele",
    "Enrico",
    "Ilaria",
    "Raffaele",
    "Gianluca",
    "Carmela",
    "Concetta",
    "Rosaria",
    "Teresa",
    "Angela",
    "Pasquale",
]
SECOND = [
    "Grazia",
    "Rosa",
    "Luisa",
    "Teresa",
    "Pia",
    "Angela",
    "Paolo",
    "Maria",
    "Luca",
    "Carlo",
    "Battista",
    "Pio",
]
# Common surnames first: the first ones are picked far more often (a Zipf-like weight).
LAST = [
    *identity.LAST,
    "Sanna",
    "Farina",
    "Rizzi",
    "Monti",
    "Cattaneo",
    "Morelli",
    "Amato",
    "Silvestri",
    "Mazza",
    "Testa",
    "Grassi",
    "Pellegrino",
    "Carbone",
    "Giuliani",
    "Benedetti",
    "Barone",
    "Rossetti",
    "Caputo",
    "Montanari",
    "Guerra",
    "Palmieri",
    "Bernardi",
    "Martino",
    "Fiore",
    "Rosa",
    "Ferretti",
    "Bellini",
    "Basile",
    "Riva",
    "Donati",
    "Piras",
    "Vitali",
    "Battaglia",
    "Sartori",
    "Neri",
    "Costantini",
    "Milani",
    "Pagano",
    "Ruggiero",
    "Sorrentino",
    "D'Amico",
    "Orlando",
    "Damico",
    "Negri",
    "Cirillo",
    "Mazzoni",
    "Bertolini",
    "Zanetti",
    "Giuliano",
    "Cristiani",
    "Ferrero",
    "Bassi",
    "Rota",
    "Colonna",
    "Pace",
    "Marras",
    "Melis",
    "Deiana",
    "Cocco",
    "Fadda",
    "Porcu",
    "Mura",
    "Pinna",
    "Zedda",
    "Lai",
    "Usai",
    "Abate",
    "Agostini",
    "Albanese",
    "Alberti",
    "Amoroso",
    "Angeli",
    "Aquino",
    "Arena",
    "Armani",
    "Baldi",
    "Bellucci",
    "Benedetto",
    "Bertoni",
    "Bonetti",
    "Borghi",
    "Bosco",
    "Brambilla",
    "Brunetti",
    "Calabrese",
    "Campana",
    "Canale",
    "Capone",
    "Carli",
    "Carrara",
    "Castelli",
    "Cavallo",
    "Ceccarelli",
    "Cerutti",
    "Cesari",
    "Chiesa",
    "Ciani",
    "Corsi",
    "Crippa",
    "Cuomo",
    "D'Alessandro",
    "Marco",
    "Simone",
    "Di",
    "Stefano",
    "Esposti",
    "Falco",
    "Fanti",
    "Ferrante",
    "Fumagalli",
    "Garofalo",
    "Gatto",
    "Gentili",
    "Ghidini",
    "Giacomelli",
    "Giorgi",
    "Grimaldi",
    "Guidi",
    "Iannone",
    "Lanza",
    "Leonardi",
    "Locatelli",
    "Lorusso",
    "Luciani",
    "Lupo",
    "Magnani",
    "Malara",
    "Mancuso",
    "Manzoni",
    "Marchi",
    "Mele",
    "Merlo",
    "Minelli",
    "Mosca",
    "Musso",
    "Nardi",
    "Nava",
    "Oliva",
    "Orsini",
    "Pagani",
    "Pastore",
    "Perna",
    "Piazza",
    "Poli",
    "Porta",
    "Pozzi",
    "Puglisi",
    "Raimondi",
    "Ricciardi",
    "Rizzoli",
    "Romeo",
    "Ronchi",
    "Rosati",
    "Rossini",
    "Ruggeri",
    "Sacco",
    "Salvi",
    "Santini",
    "Scotti",
    "Serafini",
    "Sesti",
    "Soldati",
    "Spinelli",
    "Tedesco",
    "Tosi",
    "Toscano",
    "Trevisan",
    "Valente",
    "Vento",
    "Zanella",
    "Zani",
]
CITIES = [
    *identity.CITIES,
    "Venezia",
    "Messina",
    "Padova",
    "Trieste",
    "Brescia",
    "Parma",
    "Taranto",
    "Prato",
    "Modena",
    "Cagliari",
    "Perugia",
    "Livorno",
    "Ravenna",
    "Rimini",
    "Salerno",
    "Ferrara",
    "Sassari",
    "Latina",
    "Monza",
    "Bergamo",
    "Pescara",
    "Trento",
    "Vicenza",
]
FREE = ["gmail.com", "libero.it", "hotmail.it", "alice.it", "yahoo.it", "virgilio.it", "tiscali.it"]
COMPANIES = [f"studio{n}.it" for n in range(400)] + [f"ditta-{n}.com" for n in range(400)]
# Italy's surnames are a long tail: tens of thousands of them, the most common (Rossi) well
# under 1% of people. The listed ones, frequent first, are a quarter of the customers; the
# rest bear surnames of the tail, made of Italian roots and endings ("Bertolini",
# "Castagnetti", "De Marchesi"), each rare.
LISTED_SHARE = 0.25
WEIGHTS = [1 / (rank + 1) ** 0.5 for rank in range(len(LAST))]
FIRST_WEIGHTS = [1 / (rank + 1) ** 0.5 for rank in range(len(FIRST))]
_ROOTS = (  # noqa: SIM905 (a list of words reads better as words)
    "Bert Mar Fer Ros Bianc Gall Pell Zan Cat Mor Ner Sal Vit Lor Car Bon Ricc Tad Orl Giac "
    "Bald Mont Cast Ben Pag Serr Fior Lun Pin Tor Gren Bast Mazz Cocc Brun Fabr Guid Lomb "
    "Sart Ventur"
).split()
_MIDDLES = ["", "ol", "ag", "ar", "ell", "en", "ich", "iz", "ucc", "ott"]
_ENDINGS = (  # noqa: SIM905
    "ini etti ello oni ucci acci otti ato ano esi one elli izzi olo uzzi ani ieri aro ese ino"
).split()
TAIL = [r + m + e for r in _ROOTS for m in _MIDDLES for e in _ENDINGS]
# Customers live in the big cities (by size) and in thousands of small towns.
TOWNS = [
    f"{prefix} {TAIL[(i * 7919) % len(TAIL)]}"
    for i, prefix in enumerate(
        ["San", "Castel", "Monte", "Borgo", "Villa", "Torre", "Poggio", "Ponte", "Colle", "Rocca"]
        * 300
    )
]
CITY_WEIGHTS = [1 / (rank + 1) for rank in range(len(CITIES))]
BIG_CITY_SHARE = 0.45


def _plain(text: str) -> str:
    return (
        text.lower().replace("'", "").replace(" ", "").translate(str.maketrans("àèéìòù", "aeeiou"))
    )


def _phone_written(rng: random.Random) -> str:
    """A mobile or landline number as a person writes it."""
    if rng.random() < 0.8:
        digits = f"3{rng.randrange(20, 99)}{rng.randrange(10**6, 10**7)}"
        forms = [
            f"{digits[:3]} {digits[3:6]} {digits[6:]}",
            f"+39 {digits}",
            f"0039{digits}",
            digits,
        ]
    else:
        digits = f"0{rng.choice(['2', '6', '11', '51', '55', '81'])}{rng.randrange(10**6, 10**7)}"
        forms = [f"+39 {digits[:2]} {digits[2:]}", f"0039 {digits}", digits]
    return rng.choice(forms)


def _surname(rng: random.Random) -> str:
    if rng.random() < LISTED_SHARE:
        return rng.choices(LAST, WEIGHTS)[0]
    tail = rng.choice(TAIL)
    return f"{rng.choice(['De', 'Di', 'La'])} {tail}" if rng.random() < 0.05 else tail


def _city(rng: random.Random) -> str:
    if rng.random() < BIG_CITY_SHARE:
        return rng.choices(CITIES, CITY_WEIGHTS)[0]
    return rng.choice(TOWNS)


def _typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard: a letter dropped, doubled or two swapped."""
    if len(word) < 4:
        return word
    at = rng.randrange(1, len(word) - 1)
    slip = rng.randrange(3)
    if slip == 0:
        return word[:at] + word[at + 1 :]
    if slip == 1:
        return word[:at] + word[at] + word[at:]
    return word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]


def _written_again(rng: random.Random, first: str, last: str) -> str:
    """The same person's name as another record holds it."""
    form = rng.random()
    if form < 0.1:
        return f"{first} {last}"
    if form < 0.3:
        return f"{last.upper()} {first.upper()}"
    if form < 0.45:
        return f"{first} {last}".lower()
    if form < 0.55:
        return f"{first} {last}".translate(str.maketrans("àèéìòù", "aeeiou"))
    if form < 0.7:
        return f"{first[0]}. {last}"
    if form < 0.85:
        return f"{first} {_typo(rng, last)}"
    if " " in first:  # "Maria Grazia" signs "Maria"
        return f"{first.split()[0]} {last}"
    return f"{_typo(rng, first)} {last}"


Person = tuple[str, dict[str, Any], list[tuple[str, str]]]


def generated(count: int, seed: int) -> tuple[list[Person], set[tuple[int, int]], list[int], dict]:
    """``count`` customers; the (first, second) index pairs planted as one person; each
    record's person; and, per planted pair, what the second record shares (``kinds``)."""
    from sportello.core.errors import InvalidInput
    from sportello.customers.identities import normalize_phone

    rng = random.Random(seed)
    people: list[Person] = []
    planted: set[tuple[int, int]] = set()
    person: list[int] = []
    kinds: dict[tuple[int, int], str] = {}
    # The parts of each name, as first written.
    parts: list[tuple[str, str]] = []
    held: set[tuple[str, str]] = set()
    for n in range(count):
        if people and rng.random() < 0.08:
            # A second record of someone: another channel, another address, a name written
            # another way. What it shares with the first is what real ones share: the
            # WhatsApp of her phone, an order she quotes, or only details (town, birth date).
            original = rng.randrange(len(people))
            _, fields, identities = people[original]
            first, last = parts[original]
            phones = [v for k, v in identities if k in ("phone", "whatsapp")]
            new_email = ("email", f"{_plain(first)}{n}@{rng.choice(FREE)}")
            shares = rng.random()
            copied: dict[str, Any] = {}
            # Her number under a kind no record of hers holds yet (the same kind and number
            # is the same customer already, as the same address is).
            free_kinds = (
                [k for k in ("whatsapp", "phone") if (k, phones[0]) not in held] if phones else []
            )
            if shares < 0.35 and free_kinds:
                kept = [(free_kinds[0], phones[0])]
                held.add(kept[0])
                kind = "phone"
            elif 0.35 <= shares < 0.5:
                order = fields.get("order_number") or f"B-{n}"
                people[original][1]["order_number"] = order
                copied["order_number"] = order
                kept = [new_email]
                kind = "order"
            else:
                kept = [new_email]
                kind = "details"
            where = rng.random()
            if where < 0.85 and fields.get("citta"):
                copied["citta"] = fields["citta"]
            elif where < 0.95:
                copied["citta"] = _city(rng)  # moved, or a work address
            if fields.get("data_di_nascita") and rng.random() < 0.5:
                copied["data_di_nascita"] = fields["data_di_nascita"]
            people.append((_written_again(rng, first, last), copied, kept))
            parts.append((first, last))
            person.append(person[original])
            planted.add((original, n))
            kinds[(original, n)] = kind
            continue
        first = rng.choices(FIRST, FIRST_WEIGHTS)[0]
        if rng.random() < 0.12:
            first += " " + rng.choice(SECOND)
        last = _surname(rng)
        fields: dict[str, Any] = {"citta": _city(rng)}
        if rng.random() < 0.3:
            fields["order_number"] = f"A-{rng.randrange(10**8)}"
        if rng.random() < 0.25:  # a loyalty card asks for it
            fields["data_di_nascita"] = (
                f"{rng.randrange(1940, 2006)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            )
        domain = rng.choice(COMPANIES) if rng.random() < 0.1 else rng.choice(FREE)
        identities = [("email", f"{_plain(first)}.{_plain(last)}{n}@{domain}")]
        if rng.random() < 0.6:
            with contextlib.suppress(InvalidInput):
                identities.append(("phone", normalize_phone(_phone_written(rng))))
                held.add(identities[-1])
        people.append((f"{first} {last}", fields, identities))
        parts.append((first, last))
        person.append(n)
    return people, planted, person, kinds


def dedupe_at_scale(count: int, seed: int) -> dict[str, Any]:
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.customers.actions.duplicates import dedupe_workspace
    from sportello.customers.models import DuplicateSuggestion

    workspace = ensure_default_workspace()
    people, planted, person, kinds = generated(count, seed)
    load_started = time.perf_counter()
    customers = identity.load_people(workspace, people)
    loaded = time.perf_counter() - load_started
    started, cpu_started = time.perf_counter(), time.process_time()
    counts = dedupe_workspace(workspace.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    ids = [c.pk for c in customers]
    index = {pk: n for n, pk in enumerate(ids)}
    found = set(
        DuplicateSuggestion.objects.filter(workspace=workspace).values_list(
            "customer_a_id", "customer_b_id"
        )
    )
    # True: the two records are one person (a planted pair, or two second records of her).
    true_found = sum(person[index[a]] == person[index[b]] for a, b in found)
    hits = {
        pair
        for pair in planted
        if (min(ids[pair[0]], ids[pair[1]]), max(ids[pair[0]], ids[pair[1]])) in found
    }
    by_kind = {
        kind: round(
            sum(pair in hits for pair, k in kinds.items() if k == kind)
            / max(1, sum(k == kind for k in kinds.values())),
            3,
        )
        for kind in ("phone", "order", "details")
    }
    distinct_names = len({tuple(sorted(n.lower().split())) for n, _, _ in people})
    return {
        "customers": count,
        "distinct_names": distinct_names,
        **{k: v for k, v in counts.items() if k != "customers"},
        "suggested_rows": len(found),
        "suggestions_per_customer": round(len(found) / count, 3),
        "planted_duplicates": len(planted),
        "planted_found": len(hits),
        "recall": round(len(hits) / len(planted), 3) if planted else None,
        "recall_by_shared": by_kind,
        "precision": round(true_found / len(found), 3) if found else None,
        "load_seconds": round(loaded, 3),
        "dedupe_seconds": round(seconds, 3),
        "dedupe_cpu_seconds": round(cpu, 3),
        "customers_per_second": round(count / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import environment

    if args.database_url and args.recreate:
        environment.create_postgres_database(args.database_url, recreate=True)
    home = environment.configure(home=None, database_url=args.database_url or None)
    try:
        environment.migrate()
        figures = dedupe_at_scale(args.customers, args.seed)
        figures["backend"] = environment.backend()
        print(json.dumps(figures))
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
