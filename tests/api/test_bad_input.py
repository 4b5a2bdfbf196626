"""Bad input answers a clear 4xx, never a 500 (issue 13, point 5)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.django_db

TOO_BIG = 2**63  # one past the largest row id
HUGE = 10**20


@pytest.mark.parametrize("number", [TOO_BIG, HUGE])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/conversations/{}", None),
        ("patch", "/api/v1/conversations/{}", {"status": "open"}),
        ("post", "/api/v1/conversations/{}/notes", {"text": "ciao"}),
        ("post", "/api/v1/conversations/{}/reply", {"text": "ciao"}),
        ("get", "/api/v1/customers/{}", None),
        ("patch", "/api/v1/customers/{}", {"name": "Mario"}),
        ("patch", "/api/v1/channels/{}", {"name": "Posta"}),
    ],
)
def test_an_id_beyond_a_row_id_in_a_path_is_not_found(api, method, path, body, number):
    response = api._send(method, path.format(number), body)
    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


@pytest.mark.parametrize("number", ["-1", "%C2%B9", "1.5"])
def test_a_path_id_that_is_not_ascii_digits_is_not_found(api, number):
    response = api.get(f"/api/v1/customers/{number}")
    assert response.status_code == 404
    assert response.json() == {"detail": "not found"}


def test_the_largest_row_id_is_looked_up_and_not_found(api):
    response = api.get(f"/api/v1/customers/{TOO_BIG - 1}")
    assert response.status_code == 404
    assert response.json() == {"detail": f"customer {TOO_BIG - 1} not found"}


@pytest.mark.parametrize("cursor", ["%C2%B9", "%D9%A3", str(TOO_BIG), "9" * 5000, "-1"])
@pytest.mark.parametrize("path", ["/api/v1/customers", "/api/v1/conversations"])
def test_a_cursor_that_is_not_one_is_refused(api, path, cursor):
    response = api.get(f"{path}?cursor={cursor}")
    assert response.status_code == 422
    assert "cursor" in response.json()["detail"]


# Queries that were FTS5 or tsquery syntax, or became it once folded (NFKD makes '½'
# '1⁄2', a phrase to FTS5), and letters SQLite's tokenizer reads as marks.
NASTY_QUERIES = [
    "½",
    "1⁄2",
    "⑴ ⒜",
    "ﬁne ㎏",
    '"',
    'a "b',
    "'",
    "*",
    "ordine*",
    "NEAR(a b)",
    "a NEAR b",
    "-ordine",
    "a:b",
    "ordine:",
    "^a",
    "a AND OR NOT b",
    "(a",
    "a & b | !c <-> d",
    "\\",
    "a\\'b",
    "\u19b1\u19b2",
    "ᦀᦱ",
    "a\u19b1a ᦀᦱᦀ",
    "\u1cf2a",
    "Ⅻ",
    "a\u0301",
    "\U0001e900\U0001e901",
    "x" * 3000,
    " ".join(["parola"] * 40),
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
def test_a_search_is_never_syntax(api, inbound, query):
    inbound("Il mio ordine da 1/2 chilo non è arrivato")
    response = api.get("/api/v1/conversations", QUERY_STRING=urlencode({"q": query}))
    assert response.status_code == 200
    assert isinstance(response.json()["items"], list)


def test_a_folded_fraction_finds_what_it_folds_to(api, inbound):
    conversation_id = inbound("Ne vorrei ½ chilo").json()["conversation_id"]
    found = api.get("/api/v1/conversations", QUERY_STRING=urlencode({"q": "1⁄2 chilo"}))
    assert [c["id"] for c in found.json()["items"]] == [conversation_id]
