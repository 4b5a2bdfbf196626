"""The offline language layer's costs: one JSON line.

    PYTHONPATH=. python bench/language.py [--sentences 200]

Run in a fresh process (the model is loaded once per process, the first time it is
needed): the sentence encoder's load time and resident-memory growth, the latency of
embedding one sentence (p50/p95, as a search or the bot embeds a question) and the time a
sentence in batches of 32 (as a job embeds an article's passages), and language
identification's latency.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SENTENCES = [
    "Quanto costa la spedizione in Sicilia?",
    "How long does delivery take to Germany?",
    "Il pacco doveva arrivare tre giorni fa e il tracking è fermo",
    "Can I return a shirt that is too small?",
    "Vorrei cambiare la taglia della tutina che ho ordinato ieri sera",
    "Where can I download the invoice for my last order?",
    "Accettate pagamenti con Satispay o solo con carta di credito?",
    "My account is locked and the password reset email never arrives",
]


def rss_mb() -> float:
    """Resident memory of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=200)
    args = parser.parse_args()

    import numpy  # noqa: F401  (imported by the app anyway; not the model's cost)

    from sportello.language import detect_language, embed

    before = rss_mb()
    started = time.perf_counter()
    embed(["carica il modello"])
    load_s = time.perf_counter() - started
    after = rss_mb()

    texts = [SENTENCES[i % len(SENTENCES)] + f" ({i})" for i in range(args.sentences)]
    single = []
    for text in texts:
        began = time.perf_counter()
        embed([text])
        single.append((time.perf_counter() - began) * 1000)
    began = time.perf_counter()
    embed(texts)
    batched_ms = (time.perf_counter() - began) * 1000 / len(texts)

    detect_language(SENTENCES[0], among=("it", "en"))  # its model loads once too
    detect = []
    for text in texts:
        began = time.perf_counter()
        detect_language(text, among=("it", "en"))
        detect.append((time.perf_counter() - began) * 1000)

    print(
        json.dumps(
            {
                "bench": "language",
                "model_load_s": round(load_s, 2),
                "model_rss_mb": round(after - before, 1),
                "process_rss_mb": round(rss_mb(), 1),
                "embed_one_p50_ms": round(statistics.median(single), 1),
                "embed_one_p95_ms": round(percentile(single, 0.95), 1),
                "embed_batched_ms_per_sentence": round(batched_ms, 1),
                "detect_p50_ms": round(statistics.median(detect), 2),
                "sentences": len(texts),
            }
        )
    )


if __name__ == "__main__":
    main()
