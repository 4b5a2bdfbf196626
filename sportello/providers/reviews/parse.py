"""Reviews and mentions, read from what a site gives. Pure: no database, no network.

Four shapes (docs/architecture/providers.md, "Reviews"):
- **RSS 2.0** ``<item>``: ``guid`` (else ``link``), ``title``, ``description`` or
  ``content:encoded``, ``author`` or ``dc:creator``, ``link``, ``pubDate``; the stars in
  any child named ``rating`` (``<review:rating>4</review:rating>``), the site in one named
  ``source`` (else the link's host).
- **Atom** ``<entry>``: ``id``, ``title``, ``content`` or ``summary``, ``author/name`` and
  ``author/email``, ``link[@href]``, ``published`` or ``updated``; stars and site as RSS.
- **JSON Feed 1.1** ``items[]``: ``id``, ``url``, ``content_text`` or ``content_html``,
  ``date_published``, ``authors[0].name``, and the extension ``_review: {rating, source,
  email}``.
- **A plain JSON array** (also what ``/hooks/reviews/<key>/`` takes, one object or a list):
  ``{id, source, rating, author, url, text, published_at}`` and optionally ``email``.
- **CSV** (``parse_csv``): columns source, rating, author, url, text, date (and id,
  email), headed in Italian or English, ``;`` or ``,``, UTF-8 with or without BOM.

XML goes through defusedxml (no entity expansion, no external entities). One bad item is
a ``Problem`` with where it was and why; the items around it are kept.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import nh3
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sportello.providers.reviews.reasons import Reason, ReasonError, reason, reason_of

MAX_TEXT = 20_000
MAX_ITEMS = 5_000
MAX_FIELD = 500
ATOM = "{http://www.w3.org/2005/Atom}"


class NotAFeed(ReasonError):
    """The whole document cannot be read (malformed, an XML bomb, an unknown shape)."""


@dataclass(frozen=True)
class Review:
    """One review (with ``rating`` 1-5) or mention (``rating`` None)."""

    external_id: str
    source: str
    text: str
    rating: int | None = None
    author: str = ""
    email: str = ""
    url: str = ""
    title: str = ""
    published_at: datetime | None = None
    # The review's name in its site's API, where a reply is posted (Google's
    # ``accounts/{a}/locations/{l}/reviews/{id}``); "" for a feed's review.
    resource: str = ""

    @property
    def key(self) -> str:
        """The id the pipeline stores the message once by: the source's own id, by source."""
        return f"{self.source}:{self.external_id}"[:MAX_FIELD]


@dataclass(frozen=True)
class Problem:
    """An item that could not be taken: ``place`` (item 3, line 7) and ``why``, each a
    ``Reason`` worded in the reader's language where shown; ``where`` and ``reason`` are
    their English (the API's, the log's)."""

    place: Reason
    why: Reason
    raw: str = ""

    @property
    def where(self) -> str:
        return self.place.english()

    @property
    def reason(self) -> str:
        return self.why.english()


@dataclass
class Parsed:
    reviews: list[Review] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# --- pieces -------------------------------------------------------------------------------------


def plain_text(value: str) -> str:
    """Text from what may be HTML: tags dropped, entities read, blank runs folded."""
    if "<" in value or "&" in value:
        value = unescape(nh3.clean(value, tags=set()))
    value = re.sub(r"[ \t]+", " ", value.replace("\r\n", "\n"))
    return re.sub(r"\n{3,}", "\n\n", value).strip()


def _short(value: Any, limit: int = MAX_FIELD) -> str:
    return str(value or "").strip()[:limit]


def host_source(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def read_source(value: Any) -> str:
    text = _short(value, 40).lower().removeprefix("www.")
    return text if re.match(r"^[a-z0-9][a-z0-9._-]*$", text) else ""


def read_rating(value: Any) -> int | None:
    """1-5 stars from ``4``, ``"4"``, ``"4,0"``, ``"4/5"``, ``"★★★★"``; None when empty;
    ``ValueError`` for anything else (a 7, a "good")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ReasonError("rating_not_stars", value=repr(value))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = str(value).strip()
        if text and set(text) <= {"★", "☆"}:
            number = float(text.count("★"))
        else:
            text = text.split("/")[0].strip().replace(",", ".")
            try:
                number = float(text)
            except ValueError:
                raise ReasonError("rating_not_stars", value=repr(value)) from None
    if number != int(number) or not 1 <= number <= 5:
        raise ReasonError("rating_range", value=repr(value))
    return int(number)


_DATE_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


def read_time(value: Any) -> datetime | None:
    """ISO 8601, RFC 822 (RSS) or an Italian day (31/12/2026); a time without a zone is
    taken as UTC. None when empty; ``ValueError`` when it does not read."""
    text = _short(value, 64)
    if not text:
        return None
    when: datetime | None = None
    with contextlib.suppress(ValueError):
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when is None:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
    if when is None:
        for form in _DATE_FORMATS:
            try:
                when = datetime.strptime(text, form)
                break
            except ValueError:
                continue
    if when is None:
        raise ReasonError("date_unreadable", value=repr(text))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when.year < 1970:
        raise ReasonError("date_too_old", value=repr(text))
    return when


def digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def make_review(
    *,
    external_id: Any,
    source: Any,
    text: Any,
    rating: Any = None,
    author: Any = "",
    email: Any = "",
    url: Any = "",
    title: Any = "",
    published_at: Any = None,
    default_source: str = "",
    html: bool = False,
) -> Review:
    """A checked review; ``ValueError`` with the reason when it cannot be one."""
    link = _short(url)
    if link and urlsplit(link).scheme not in ("http", "https"):
        raise ReasonError("url_not_http", value=repr(link))
    site = read_source(source) or default_source or host_source(link)
    if not site:
        raise ReasonError("no_source")
    body = plain_text(str(text or "")) if html else str(text or "").strip()
    stars = read_rating(rating)
    if not body and stars is None:
        raise ReasonError("no_text")
    if len(body) > MAX_TEXT:
        raise ReasonError("text_too_long", limit=MAX_TEXT)
    when = read_time(published_at) if not isinstance(published_at, datetime) else published_at
    own_id = _short(external_id) or (f"url:{link}" if link else "")
    if not own_id:
        own_id = "digest:" + digest(site, _short(author), str(when or ""), body)
    return Review(
        external_id=own_id,
        source=site,
        text=body,
        rating=stars,
        author=_short(author, 200),
        email=_short(email, 254),
        url=link,
        title=plain_text(_short(title)),
        published_at=when,
    )


# --- XML ----------------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _child(element: Element, *names: str) -> Element | None:
    """The first child whose local name (any namespace) is one of ``names``, in their order."""
    for name in names:
        for child in element:
            if isinstance(child.tag, str) and _local(child.tag) == name:
                return child
    return None


def _child_text(element: Element, *names: str) -> str:
    found = _child(element, *names)
    return "".join(found.itertext()).strip() if found is not None else ""


def _item_snippet(element: Element) -> str:
    return _child_text(element, "guid", "id", "link", "title")[:200]


def _rss_item(item: Element, default_source: str) -> Review:
    creator = _child_text(item, "creator", "author")
    return make_review(
        external_id=_child_text(item, "guid") or _child_text(item, "link"),
        source=_child_text(item, "source"),
        text=_child_text(item, "encoded", "description"),
        rating=_child_text(item, "rating", "stars") or None,
        author=creator,
        url=_child_text(item, "link"),
        title=_child_text(item, "title"),
        published_at=_child_text(item, "pubdate", "date"),
        default_source=default_source,
        html=True,
    )


def _atom_entry(entry: Element, default_source: str) -> Review:
    author = _child(entry, "author")
    link = ""
    for child in entry:
        is_link = isinstance(child.tag, str) and _local(child.tag) == "link"
        if is_link and child.get("rel") in (None, "alternate"):
            link = child.get("href") or ""
            break
    content = _child(entry, "content", "summary")
    return make_review(
        external_id=_child_text(entry, "id"),
        source=_child_text(entry, "source"),
        text="".join(content.itertext()) if content is not None else "",
        rating=_child_text(entry, "rating", "stars") or None,
        author=_child_text(author, "name") if author is not None else "",
        email=_child_text(author, "email") if author is not None else "",
        url=link,
        title=_child_text(entry, "title"),
        published_at=_child_text(entry, "published", "updated"),
        default_source=default_source,
        html=True,
    )


def parse_xml(raw: bytes, default_source: str = "") -> Parsed:
    try:
        root = fromstring(raw)
    except DefusedXmlException as exc:
        raise NotAFeed("xml_refused", detail=type(exc).__name__) from exc
    except ParseError as exc:
        raise NotAFeed("xml_malformed", detail=str(exc)[:200]) from exc
    parsed = Parsed()
    name = _local(root.tag)
    read: Callable[[Element, str], Review]
    if name == "rss":
        channel = _child(root, "channel")
        items = [c for c in (channel if channel is not None else []) if _local(c.tag) == "item"]
        read = _rss_item
    elif name == "feed":
        items = [c for c in root if isinstance(c.tag, str) and _local(c.tag) == "entry"]
        read = _atom_entry
    else:
        raise NotAFeed("xml_unknown", name=name[:40])
    for number, item in enumerate(items[:MAX_ITEMS], start=1):
        try:
            parsed.reviews.append(read(item, default_source))
        except ValueError as exc:
            place = reason("item", number=number)
            parsed.problems.append(Problem(place, reason_of(exc), _item_snippet(item)))
    return parsed


# --- JSON ---------------------------------------------------------------------------------------


def review_from_object(body: Any, default_source: str = "") -> Review:
    """One review of the plain shape (or of a JSON Feed item); ``ValueError`` why not."""
    if not isinstance(body, dict):
        raise ReasonError("not_an_object")
    if any(k in body for k in ("content_text", "content_html", "date_published", "_review")):
        given, listed = body.get("_review"), body.get("authors")
        extra: dict[str, Any] = given if isinstance(given, dict) else {}
        authors: list[Any] = listed if isinstance(listed, list) else []
        first: dict[str, Any] = authors[0] if authors and isinstance(authors[0], dict) else {}
        html = not body.get("content_text")
        return make_review(
            external_id=body.get("id"),
            source=extra.get("source"),
            text=body.get("content_text") or body.get("content_html") or "",
            rating=extra.get("rating"),
            author=first.get("name") or "",
            email=extra.get("email") or "",
            url=body.get("url") or "",
            title=body.get("title") or "",
            published_at=body.get("date_published"),
            default_source=default_source,
            html=html,
        )
    for name in ("rating", "author", "text", "email", "url", "source"):
        value = body.get(name)
        if value is not None and not isinstance(value, (str, int, float)):
            raise ReasonError("not_text", name=name)
    return make_review(
        external_id=body.get("id"),
        source=body.get("source"),
        text=body.get("text") or "",
        rating=body.get("rating"),
        author=body.get("author") or "",
        email=body.get("email") or "",
        url=body.get("url") or "",
        title=body.get("title") or "",
        published_at=body.get("published_at"),
        default_source=default_source,
    )


def parse_objects(items: list[Any], default_source: str = "") -> Parsed:
    parsed = Parsed()
    if len(items) > MAX_ITEMS:
        parsed.problems.append(Problem(reason("feed"), reason("too_many_items", limit=MAX_ITEMS)))
    for number, item in enumerate(items[:MAX_ITEMS], start=1):
        try:
            parsed.reviews.append(review_from_object(item, default_source))
        except ValueError as exc:
            snippet = json.dumps(item, ensure_ascii=False)[:200] if item is not None else ""
            parsed.problems.append(Problem(reason("item", number=number), reason_of(exc), snippet))
    return parsed


def parse_json(raw: bytes, default_source: str = "") -> Parsed:
    try:
        body = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise NotAFeed("json_malformed", detail=str(exc)[:200]) from exc
    if isinstance(body, dict) and isinstance(body.get("items"), list):
        return parse_objects(body["items"], default_source)  # JSON Feed
    if isinstance(body, dict) and isinstance(body.get("reviews"), list):
        return parse_objects(body["reviews"], default_source)
    if isinstance(body, dict):
        return parse_objects([body], default_source)
    if isinstance(body, list):
        return parse_objects(body, default_source)
    raise NotAFeed("json_unknown")


def parse_feed(raw: bytes, default_source: str = "") -> Parsed:
    """A feed in any of the shapes above, told apart by its first character."""
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head == b"<":
        return parse_xml(raw, default_source)
    if head in (b"{", b"["):
        return parse_json(raw, default_source)
    raise NotAFeed("unknown_shape")


# --- CSV ----------------------------------------------------------------------------------------

# Each column's names, Italian and English, compared without case or accents.
CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source", "fonte", "sito", "piattaforma", "site", "platform"),
    "rating": ("rating", "voto", "valutazione", "stelle", "stars", "punteggio", "score"),
    "author": ("author", "autore", "nome", "name", "cliente", "reviewer", "recensore"),
    "url": ("url", "link", "indirizzo"),
    "text": ("text", "testo", "recensione", "review", "commento", "comment", "messaggio"),
    "date": ("date", "data", "published_at", "pubblicata", "pubblicazione", "quando"),
    "id": ("id", "external_id", "codice"),
    "email": ("email", "e-mail", "mail", "posta"),
}
MAX_CSV_ROWS = 10_000


def _column(header: str) -> str | None:
    name = re.sub(r"[^a-z_-]", "", header.strip().lower().replace("à", "a").replace("è", "e"))
    for column, names in CSV_COLUMNS.items():
        if name in names:
            return column
    return None


def parse_csv(raw: bytes, default_source: str = "") -> Parsed:
    """A CSV export; ``NotAFeed`` when the file as a whole does not read (not UTF-8, no
    header with a text or rating column), else each bad row a ``Problem`` with its line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotAFeed("not_utf8", byte=exc.start) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise NotAFeed("empty_file") from None
    except csv.Error as exc:
        raise NotAFeed("header_unreadable", detail=str(exc)[:200]) from None
    columns = [_column(h) for h in header]
    if "text" not in columns and "rating" not in columns:
        raise NotAFeed("no_columns")
    parsed = Parsed()
    rows = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            place = reason("line", number=reader.line_num)
            parsed.problems.append(Problem(place, reason("row_unreadable", detail=str(exc)[:200])))
            break
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        if rows > MAX_CSV_ROWS:
            parsed.problems.append(
                Problem(
                    reason("line", number=reader.line_num),
                    reason("too_many_rows", limit=MAX_CSV_ROWS),
                )
            )
            break
        line = reader.line_num
        values: dict[str, str] = {}
        for name, cell in zip(columns, row, strict=False):
            if name is not None and name not in values:
                values[name] = cell
        if len(row) > len(columns):
            parsed.problems.append(
                Problem(
                    reason("line", number=line),
                    reason("too_many_cells", cells=len(row), columns=len(columns)),
                    (delimiter.join(row))[:200],
                )
            )
            continue
        try:
            parsed.reviews.append(
                make_review(
                    external_id=values.get("id"),
                    source=values.get("source"),
                    text=values.get("text"),
                    rating=values.get("rating"),
                    author=values.get("author"),
                    email=values.get("email"),
                    url=values.get("url"),
                    published_at=values.get("date"),
                    default_source=default_source,
                )
            )
        except ValueError as exc:
            place = reason("line", number=line)
            parsed.problems.append(Problem(place, reason_of(exc), delimiter.join(row)[:200]))
    return parsed
