"""HTML from customers: a sanitised copy an agent's browser can render, and the text a person
reads. Every channel stores message HTML through ``sanitize_html``; no Django imports here,
so the email parser can use it too.

Sanitising is nh3's (ammonia) allow-list: no script, no event handler, no ``javascript:``,
``vbscript:`` or ``data:`` URL, no iframe, form, object, embed, meta or SVG. Inline styles are
kept only for typographic properties, none of which can load a URL, and none of them may
hide text. Nothing left loads by itself: remote images are held back, and the agent UI's
Content-Security-Policy refuses any request to another site (docs/deploy.md).

Before nh3 sees it, ``bound_html`` caps nesting depth and element count in one linear pass:
html5ever's tree builder checks element scopes by walking the stack of open elements, so
``"<div>" * 100_000`` took 18 s and 1 MB of nested divs two minutes. What a cap changes is
reported in ``warnings``; no real e-mail comes near either limit.
"""

from __future__ import annotations

import contextlib
import re
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

_TAGS = (set(nh3.ALLOWED_TAGS) - {"area", "map"}) | {"font", "tfoot"}
_ATTRIBUTES: dict[str, set[str]] = {
    **{tag: set(values) for tag, values in nh3.ALLOWED_ATTRIBUTES.items()},
    "*": {"style", "dir", "lang", "title", "align"},
    "a": {"href", "hreflang", "title"},
    "img": {"src", "alt", "width", "height", "align", "title"},
    "font": {"color", "face", "size"},
    "table": {"align", "summary", "width", "border", "cellpadding", "cellspacing", "bgcolor"},
    "td": {"colspan", "rowspan", "headers", "align", "valign", "width", "height", "bgcolor"},
    "th": {"colspan", "rowspan", "headers", "align", "valign", "width", "height", "scope"},
}
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "font-variant", "text-align", "text-decoration", "text-indent",
    "text-transform", "line-height", "letter-spacing", "word-spacing", "white-space",
    "vertical-align", "direction", "margin", "margin-top", "margin-right", "margin-bottom",
    "margin-left", "padding", "padding-top", "padding-right", "padding-bottom", "padding-left",
    "border", "border-top", "border-right", "border-bottom", "border-left", "border-color",
    "border-style", "border-width", "border-collapse", "border-spacing", "border-radius",
    "width", "height", "max-width", "min-width", "max-height", "min-height", "display",
    "list-style-type", "table-layout",
}  # fmt: skip
# http(s) for links and remote images, mailto/tel for contacts, cid for inline attachments.
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_CLEAN_CONTENT = {"script", "style", "title", "template", "xml", "noscript"}


_COLOUR_FUNCTION = re.compile(r"(?:rgba?|hsla?)\(\s*[\d\s.,%/]*\)", re.IGNORECASE)
_SAFE_CSS_VALUE = re.compile(r"^[\w\s#%.,'\"!/+\-]*$")


class _StyleFilter:
    """Keeps only style declarations whose value cannot call anything or hide text.

    nh3 filters style *properties*, not values: ``width: expression(...)`` or
    ``border: url(...)`` would survive. A declaration stays only if its value is plain words,
    numbers, colours and ``rgb()``/``hsl()``.

    Text a customer's mail hides from the agent (a phishing or prompt-injection line under
    ``display:none``, at ``font-size:0``, pushed off the page by a negative indent, or
    written in the colour of its background) is made visible instead: those declarations
    go. Backgrounds go too (``background-color``, ``bgcolor``) and a text colour stays only
    where it reads on the agent's white page, so no colour-on-same-colour trick is left.
    ``hid_text`` records that something was uncovered.
    """

    def __init__(self) -> None:
        self.hid_text = False

    def __call__(self, tag: str, attribute: str, value: str) -> str | None:
        if attribute == "bgcolor":
            return None
        if attribute == "color":  # <font color>
            if _readable_colour(value):
                return value
            self.hid_text = True
            return None
        if attribute != "style":
            return value
        kept = []
        for declaration in value.split(";"):
            name, colon, css_value = declaration.partition(":")
            if not colon:
                continue
            name, css_value = name.strip().lower(), css_value.strip()
            if not _SAFE_CSS_VALUE.match(_COLOUR_FUNCTION.sub("", css_value)):
                continue
            if name.startswith("background"):
                continue
            if _hides_text(name, css_value.lower().replace("!important", "").strip()):
                self.hid_text = True
                continue
            kept.append(f"{name}:{css_value}")
        return ";".join(kept) or None


# Lengths under these read as no text at all (a 16 px page: 6 px, 0.4 em, 40 %).
_TINY_FONT = {"px": 6.0, "pt": 4.5, "em": 0.4, "rem": 0.4, "%": 40.0, "ex": 0.8, "ch": 0.8}
_LENGTH = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))([a-z%]*)$")
_OFFSETS = {
    "text-indent", "margin", "margin-top", "margin-right", "margin-bottom", "margin-left",
    "letter-spacing", "word-spacing",
}  # fmt: skip


def _hides_text(name: str, value: str) -> bool:
    if name == "display":
        return value == "none"
    if name == "font-size":
        return _tiny_font(value)
    if name == "font":
        return any(_tiny_font(token.split("/")[0]) for token in value.split())
    if name == "color":
        return not _readable_colour(value)
    if name in _OFFSETS:
        return any(token.startswith("-") for token in value.split())
    return False


def _tiny_font(token: str) -> bool:
    match = _LENGTH.match(token)
    if match is None:
        return False  # a keyword (small, x-small) or a family name
    number, unit = float(match.group(1)), match.group(2)
    if number <= 0:
        return True
    return number < _TINY_FONT.get(unit, 0.0)


# The named colours mail actually uses; any other name is dropped, which only leaves the
# page's own text colour.
_NAMED_COLOURS = {
    "black": (0, 0, 0), "white": (255, 255, 255), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "navy": (0, 0, 128), "maroon": (128, 0, 0), "purple": (128, 0, 128),
    "teal": (0, 128, 128), "olive": (128, 128, 0), "gray": (128, 128, 128),
    "grey": (128, 128, 128), "silver": (192, 192, 192), "yellow": (255, 255, 0),
    "orange": (255, 165, 0), "lime": (0, 255, 0), "aqua": (0, 255, 255), "cyan": (0, 255, 255),
    "fuchsia": (255, 0, 255), "magenta": (255, 0, 255), "darkgray": (169, 169, 169),
    "darkgrey": (169, 169, 169), "dimgray": (105, 105, 105), "dimgrey": (105, 105, 105),
    "lightgray": (211, 211, 211), "lightgrey": (211, 211, 211), "gainsboro": (220, 220, 220),
    "whitesmoke": (245, 245, 245), "snow": (255, 250, 250), "ivory": (255, 255, 240),
    "darkred": (139, 0, 0), "darkblue": (0, 0, 139), "darkgreen": (0, 100, 0),
    "brown": (165, 42, 42), "crimson": (220, 20, 60), "firebrick": (178, 34, 34),
    "darkorange": (255, 140, 0), "royalblue": (65, 105, 225), "steelblue": (70, 130, 180),
    "slategray": (112, 128, 144), "slategrey": (112, 128, 144), "midnightblue": (25, 25, 112),
}  # fmt: skip
_HEX = re.compile(r"^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$")
_RGB = re.compile(r"^rgba?\(([^)]*)\)$")
# Contrast with white (WCAG's ratio) below which text is taken as meant not to be read.
MIN_CONTRAST = 2.0


def _readable_colour(value: str) -> bool:
    """Whether text in colour ``value`` can be read on white (an unknown colour cannot)."""
    rgba = _parse_colour(value.strip().lower())
    if rgba is None:
        return False
    *rgb, alpha = rgba
    if alpha < 0.5:
        return False
    channels = [c / 255 for c in rgb]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05) >= MIN_CONTRAST


def _parse_colour(value: str) -> tuple[float, float, float, float] | None:
    if value in _NAMED_COLOURS:
        return (*_NAMED_COLOURS[value], 1.0)
    if match := _HEX.match(value):
        digits = match.group(1)
        if len(digits) <= 4:
            digits = "".join(d * 2 for d in digits)
        numbers = [int(digits[i : i + 2], 16) for i in range(0, len(digits), 2)]
        alpha = numbers[3] / 255 if len(numbers) == 4 else 1.0
        return (numbers[0], numbers[1], numbers[2], alpha)
    if match := _RGB.match(value):
        parts = [p for p in re.split(r"[\s,/]+", match.group(1).strip()) if p]
        try:
            rgb = [float(p[:-1]) * 2.55 if p.endswith("%") else float(p) for p in parts[:3]]
            alpha = 1.0
            if len(parts) > 3:
                alpha = float(parts[3][:-1]) / 100 if parts[3].endswith("%") else float(parts[3])
        except ValueError:
            return None
        if len(rgb) == 3:
            return (rgb[0], rgb[1], rgb[2], alpha)
    return None


# The public corpora's HTML nests at most 69 elements deep (broken <span><font> runs) and has
# at most 859 elements; a Gmail thread adds ~6 levels a reply, so 256 leaves room for forty.
# html5ever's cost grows with depth x elements: at these limits the worst input measured
# (1 MB of <p> holding 256 distinct <b>s, which the parser keeps re-opening) takes ~1 s,
# nested <div>s, tables or <b><i> under 0.2 s.
MAX_DEPTH = 256
MAX_ELEMENTS = 25_000

# A tag as html5ever's tokenizer starts one: ``<`` and a letter (or ``</`` and a letter), up to
# the next ``>``; a tag left open at the end of the input runs to its end (``\Z``), so a
# missing ``>`` never makes the scan start again from every later ``<``.
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>\x00]*)[^>]*(?:>|\Z)")
_TAG_START = re.compile(r"</?[a-zA-Z][^\s/>\x00]*")
_VOID_ELEMENTS = {
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
    "keygen", "link", "meta", "param", "source", "track", "wbr", "image",
}  # fmt: skip
# Start tags that close an open <p> (WHATWG "in body": "close a p element").
_CLOSES_P = {
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "dir", "div",
    "dl", "fieldset", "figcaption", "figure", "footer", "header", "hgroup", "main", "menu",
    "nav", "ol", "p", "section", "summary", "ul", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
    "listing", "form", "hr", "xmp",
}  # fmt: skip
_SCOPE = {"applet", "caption", "html", "table", "td", "th", "marquee", "object", "template"}
_SPECIAL = _SCOPE | {
    "address", "area", "article", "aside", "base", "basefont", "bgsound", "blockquote", "body",
    "br", "button", "center", "col", "colgroup", "dd", "details", "dir", "div", "dl", "dt",
    "embed", "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset", "h1",
    "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup", "hr", "iframe", "img", "input",
    "li", "link", "listing", "main", "menu", "meta", "nav", "noembed", "noframes", "ol", "p",
    "param", "plaintext", "pre", "script", "section", "select", "source", "style", "summary",
    "tbody", "textarea", "tfoot", "thead", "title", "tr", "track", "ul", "wbr", "xmp",
}  # fmt: skip
# Which open elements stop the search for the element a start tag implicitly closes.
_BOUNDARIES = {
    "p": _SCOPE | {"button"},
    "item": _SPECIAL - {"address", "div", "p", "li", "dd", "dt"},
    "table": {"html", "table", "template"},
}
_BOUNDARY_OF = {
    name: tuple(kind for kind, names in _BOUNDARIES.items() if name in names)
    for name in set().union(*_BOUNDARIES.values())
}
_CLOSED_BY = {
    "li": ("item", ("li",)),
    "dd": ("item", ("dd", "dt")),
    "dt": ("item", ("dd", "dt")),
    "td": ("table", ("td", "th")),
    "th": ("table", ("td", "th")),
    "tr": ("table", ("tr",)),
    "tbody": ("table", ("tbody", "thead", "tfoot")),
    "thead": ("table", ("tbody", "thead", "tfoot")),
    "tfoot": ("table", ("tbody", "thead", "tfoot")),
}


class _OpenElements:
    """An estimate of html5ever's stack of open elements, in O(1) per tag.

    It follows the implied ends real mail relies on (an unclosed ``<p>``, ``<li>``, ``<td>``,
    ``<tr>``) and the scopes that stop them, so it never closes what the parser keeps open: it
    may see an element or two fewer per level (html5ever adds ``<tbody>`` and ``<tr>`` to a
    bare ``<td>``), never a depth that grows slower than html5ever's does.
    """

    def __init__(self) -> None:
        self.names: list[str] = []
        self.where: dict[str, list[int]] = {}
        self.bounds: dict[str, list[int]] = {kind: [] for kind in _BOUNDARIES}

    def __len__(self) -> int:
        return len(self.names)

    def push(self, name: str) -> None:
        index = len(self.names)
        self.names.append(name)
        self.where.setdefault(name, []).append(index)
        for kind in _BOUNDARY_OF.get(name, ()):
            self.bounds[kind].append(index)

    def pop(self) -> str:
        name = self.names.pop()
        self.where[name].pop()
        for kind in _BOUNDARY_OF.get(name, ()):
            self.bounds[kind].pop()
        return name

    def last(self, names: tuple[str, ...], scope: str | None = None) -> int:
        """Index of the innermost open element among ``names`` (in ``scope``), else -1."""
        index = max((self.where[n][-1] for n in names if self.where.get(n)), default=-1)
        if scope is not None and self.bounds[scope] and self.bounds[scope][-1] > index:
            return -1
        return index

    def close_from(self, index: int) -> None:
        while len(self.names) > index:
            self.pop()

    def start(self, name: str) -> None:
        """What the tree builder closes before inserting a ``name`` start tag."""
        if name in _CLOSES_P and (index := self.last(("p",), "p")) >= 0:
            self.close_from(index)
        if name in _CLOSED_BY:
            scope, names = _CLOSED_BY[name]
            if (index := self.last(names, scope)) >= 0:
                self.close_from(index)
        elif name == "option" and self.names and self.names[-1] == "option":
            self.pop()

    def end(self, name: str) -> None:
        if (index := self.last((name,))) >= 0:
            self.close_from(index)


def bound_html(
    html: str,
    warnings: list[str] | None = None,
    *,
    max_depth: int = MAX_DEPTH,
    max_elements: int = MAX_ELEMENTS,
) -> str:
    """``html`` with its nesting and element count capped, in time linear in its length.

    Start tags deeper than ``max_depth`` are dropped with their end tags; their text stays.
    After ``max_elements`` start tags the open elements are closed and the rest is text (tags
    removed). Within the limits the input comes back unchanged, the same object. What was
    done is appended to ``warnings``. The result is not safe to render: nh3 does that.
    """
    if _within_limits(html, max_depth, max_elements):
        return html
    opened = _OpenElements()
    dropped: dict[str, int] = {}  # start tags dropped and not yet ended, by name
    dropped_count = 0
    elements = 0
    pieces: list[str] = []
    copied = 0  # html[:copied] is already in pieces
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if not closing:
            elements += 1
            if elements > max_elements:
                pieces.append(html[copied : match.start()])
                pieces.extend(f"</{open_name}>" for open_name in reversed(opened.names))
                rest = html[match.start() :]
                pieces.append(_TAG.sub(" ", rest))
                _note(warnings, f"html: more than {max_elements} elements; the rest kept as text")
                copied = len(html)
                break
            if name in _VOID_ELEMENTS:
                continue
            opened.start(name)
            if len(opened) < max_depth:
                opened.push(name)
                continue
            dropped[name] = dropped.get(name, 0) + 1
            dropped_count += 1
        elif dropped.get(name):
            dropped[name] -= 1
        else:
            opened.end(name)
            continue
        pieces.append(html[copied : match.start()])
        copied = match.end()
    if not pieces:
        return html
    pieces.append(html[copied:])
    if dropped_count:
        _note(
            warnings,
            f"html: nesting deeper than {max_depth} levels flattened "
            f"({dropped_count} start tags dropped, their text kept)",
        )
    return "".join(pieces)


def _within_limits(html: str, max_depth: int, max_elements: int) -> bool:
    """Whether ``html`` surely stays within the limits, so ordinary mail is not walked tag by
    tag in Python twice: the same scan with a plain stack and no implied ends, which can only
    see deeper nesting than ``_OpenElements`` does (a 1 MB newsletter of 31,000 tags: ~10 ms).
    """
    stack: list[str] = []
    open_count: dict[str, int] = {}
    elements = 0
    for tag in _TAG_START.findall(html.lower()):
        if tag[1] == "/":
            name = tag[2:]
            if open_count.get(name):
                while (top := stack.pop()) != name:
                    open_count[top] -= 1
                open_count[name] -= 1
            continue
        elements += 1
        if elements > max_elements:
            return False
        name = tag[1:]
        if name in _VOID_ELEMENTS:
            continue
        if len(stack) >= max_depth:
            return False
        stack.append(name)
        open_count[name] = open_count.get(name, 0) + 1
    return True


def _note(warnings: list[str] | None, warning: str) -> None:
    if warnings is not None:
        warnings.append(warning)


def sanitize_html(html: str, warnings: list[str] | None = None) -> str:
    """HTML that is safe to insert into the agent's page; never raises.

    Nesting and size are capped first (``bound_html``), so the time is linear in the length;
    a cap that changed anything is appended to ``warnings``, and so is text the message hid
    (``_StyleFilter``). Nothing in the result loads by itself: remote images keep their
    address in ``data-remote-src`` only (``_hold_remote_images``). A link whose text names
    another site than the one it leads to carries that site in ``data-real-host``
    (``_mark_deceptive_links``), which the agent UI shows beside it.
    """
    if not html or not html.strip():
        return ""
    styles = _StyleFilter()
    try:
        cleaned = nh3.clean(
            bound_html(html, warnings),
            tags=_TAGS,
            clean_content_tags=_CLEAN_CONTENT,
            attributes=_ATTRIBUTES,
            url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
            filter_style_properties=_STYLE_PROPERTIES,
            attribute_filter=styles,
        )
    except Exception:
        return ""
    except BaseException as exc:  # a Rust panic surfaces as pyo3's PanicException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return ""
    if styles.hid_text:
        _note(warnings, "html: text the message hid (invisible style or colour) made visible")
    return _mark_deceptive_links(_hold_remote_images(cleaned))


# nh3 serialises like a browser: every attribute value in double quotes, ``"`` escaped, so an
# element's start tag is matched exactly even when a value holds ``>``.
_ATTRS = r"""((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)"""
_IMG_TAG = re.compile(r"<img\b" + _ATTRS + r"\s*/?>")
_SRC = re.compile(r'(\s)src="([^"]*)"')
_LINK = re.compile(r"<a\b" + _ATTRS + r"\s*>(.*?)</a>", re.DOTALL)
_HREF = re.compile(r'\shref="([^"]*)"')
_ANY_TAG = re.compile(r"""<(?:[^>"]|"[^"]*")*>""")
# What a link's text shows as its destination: the whole text a URL or a bare domain, or a
# URL starting with a scheme or www. somewhere in it.
_SHOWN_HOST = re.compile(
    r"^\s*(?:https?://)?(?:[^\s/@]+@)?([\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,})\.?(?::\d+)?"
    r"(?:[/?#]\S*)?\s*$"
    r"|(?:https?://|\bwww\.)([\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,})",
    re.IGNORECASE,
)

# A bare "name.pdf" as a link's text names a file. (Some are top-level domains too, .zip and
# .mov among them; written with a scheme or "www." they are still read as sites.)
_FILE_SUFFIXES = {
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "txt", "csv", "rtf",
    "jpg", "jpeg", "png", "gif", "webp", "heic", "zip", "rar", "7z", "eml", "xml", "json",
    "htm", "html", "mp3", "mp4", "mov", "p7m",
}  # fmt: skip


def _hold_remote_images(html: str) -> str:
    """Remote images are not fetched: a tracking pixel would tell the sender, at the moment
    the agent opens the conversation, that the message was read and from which address.
    Their URL moves to ``data-remote-src``, where the agent UI counts them and names their
    sites; the page's Content-Security-Policy would refuse them anyway. Only ``cid:`` images
    (parts of the message itself) keep their ``src``: nh3 lets relative URLs through, and a
    browser reads ``//host/x``, `` https://host/x`` or ``/\\host/x`` as another site's."""
    if "<img" not in html:
        return html

    def held(src: re.Match[str]) -> str:
        if src.group(2).strip().lower().startswith("cid:"):
            return src.group(0)
        return f'{src.group(1)}data-remote-src="{src.group(2)}"'

    def hold(match: re.Match[str]) -> str:
        return _SRC.sub(held, match.group(0))

    return _IMG_TAG.sub(hold, html)


def _mark_deceptive_links(html: str) -> str:
    """``<a href="https://evil.example">www.mybank.it</a>`` gets
    ``data-real-host="evil.example"``: a link's text naming one site while it leads to
    another is the shape of phishing. A link to a subdomain of the site shown (a newsletter's
    click-tracking host) or the other way round is not marked."""
    if "<a" not in html:
        return html

    def mark(match: re.Match[str]) -> str:
        attributes = match.group(1)
        href = _HREF.search(attributes)
        if href is None:
            return match.group(0)
        target = _host(unescape(href.group(1)))
        shown = _SHOWN_HOST.search(unescape(_ANY_TAG.sub("", match.group(2))))
        if target is None or shown is None:
            return match.group(0)
        if shown.group(1) and shown.group(1).rpartition(".")[2].lower() in _FILE_SUFFIXES:
            return match.group(0)  # "fattura.pdf": a file's name, not a site
        shown_host = _normal_host(shown.group(1) or shown.group(2))
        if _same_site(shown_host, target):
            return match.group(0)
        start = match.group(0)[: match.start(2) - match.start(0)]
        marked = start[:-1].rstrip("/ ") + f' data-real-host="{escape(target)}">'
        return marked + match.group(0)[len(start) :]

    return _LINK.sub(mark, html)


def _host(url: str) -> str | None:
    """The site a link leads to, read as a browser does (``//host``, ``\\host``, spaces)."""
    url = url.strip().replace("\\", "/")
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not host:
        return None
    return _normal_host(host)


def _normal_host(host: str) -> str:
    host = host.lower().rstrip(".")
    with contextlib.suppress(UnicodeError):  # a name idna refuses is compared as written
        host = host.encode("idna").decode("ascii")
    return host.removeprefix("www.")


def _same_site(one: str, other: str) -> bool:
    return one == other or one.endswith("." + other) or other.endswith("." + one)


_BLOCK = {
    "address", "article", "aside", "center", "dd", "details", "dialog", "div", "dl", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table",
    "tbody", "tfoot", "thead", "tr", "ul",
}  # fmt: skip
_PARAGRAPH = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "pre", "hr"}
_SKIP = {"script", "style", "head", "title", "template", "xml", "noscript", "object", "svg"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col", "area", "base", "source"}
# 10,000 nested <blockquote>s once made 100 MB of ``> `` marks from 200 KB of HTML.
MAX_QUOTE_MARKS = 20
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")


class _TextExtractor(HTMLParser):
    """Collects readable lines; ``<blockquote>`` becomes ``> `` so quotes can be stripped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0  # the lines' ``> `` marks stop at MAX_QUOTE_MARKS
        self.skip_depth = 0
        self.pre_depth = 0

    def _flush(self, blank: bool = False) -> None:
        text = "".join(self.current).strip(" ")
        self.current = []
        prefix = "> " * min(self.quote_depth, MAX_QUOTE_MARKS)
        if text:
            self.lines.append(prefix + text)
        if blank and self.lines and self.lines[-1].strip("> ") != "":
            self.lines.append(prefix.rstrip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skip_depth = 0  # a <head> left open must not hide the whole body
            return
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "br":
            text = "".join(self.current).strip(" ")
            self.current = []
            self.lines.append(("> " * min(self.quote_depth, MAX_QUOTE_MARKS) + text).rstrip())
        elif tag == "blockquote":
            self._flush()
            self.quote_depth += 1
        elif tag in _BLOCK:
            self._flush(blank=tag in _PARAGRAPH)
            if tag == "li":
                self.current.append("- ")
            elif tag == "pre":
                self.pre_depth += 1
        elif tag in {"td", "th"} and self.current:
            self.current.append(" ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt and alt.strip():
                self.current.append(alt.strip())

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag not in _VOID and self.skip_depth:
                self.skip_depth -= 1
            return
        if self.skip_depth:
            return
        if tag == "blockquote":
            self._flush()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag in _BLOCK:
            self._flush(blank=tag in _PARAGRAPH)
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.pre_depth:
            lines = data.replace("\r\n", "\n").split("\n")
            for index, line in enumerate(lines):
                if index:
                    self._flush()
                self.current.append(line.replace("\xa0", " "))
            return
        text = _SPACES.sub(" ", data)
        if not self.current or self.current[-1].endswith(" "):
            text = text.lstrip(" ")
        if text:
            self.current.append(text)

    def text(self) -> str:
        self._flush()
        cleaned: list[str] = []
        for line in self.lines:
            line = line.rstrip()
            if not line.strip("> ") and cleaned and not cleaned[-1].strip("> "):
                continue  # collapse runs of empty lines
            cleaned.append(line)
        return "\n".join(cleaned).strip("\n")


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML body, in time linear in its length; never raises."""
    if not html:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient, but a text fallback beats an exception
        return _SPACES.sub(" ", re.sub(r"<[^>]{0,2000}>", " ", html)).strip()
    return extractor.text()
