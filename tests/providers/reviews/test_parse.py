"""Reading reviews from each shape: RSS, Atom, JSON Feed, a plain JSON array and CSV
(Italian and English headers); bad items reported with where they were, the good ones
around them kept; malformed documents and XML bombs refused with a reason."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sportello.providers.reviews.parse import NotAFeed, parse_csv, parse_feed
from tests.providers.reviews import fixtures


def test_rss_items_with_stars_source_and_plain_text():
    parsed = parse_feed(fixtures.RSS)
    assert [r.external_id for r in parsed.reviews] == ["rec-101", "rec-102", "men-7"]
    first, low, mention = parsed.reviews
    assert first.rating == 5 and first.author == "Maria Bianchi"
    assert first.text == "Carbonara perfetta e servizio gentile. Torneremo!"
    assert first.source == "recensioni.example.it"
    assert first.published_at == datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
    assert low.rating == 1 and low.source == "recensioni.example.it"  # from the link's host
    assert mention.rating is None and mention.source == "forum.example.it"
    assert len(parsed.problems) == 1
    assert parsed.problems[0].where == "item 3" and "1 to 5" in parsed.problems[0].reason


def test_atom_entries_with_author_email_and_a_bad_entry():
    parsed = parse_feed(fixtures.ATOM)
    assert [r.external_id for r in parsed.reviews] == ["urn:rec:a1", "urn:rec:a2"]
    first, second = parsed.reviews
    assert first.email == "paola.russo@example.it" and first.rating == 4
    assert first.source == "guida.example.com" and first.url.endswith("/a1")
    assert first.text == "Personale competente, consegna rapida."
    assert second.text.startswith("Il pacco è arrivato rotto") and second.rating == 2
    assert [(p.where, p.reason) for p in parsed.problems] == [
        ("item 3", "no source (the site the review is on), and no url to tell it by")
    ]


def test_json_feed_and_plain_array():
    feed = parse_feed(fixtures.JSON_FEED)
    assert [(r.external_id, r.rating, r.source) for r in feed.reviews] == [
        ("j-1", 5, "mappe"),
        ("j-2", 2, "mappe"),
    ]
    assert feed.reviews[1].text == "Caffè bruciato."
    assert "not an http(s) address" in feed.problems[0].reason
    array = parse_feed(fixtures.JSON_ARRAY)
    assert [r.key for r in array.reviews] == ["google:g-1", "google:g-2"]
    assert array.reviews[1].email == "marco.greco@example.it"
    assert array.problems[0].where == "item 3" and "not a number" in array.problems[0].reason


def test_csv_in_italian_with_bom_semicolons_and_bad_lines():
    parsed = parse_csv(fixtures.CSV_IT)
    assert [(r.source, r.rating, r.author) for r in parsed.reviews] == [
        ("google", 5, "Giulia Rossi"),
        ("tripadvisor.it", 2, "Paolo Conti"),
        ("google", 4, "Teo Bruno"),
    ]
    assert parsed.reviews[1].text == "Tavolo sporco; camerieri distratti"
    assert parsed.reviews[0].published_at == datetime(2026, 12, 5, tzinfo=UTC)
    assert [p.where for p in parsed.problems] == ["line 4", "line 5"]
    assert "no text and no rating" in parsed.problems[0].reason
    assert "31/02/2026" in parsed.problems[1].reason


def test_csv_in_english_with_commas():
    parsed = parse_csv(fixtures.CSV_EN)
    assert [r.rating for r in parsed.reviews] == [1, 3]
    assert parsed.reviews[0].text == "Never again, rude staff"
    assert parsed.problems[0].where == "line 4"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (fixtures.XML_BOMB, "entities are not read"),
        (b"<rss><channel><item>", "malformed"),
        (b"<html><body>hi</body></html>", "neither RSS"),
        (b"{not json", "JSON is malformed"),
        (b"Buongiorno", "neither XML"),
    ],
)
def test_documents_that_do_not_read_are_refused_with_a_reason(raw, reason):
    with pytest.raises(NotAFeed, match=reason):
        parse_feed(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfeb\x00a\x00d\x00", "not UTF-8"),
        (b"nome;colore\nMario;blu\n", "no column of text or rating"),
        (b"", "empty"),
    ],
)
def test_csv_files_that_do_not_read(raw, reason):
    with pytest.raises(NotAFeed, match=reason):
        parse_csv(raw)
