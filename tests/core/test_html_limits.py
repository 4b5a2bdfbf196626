"""HTML nesting and size caps: html5ever is quadratic in depth, so the sanitiser bounds both
first, keeps ordinary mail untouched and says what it changed."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest

from sportello.core.html import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_QUOTE_MARKS,
    bound_html,
    html_to_text,
    sanitize_html,
)
from sportello.providers.email.parsing.bodies import BodyWalker
from tests.providers.email.corpora import email_params


def test_html_within_the_limits_comes_back_as_the_same_object():
    html = "<div><p>Buongiorno<p>ordine <b>1042</b><ul><li>uno<li>due</ul></div>" * 50
    warnings: list[str] = []

    assert bound_html(html, warnings) is html
    assert warnings == []


def test_unclosed_paragraphs_list_items_and_cells_do_not_count_as_nesting():
    """Old mail leaves <p>, <li>, <td> and <tr> open; the parser closes them, so must we."""
    table = "<table>" + "<tr><td>a<td>b" * 2000 + "</table>"
    html = table + "<p>x" * 2000 + "<ul>" + "<li>y" * 2000
    assert bound_html(html, max_depth=10) is html


def test_start_tags_beyond_the_depth_limit_are_dropped_and_their_text_kept():
    html = "".join(f"<div>{i}" for i in range(8)) + "</div>" * 8 + "<p>dopo</p>"
    warnings: list[str] = []

    bounded = bound_html(html, warnings, max_depth=3)

    assert bounded == "<div>0<div>1<div>234567</div></div></div><p>dopo</p>"
    assert warnings == [
        "html: nesting deeper than 3 levels flattened (5 start tags dropped, their text kept)"
    ]


def test_a_button_stops_a_paragraph_from_closing_the_one_around_it():
    """<p> only closes an open <p> in button scope: <p><button><p>... really nests."""
    warnings: list[str] = []
    bound_html("<p><button>" * 100, warnings, max_depth=50)
    assert warnings and "flattened" in warnings[0]


def test_self_closing_syntax_on_a_div_still_nests():
    warnings: list[str] = []
    bound_html("<div/>" * 100, warnings, max_depth=50)
    assert warnings and "flattened" in warnings[0]


def test_after_the_element_limit_open_elements_close_and_the_rest_is_text():
    html = "<p>" + "<span>a</span>" * 5 + "<style>p{}</style>" + "<i>b</i>" * 3
    warnings: list[str] = []

    bounded = bound_html(html, warnings, max_elements=6)

    assert bounded == "<p>" + "<span>a</span>" * 5 + "</p> p{}  b  b  b "
    assert warnings == ["html: more than 6 elements; the rest kept as text"]


def test_a_tag_without_its_closing_bracket_does_not_rescan_the_input():
    html = "<a" * 200_000
    assert bound_html(html) is html
    assert sanitize_html(html) == ""


def test_sanitize_html_reports_what_the_caps_did():
    warnings: list[str] = []

    sanitized = sanitize_html("<div>" * (MAX_DEPTH + 10) + "testo", warnings)

    assert sanitized.count("<div>") == MAX_DEPTH and sanitized.count("testo") == 1
    assert warnings == [
        f"html: nesting deeper than {MAX_DEPTH} levels flattened "
        "(10 start tags dropped, their text kept)"
    ]


def test_capped_html_is_still_sanitised():
    attack = '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:x">y</a>'
    sanitized = sanitize_html("<div>" * (MAX_DEPTH + 5) + attack + "<b>" * MAX_ELEMENTS + attack)
    assert "onerror" not in sanitized and "<script" not in sanitized
    assert "javascript:" not in sanitized


def test_quote_marks_in_text_stop_at_a_fixed_depth():
    """10,000 nested quotes once made 100 MB of ``> `` from 200 KB of HTML."""
    text = html_to_text("<blockquote>x" * (MAX_DEPTH - 10))
    lines = text.splitlines()
    assert max(len(line) for line in lines) == 2 * MAX_QUOTE_MARKS + 1
    assert len(text) < MAX_DEPTH * (2 * MAX_QUOTE_MARKS + 2)


def _corpus_html(path) -> str:
    message = BytesParser(policy=policy.compat32).parsebytes(path.read_bytes())
    bodies = BodyWalker(25 * 1024 * 1024, [], [], "X-Sportello-Test-Elided").walk(message)
    return "\n".join(bodies.html)


@pytest.mark.parametrize("path", email_params())
def test_no_corpus_email_reaches_either_limit(path):
    """Every public corpus message's HTML passes the caps untouched, so its sanitised copy is
    exactly what it was before them."""
    html = _corpus_html(path)
    warnings: list[str] = []

    assert bound_html(html, warnings) is html
    assert warnings == []
    assert bound_html(html, max_depth=MAX_DEPTH // 2, max_elements=MAX_ELEMENTS // 10) is html
