"""Sanitising and parsing hostile and ordinary HTML: one JSON line per case.

    PYTHONPATH=. python bench/html_limits.py [--repeat N]

Each line gives the seconds (best of ``--repeat``) ``sanitize_html`` and a whole e-mail parse
(``parse_message`` of a text/html message) take, and the warnings the parse reports. Run it
with another checkout on ``PYTHONPATH`` to compare: before the nesting caps, nested ``<div>``s
were quadratic (1 MB took about two minutes).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from sportello.core.html import sanitize_html
from sportello.providers.email.parsing import parse_message

MB = 1_000_000
HEAD = (
    b"From: Mario Rossi <mario@example.it>\r\nTo: negozio@example.it\r\nSubject: prova\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
)


def flat_newsletter(size: int) -> str:
    """About ``size`` bytes of ordinary marketing HTML: tables, paragraphs, links, images."""
    block = (
        '<table width="600" cellpadding="0" cellspacing="0" border="0"><tr>'
        '<td style="padding: 12px; font-family: Arial, sans-serif; color: #333333">'
        '<img src="https://example.it/img/prodotto.jpg" alt="Prodotto" width="120">'
        "<h2>Scarpe da corsa, nuova collezione</h2>"
        "<p>Leggere e resistenti, pensate per chi corre ogni giorno in città e sui sentieri. "
        "Disponibili in <b>sette colori</b> e in tutte le taglie, dalla 36 alla 47, con reso "
        'gratuito entro trenta giorni. <a href="https://example.it/scarpe?utm=news">Scopri di '
        "più</a></p><p>Prezzo di lancio: <strong>89,00 €</strong> invece di 119,00 €.</p>"
        "</td></tr></table>\n"
    )
    return "<html><body>" + block * (size // len(block)) + "</body></html>"


CASES: dict[str, Callable[[], str]] = {
    "div*100000": lambda: "<div>" * 100_000,
    "nested div 1MB": lambda: "<div>" * (MB // 5),
    "nested b/i 1MB": lambda: "<b><i>" * (MB // 6),
    "deep tables 1MB": lambda: "<table><tr><td>" * (MB // 15),
    "nested blockquote 1MB": lambda: "<blockquote>x" * (MB // 13),
    "flat newsletter 1MB": lambda: flat_newsletter(MB),
}


def best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(name: str, html: str, repeat: int) -> dict[str, object]:
    raw = HEAD + html.encode()
    return {
        "case": name,
        "bytes": len(raw) - len(HEAD),
        "sanitize_s": round(best(repeat, lambda: sanitize_html(html)), 3),
        "parse_s": round(best(repeat, lambda: parse_message(raw)), 3),
        "warnings": [w for w in parse_message(raw).warnings if w.startswith("html")],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the best counts")
    parser.add_argument("--only", help="run only the cases whose name contains this")
    args = parser.parse_args()
    for name, make in CASES.items():
        if args.only and args.only not in name:
            continue
        print(json.dumps(measure(name, make(), max(1, args.repeat))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
