"""How similar customers' messages about the same matter are, and about different ones:
the figures behind ``conversations.repeats.SIMILARITY_THRESHOLD``. One JSON line.

    PYTHONPATH=. DJANGO_SETTINGS_MODULE=sportello.config.settings python bench/repeat_contacts.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SAME = [
    (
        "Il pacco non è ancora arrivato, sono passate due settimane",
        "Ancora nessuna traccia della mia spedizione, quando arriva?",
    ),
    (
        "Mi avete addebitato due volte l'abbonamento di novembre",
        "Sulla carta vedo un doppio addebito per l'abbonamento",
    ),
    (
        "La lavatrice che ho comprato perde acqua",
        "La lavatrice perde ancora acqua dal fondo, nessuno mi ha risposto",
    ),
    (
        "Vorrei restituire le scarpe, sono troppo piccole",
        "Come faccio il reso delle scarpe? La taglia è sbagliata",
    ),
    (
        "Non riesco ad accedere al mio account, la password non funziona",
        "Continuo a non poter entrare nel mio profilo, il reset password non arriva",
    ),
    (
        "La fattura di ottobre ha un importo sbagliato",
        "Vi scrivo di nuovo per l'importo errato in fattura",
    ),
    ("My parcel has not arrived yet", "Il mio pacco non è ancora arrivato"),
    (
        "Il rimborso promesso non mi è mai arrivato",
        "Aspetto ancora il rimborso, mi avevate detto una settimana",
    ),
]
DIFFERENT = [
    (SAME[0][0], "Vorrei cambiare l'indirizzo di fatturazione"),
    (SAME[1][0], "Avete in negozio la taglia 42 delle scarpe blu?"),
    (SAME[2][0], "Quali sono gli orari del negozio di Milano?"),
    (SAME[3][0], "Non riesco ad accedere al mio account"),
    (SAME[4][0], "Il pacco è arrivato danneggiato"),
    (SAME[5][0], "Vorrei disdire la newsletter"),
    (SAME[7][0], "Posso pagare con bonifico?"),
    ("La lavatrice perde acqua", "Il frigorifero non raffredda"),
    ("Grazie mille per l'aiuto!", "Buongiorno, ho una domanda sul mio ordine"),
]

# The same object, another problem: linked by the threshold (the agent sees both).
NEAR = [("Il pacco non è ancora arrivato", "Il pacco è arrivato ma manca un pezzo")]


def main() -> None:
    import django

    django.setup()
    from sportello.language.embeddings import embed

    def cosines(pairs: list[tuple[str, str]]) -> list[float]:
        left, right = embed([a for a, _ in pairs]), embed([b for _, b in pairs])
        return [round(float(left[i] @ right[i]), 3) for i in range(len(pairs))]

    started = time.perf_counter()
    same, different, near = cosines(SAME), cosines(DIFFERENT), cosines(NEAR)
    print(
        json.dumps(
            {
                "bench": "repeat_contacts",
                "same_matter": same,
                "different_matter": different,
                "min_same": min(same),
                "max_different": max(different),
                "same_object_other_problem": near,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
