"""HTML from customers: a sanitised copy an agent's browser can render, and the text a person
reads. Every channel stores message HTML through ``sanitize_html``; no Django imports here,
so the email parser can use it too.

Sanitising is nh3's (ammonia) allow-list: no script, no event handler, no ``javascript:``,
``vbscript:`` or ``data:`` URL, no iframe, form, object, embed, meta or SVG. Inline styles are
kept only for typographic properties, none of which can load a URL.
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


def sanitize_html(html: str) -> str:
    """HTML that is safe to insert into the agent's page; never raises."""
    if not html or not html.strip():
        return ""
    try:
        return nh3.clean(
            html,
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
_SPACES = re.compile(r"[ \t\r\n\f\v\xa0\u200b]+")


class _TextExtractor(HTMLParser):
    """Collects readable lines; ``<blockquote>`` becomes ``> `` so quotes can be stripped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skip_depth = 0
        self.pre_depth = 0

    def _flush(self, blank: bool = False) -> None:
        text = "".join(self.current).strip(" ")
        self.current = []
        prefix = "> " * self.quote_depth
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
            self.lines.append(("> " * self.quote_depth + text).rstrip())
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
    """Readable plain text of an HTML body; never raises."""
    if not html:
        return ""
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # HTMLParser is lenient, but a text fallback beats an exception
        return _SPACES.sub(" ", re.sub(r"<[^>]{0,2000}>", " ", html)).strip()
    return extractor.text()
