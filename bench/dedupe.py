"""``sportello customers dedupe`` on a large imported list of Italian customers (issue 18).

    python bench/dedupe.py --customers 200000
    python bench/dedupe.py --customers 200000 --database-url \\
        postgres://postgres@127.0.0.1:5432/sportello_bench_dedupe --recreate

Builds N customers as a shop's export would hold them: Italian first names (a second one
for some, "Maria Grazia"), surnames weighted as they are common (Rossi far more than
Abate), emails made of the name at the usual free providers or a company domain, mobile
and landline numbers written the ways people write them ("347 123 4567", "0039 02
12345678", "+39 02 1234 5678"), read with ``normalize_phone`` as an import would; a city;
an order number for some. About 8% are a second record of someone already listed, written
another way (surname first in capitals, an initial, no accents, a lower-case name) and
sharing her phone, email or order. Bulk-loaded into a fresh database, then
``dedupe_workspace`` (what the command runs) is timed. Prints one JSON line, with how many
of the planted duplicates came out as suggestions (recall).
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
WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(LAST))]


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


Person = tuple[str, dict[str, Any], list[tuple[str, str]]]


def generated(count: int, seed: int) -> tuple[list[Person], set[tuple[int, int]]]:
    """``count`` customers, and the (first, second) index pairs that are one person."""
    from sportello.core.errors import InvalidInput
    from sportello.customers.identities import normalize_phone

    rng = random.Random(seed)
    people: list[Person] = []
    planted: set[tuple[int, int]] = set()
    for n in range(count):
        if people and rng.random() < 0.08:
            original = rng.randrange(len(people))
            name, fields, identities = people[original]
            first, _, last = name.rpartition(" ")
            variant = rng.choice(
                [
                    f"{last.upper()} {first.upper()}",
                    f"{first[0]}. {last}",
                    name.lower(),
                    name.translate(str.maketrans("àèéìòù", "aeeiou")),
                ]
            )
            shared = [(("whatsapp" if k == "phone" else k), v) for k, v in identities]
            kept = [rng.choice(shared)] if shared else []
            if kept and kept[0][0] == "email":  # the same address is one customer already
                kept = [("email", f"{_plain(first)}.{_plain(last)}{n}@{rng.choice(FREE)}")]
                fields = {**fields, "order_number": fields.get("order_number", f"B-{n}")}
                people[original][1].setdefault("order_number", fields["order_number"])
            people.append((variant, dict(fields), kept))
            planted.add((original, n))
            continue
        first = rng.choice(FIRST)
        if rng.random() < 0.12:
            first += " " + rng.choice(SECOND)
        last = rng.choices(LAST, WEIGHTS)[0]
        name = f"{first} {last}"
        fields: dict[str, Any] = {"citta": rng.choice(CITIES)}
        if rng.random() < 0.3:
            fields["order_number"] = f"A-{rng.randrange(10**8)}"
        domain = rng.choice(COMPANIES) if rng.random() < 0.1 else rng.choice(FREE)
        identities = [("email", f"{_plain(first)}.{_plain(last)}{n}@{domain}")]
        if rng.random() < 0.6:
            with contextlib.suppress(InvalidInput):
                identities.append(("phone", normalize_phone(_phone_written(rng))))
        people.append((name, fields, identities))
    return people, planted


def dedupe_at_scale(count: int, seed: int) -> dict[str, Any]:
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.customers.actions.duplicates import dedupe_workspace
    from sportello.customers.models import DuplicateSuggestion

    workspace = ensure_default_workspace()
    people, planted = generated(count, seed)
    load_started = time.perf_counter()
    customers = identity.load_people(workspace, people)
    loaded = time.perf_counter() - load_started
    started = time.perf_counter()
    counts = dedupe_workspace(workspace.pk)
    seconds = time.perf_counter() - started
    ids = [c.pk for c in customers]
    found = set(
        DuplicateSuggestion.objects.filter(workspace=workspace).values_list(
            "customer_a_id", "customer_b_id"
        )
    )
    hits = sum((min(ids[a], ids[b]), max(ids[a], ids[b])) in found for a, b in planted)
    return {
        "customers": count,
        **{k: v for k, v in counts.items() if k != "customers"},
        "planted_duplicates": len(planted),
        "planted_found": hits,
        "recall": round(hits / len(planted), 3) if planted else None,
        "load_seconds": round(loaded, 3),
        "dedupe_seconds": round(seconds, 3),
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
