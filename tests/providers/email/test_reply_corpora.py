"""Visible text against the public quoted-reply corpora.

Only expectations the upstream projects assert are measured (the other fixtures record what a
particular library happened to output). Each floor is the rate reached when it was written:
lowering one needs a reason.
"""

from __future__ import annotations

import re

from sportello.providers.email.parsing import parse_message, split_reply

from .corpora import corpus_path, load_expected, normalise_space, rate


def _measure(name: str, rows: list[tuple[str, str, str]], floor: float) -> None:
    misses = [f"{key}: {got!r} != {want!r}" for key, got, want in rows if got != want]
    reached = rate(len(rows) - len(misses), len(rows))
    print(f"\n{name}: {len(rows) - len(misses)}/{len(rows)} = {reached:.1%}")
    assert reached >= floor, f"{name} {reached:.1%} < {floor:.0%}\n" + "\n".join(misses)


def _fixture_text(*parts: str) -> str:
    return corpus_path(*parts).read_bytes().decode("utf-8", "replace")


def test_github_reply_parser_asserted_replies_are_the_visible_text():
    manifest = load_expected("replies", "github-email_reply_parser", "expected.json")
    rows = [
        (
            fixture["file"],
            normalise_space(
                split_reply(
                    _fixture_text("replies", "github-email_reply_parser", fixture["file"])
                ).visible
            ),
            normalise_space(fixture["expected_visible_text"]),
        )
        for fixture in manifest["fixtures"]
        if fixture["expected_visible_text_basis"] == "asserted"
    ]
    _measure("github asserted", rows, floor=1.0)


def test_zapier_reply_parser_asserted_replies_are_the_visible_text():
    manifest = load_expected("replies", "zapier-email-reply-parser", "expected.json")
    rows = [
        (
            fixture["file"],
            normalise_space(
                split_reply(
                    _fixture_text("replies", "zapier-email-reply-parser", fixture["file"])
                ).visible
            ),
            normalise_space(fixture["expected_reply"]),
        )
        for fixture in manifest["fixtures"]
        if fixture["expected_reply_basis"] == "asserted"
    ]
    _measure("zapier asserted", rows, floor=1.0)


def test_crisp_multilingual_replies_including_italian_are_the_visible_text():
    manifest = load_expected("replies", "crisp-email-reply-parser", "expected.json")
    rows = []
    for fixture in manifest["fixtures"]:
        if fixture["expected_reply_text"] is None:
            continue
        text = _fixture_text("replies", "crisp-email-reply-parser", fixture["file"])
        rows.append(
            (
                fixture["file"],
                normalise_space(split_reply(text).visible),
                normalise_space(fixture["expected_reply_text"]),
            )
        )
    for case in manifest["template_cases"]:
        if "expected_visible_text" not in case:
            continue
        text = _fixture_text("replies", "crisp-email-reply-parser", case["template"])
        for placeholder, value in case["substitute"].items():
            text = text.replace(placeholder, value)
        rows.append(
            (
                case["id"],
                normalise_space(split_reply(text).visible),
                normalise_space(case["expected_visible_text"]),
            )
        )
    _measure("crisp exact", rows, floor=1.0)


def test_crisp_first_fragment_patterns_are_in_the_visible_text():
    manifest = load_expected("replies", "crisp-email-reply-parser", "expected.json")
    rows = []
    for fixture in manifest["fixtures"]:
        visible = split_reply(
            _fixture_text("replies", "crisp-email-reply-parser", fixture["file"])
        ).visible
        for test in fixture["tests"]:
            for assertion in test["assertions"]:
                if assertion["type"] == "fragment_matches" and assertion["index"] == 0:
                    found = re.search(assertion["regex"], visible, re.MULTILINE) is not None
                    rows.append((fixture["file"], str(found), "True"))
    _measure("crisp first-fragment regexes", rows, floor=1.0)


def test_crisp_italian_fixtures_give_exactly_the_asserted_reply():
    manifest = load_expected("replies", "crisp-email-reply-parser", "expected.json")
    italian = {f["file"]: f for f in manifest["fixtures"] if f["language"] == "it"}
    assert set(italian) >= {
        "fixtures/email_7.txt",
        "fixtures/email_13.txt",
        "fixtures/email_italian.txt",
    }
    for name, fixture in italian.items():
        visible = split_reply(_fixture_text("replies", "crisp-email-reply-parser", name)).visible
        assert visible == fixture["expected_reply_text"].strip(), name


def test_crisp_italian_da_header_starts_the_quoted_part():
    manifest = load_expected("replies", "crisp-email-reply-parser", "expected.json")
    case = next(c for c in manifest["template_cases"] if c["id"] == "from_header_03")
    text = _fixture_text("replies", "crisp-email-reply-parser", case["template"])
    for placeholder, value in case["substitute"].items():
        text = text.replace(placeholder, value)

    split = split_reply(text)

    assert split.visible == ""
    assert normalise_space(split.quoted) == normalise_space(case["expected_fragment_1_content"])


def test_talon_standard_replies_parsed_as_messages_give_the_reply():
    """Talon keeps signatures in the reply; Sportello strips them, so the iPhone and Sparrow
    fixtures differ by design (the figure with signatures kept is printed too)."""
    manifest = load_expected("replies", "talon", "expected.json")
    rows, with_signature = [], []
    for fixture in manifest["fixtures"]:
        if not fixture["file"].startswith("fixtures/standard_replies/"):
            continue
        if "expected_reply_text" not in fixture:
            continue
        parsed = parse_message(corpus_path("replies", "talon", fixture["file"]).read_bytes())
        split = split_reply(parsed.text)
        want = normalise_space(fixture["expected_reply_text"])
        rows.append((fixture["file"], normalise_space(parsed.visible_text), want))
        kept = normalise_space(f"{split.visible}\n{split.signature}")
        with_signature.append((fixture["file"], kept, want))
    _measure("talon standard replies (signature kept)", with_signature, floor=1.0)
    _measure("talon standard replies", rows, floor=10 / 12)


def test_long_and_pathological_fixtures_finish_with_the_expected_reply():
    """The 767 KB one-line quote and the regex blow-up case must simply finish."""
    long_quote = _fixture_text(
        "replies", "github-email_reply_parser", "emails/email_long_quote.txt"
    )
    pathological = _fixture_text("replies", "github-email_reply_parser", "emails/pathological.txt")

    assert split_reply(long_quote).visible.startswith("Hi folks")
    assert split_reply(pathological).visible == (
        "I think you're onto something. I will try to fix the problem as soon as I\n"
        "get back to a computer."
    )
