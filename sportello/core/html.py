"""HTML from customers: a sanitised copy an agent's browser can render, and the text a person
reads. Every channel stores message HTML through ``sanitize_html``; no Django imports here,
so the email parser can use it too.

Sanitising is nh3's (ammonia) allow-list: no script, no event handler, no ``javascript:``,
``vbscript:`` or ``data:`` URL, no iframe, form, object, embed, meta or SVG. Inline styles are
kept only for typographic properties, none of which can load a URL.

Before nh3 sees it, ``bound_html`` caps nesting depth and element count in one linear pass:
html5ever's tree builder checks element scopes by walking the stack of open elements, so
``"<div>" * 100_000`` took 18 s and 1 MB of nested divs two minutes. What a cap changes is
reported in ``warnings``; no real e-mail comes near either limit.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

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


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Keep only style declarations whose value cannot call anything.

    nh3 filters style *properties*, not values: ``width: expression(...)`` or
    ``border: url(...)`` would survive. A declaration stays only if its value is plain words,
    numbers, colours and ``rgb()``/``hsl()``.
    """
    if attribute != "style":
        return value
    kept = []
    for declaration in value.split(";"):
        name, colon, css_value = declaration.partition(":")
        if not colon:
            continue
        if _SAFE_CSS_VALUE.match(_COLOUR_FUNCTION.sub("", css_value)):
            kept.append(f"{name.strip().lower()}:{css_value.strip()}")
    return ";".join(kept) or None


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
    a cap that changed anything is appended to ``warnings``.
    """
    if not html or not html.strip():
        return ""
    try:
        return nh3.clean(
            bound_html(html, warnings),
            tags=_TAGS,
            clean_content_tags=_CLEAN_CONTENT,
            attributes=_ATTRIBUTES,
            url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
            strip_comments=True,
            filter_style_properties=_STYLE_PROPERTIES,
            attribute_filter=_filter_attribute,
        )
    except Exception:
        return ""
    except BaseException as exc:  # a Rust panic surfaces as pyo3's PanicException
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            raise
        return ""


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
