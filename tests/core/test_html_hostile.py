"""What a hostile email cannot do once sanitised: load anything, hide text from the agent,
or pass a link off as another site's (sportello.core.html, docs/deploy.md)."""

from __future__ import annotations

import re

import pytest

from sportello.core.html import sanitize_html


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)


def test_a_remote_image_keeps_its_address_but_no_src():
    warnings: list[str] = []
    html = sanitize_html(
        '<p>Ciao<img src="https://track.example/p.gif?u=42" width="1" height="1"></p>', warnings
    )

    assert 'data-remote-src="https://track.example/p.gif?u=42"' in html
    assert " src=" not in html


@pytest.mark.parametrize(
    "src",
    [
        "//evil.example/p.gif",
        "  https://evil.example/p.gif",
        "/\\evil.example/p.gif",
        "HTTP://EVIL.EXAMPLE/p",
    ],
)
def test_an_image_address_a_browser_reads_as_another_site_is_held_too(src):
    html = sanitize_html(f'<img src="{src}">')

    assert " src=" not in html
    assert "data-remote-src=" in html


def test_an_inline_cid_image_keeps_its_reference():
    html = sanitize_html('<img src="cid:logo@negozio" alt="logo">')

    assert 'src="cid:logo@negozio"' in html


@pytest.mark.parametrize(
    "hostile",
    [
        '<img srcset="https://evil.example/a.png 2x">',
        '<table background="https://evil.example/t.png"><tr><td>x</td></tr></table>',
        '<td style="background-image:url(https://evil.example/c.png)">x</td>',
        "<p style=\"background:url('https://evil.example/c.png')\">x</p>",
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<svg><image href="https://evil.example/s.png"/></svg>',
        '<iframe src="https://evil.example/f"></iframe>',
        '<video poster="https://evil.example/p.png"></video>',
        '<object data="https://evil.example/o"></object>',
        '<input type="image" src="https://evil.example/i.png">',
        '<body background="https://evil.example/bg.png">x</body>',
        '<style>@import "https://evil.example/x.css";</style>',
    ],
)
def test_nothing_in_sanitised_html_loads_from_another_site(hostile):
    html = sanitize_html(f"<div>prima</div>{hostile}<p>dopo</p>")

    assert "evil.example" not in html
    assert "prima" in html and "dopo" in html


@pytest.mark.parametrize(
    "style",
    [
        "display:none",
        "display: none !important",
        "font-size:0",
        "font-size:1px",
        "font-size:0.1em",
        "font: 0/0 a",
        "color:#ffffff",
        "color:#fefefe",
        "color:white",
        "color:rgba(0,0,0,0)",
        "color:transparent",
        "text-indent:-9999px",
        "margin-left:-5000px",
    ],
)
def test_text_hidden_by_style_is_made_visible(style):
    warnings: list[str] = []
    html = sanitize_html(f'<p>Gentile cliente,<span style="{style}">SEGRETO</span></p>', warnings)

    assert "SEGRETO" in visible_text(html)
    assert "style=" not in html
    assert warnings == ["html: text the message hid (invisible style or colour) made visible"]


def test_white_on_white_and_black_on_black_lose_the_trick():
    html = sanitize_html(
        '<table bgcolor="#000000"><tr><td style="background-color:#000;color:#000">nero</td>'
        '<td><font color="#FFFFFF">bianco</font></td></tr></table>'
    )

    assert "bgcolor" not in html and "background" not in html
    assert 'color="#FFFFFF"' not in html
    # black text stays: on the agent's white page it reads
    assert 'style="color:#000"' in html


def test_ordinary_formatting_is_left_alone():
    warnings: list[str] = []
    html = sanitize_html(
        '<p style="color:#333;font-size:14px;display:block;margin:0 0 8px">Buongiorno</p>'
        '<font color="navy" size="2">firma</font>',
        warnings,
    )

    assert 'style="color:#333;font-size:14px;display:block;margin:0 0 8px"' in html
    assert 'color="navy"' in html
    assert warnings == []


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("https://www.mybank.it/login", "https://evil.example/login"),
        ("www.mybank.it", "https://evil.example/"),
        ("mybank.it", "http://mybank.it.evil.example/"),
        ("<b>WWW.PAYPAL.COM</b>", "https://evil.example/"),
        ("Accedi su https://mybank.it subito", "https://evil.example/"),
        ("www.mybank.it", "//evil.example/"),
    ],
)
def test_a_link_whose_text_shows_another_site_is_marked_with_its_real_host(text, href):
    html = sanitize_html(f'<p><a href="{href}">{text}</a></p>')

    host = re.search(r"//([^/]+)/", href).group(1)  # type: ignore[union-attr]
    assert f'data-real-host="{host}"' in html


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("mybank.it", "https://www.mybank.it/x"),
        ("www.negozio.it", "https://click.negozio.it/track?id=1"),
        ("Clicca qui", "https://evil.example/"),
        ("fattura.pdf", "https://negozio.it/fattura.pdf"),
        ("info@negozio.it", "mailto:info@negozio.it"),
    ],
)
def test_an_honest_link_is_not_marked(text, href):
    html = sanitize_html(f'<p><a href="{href}">{text}</a></p>')

    assert "data-real-host" not in html


def test_a_marked_link_keeps_attributes_holding_angle_brackets_intact():
    html = sanitize_html('<a title="a>b" href="https://evil.example/">www.bank.it</a>')

    assert html.startswith('<a title="a&gt;b" href="https://evil.example/"')
    assert 'data-real-host="evil.example">www.bank.it</a>' in html
