"""Meta's message templates read and filled: the pure part, no database and no HTTP.

A template's BODY text names its variables ``{{1}}``, ``{{2}}``... (Meta numbers them
from 1, without gaps); the agent gives one value per placeholder, and the text the
customer reads is the body with each placeholder replaced. That text is what the
conversation's timeline shows for the reply.

Besides the body, a template may ask at send time (:func:`template_needs`):
- a HEADER: a text with at most one ``{{1}}``, or a media file (IMAGE, VIDEO, DOCUMENT)
  given by a public link or uploaded through the Graph media endpoint;
- values for its BUTTONS: a URL button whose address ends in ``{{1}}`` takes the suffix,
  a quick-reply button may take a payload (what the customer's press sends back to the
  webhook; without one Meta sends the button's text).
The ``components`` of the Cloud API message are built by :func:`template_message` in
Meta's documented shape: ``{"type": "header" | "body", "parameters": [...]}`` and
``{"type": "button", "sub_type": "url" | "quick_reply", "index": "0", "parameters": [...]}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from sportello.core.errors import InvalidInput

PLACEHOLDER = re.compile(r"\{\{\s*(\d{1,2})\s*\}\}")
# Meta's limits: a template's name, and one parameter's text.
NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]{2,4})?$")
MAX_PARAMETER = 1024
# Meta's limits on a header text's value and on a quick-reply payload / URL suffix.
MAX_HEADER_TEXT = 60
MAX_BUTTON_VALUE = 128
MEDIA_FORMATS = ("IMAGE", "VIDEO", "DOCUMENT")
STATUSES = frozenset({"APPROVED", "PENDING", "REJECTED", "PAUSED", "DISABLED"})


@dataclass(frozen=True)
class ListedTemplate:
    """One entry of ``GET {waba_id}/message_templates``, as Sportello keeps it."""

    name: str
    language: str
    category: str
    status: str
    body: str
    placeholders: int
    meta_id: str = ""
    components: list[dict[str, Any]] = field(default_factory=list)


def placeholder_count(body: str) -> int:
    """How many values the body asks for: its highest ``{{n}}``."""
    return max((int(n) for n in PLACEHOLDER.findall(body)), default=0)


def read_listed(entry: Any) -> ListedTemplate | None:
    """One listed template, or None for an entry Meta would not send (no name, no
    language): a sync skips it rather than failing on it."""
    if not isinstance(entry, dict):
        return None
    name, language = entry.get("name"), entry.get("language")
    if not isinstance(name, str) or not NAME.match(name):
        return None
    if not isinstance(language, str) or not LANGUAGE.match(language):
        return None
    components = [c for c in entry.get("components") or [] if isinstance(c, dict)]
    body = next(
        (str(c.get("text") or "") for c in components if str(c.get("type")).upper() == "BODY"),
        "",
    )
    status = str(entry.get("status") or "").upper()
    return ListedTemplate(
        name=name,
        language=language,
        category=str(entry.get("category") or "")[:32],
        status=status if status in STATUSES else "OTHER",
        body=body,
        placeholders=placeholder_count(body),
        meta_id=str(entry.get("id") or "")[:64],
        components=components,
    )


def clean_parameters(parameters: Any, expected: int) -> list[str]:
    """The agent's values for the body's placeholders: exactly ``expected`` non-empty
    texts (Meta refuses an empty parameter, and a missing one)."""
    if not isinstance(parameters, list | tuple) or not all(isinstance(p, str) for p in parameters):
        raise InvalidInput(_("parameters: a list of texts, one for each {{n}} of the template"))
    values = [" ".join(p.split()) for p in parameters]
    if len(values) != expected:
        raise InvalidInput(
            _("parameters: this template needs %(expected)d value(s), %(given)d given")
            % {"expected": expected, "given": len(values)}
        )
    for number, value in enumerate(values, start=1):
        placeholder = f"{{{{{number}}}}}"
        if not value:
            raise InvalidInput(
                _("parameters: the value for %(placeholder)s is empty")
                % {"placeholder": placeholder}
            )
        if len(value) > MAX_PARAMETER:
            raise InvalidInput(
                _("parameters: the value for %(placeholder)s is longer than %(limit)d characters")
                % {"placeholder": placeholder, "limit": MAX_PARAMETER}
            )
    return values


def render(body: str, parameters: list[str]) -> str:
    """The text the customer reads: ``body`` with ``{{n}}`` replaced by the n-th value."""

    def value(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        return parameters[index] if 0 <= index < len(parameters) else match.group(0)

    return PLACEHOLDER.sub(value, body)


# --- what a template asks for at send time -----------------------------------------------------

NAMED_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")
# Buttons whose values Sportello does not fill (a coupon code, a one-time password, a
# catalogue): a template with one is listed but cannot be sent from the reply box.
_UNFILLED_BUTTONS = frozenset({"COPY_CODE", "OTP", "CATALOG", "MPM"})


@dataclass(frozen=True)
class HeaderNeed:
    """A template's HEADER: ``format`` TEXT (``text`` with ``placeholders`` 0 or 1) or a
    media kind (IMAGE, VIDEO, DOCUMENT) whose file is given at send time."""

    format: str
    text: str = ""
    placeholders: int = 0

    @property
    def is_media(self) -> bool:
        return self.format in MEDIA_FORMATS

    @property
    def asks(self) -> bool:
        """Whether sending needs a value for it."""
        return self.is_media or self.placeholders > 0


@dataclass(frozen=True)
class ButtonNeed:
    """One of a template's BUTTONS, at ``index`` (its place in the list, from 0)."""

    index: int
    kind: str  # URL, QUICK_REPLY, PHONE_NUMBER, ...
    label: str
    url: str = ""

    @property
    def takes_suffix(self) -> bool:
        """A URL button whose address ends in ``{{1}}``: the suffix is required."""
        return self.kind == "URL" and bool(PLACEHOLDER.search(self.url))

    @property
    def takes_payload(self) -> bool:
        """A quick-reply button: a payload may be given (optional)."""
        return self.kind == "QUICK_REPLY"


@dataclass(frozen=True)
class TemplateNeeds:
    header: HeaderNeed | None
    body_placeholders: int
    buttons: tuple[ButtonNeed, ...]
    # Why Sportello cannot send it ("" when it can).
    unsupported: str = ""

    @property
    def asked_buttons(self) -> tuple[ButtonNeed, ...]:
        return tuple(b for b in self.buttons if b.takes_suffix or b.takes_payload)


def _kind(component: dict[str, Any], key: str = "type") -> str:
    return str(component.get(key) or "").upper()


def template_needs(components: Any) -> TemplateNeeds:
    """What sending a template with these (Meta's, as listed) ``components`` asks for."""
    header: HeaderNeed | None = None
    body = ""
    buttons: list[ButtonNeed] = []
    unsupported = ""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        kind = _kind(component)
        if kind == "HEADER":
            form = _kind(component, "format") or "TEXT"
            text = str(component.get("text") or "")
            header = HeaderNeed(form, text, placeholder_count(text) if form == "TEXT" else 0)
            if form not in ("TEXT", *MEDIA_FORMATS):
                unsupported = _("its header is a %(format)s, which Sportello does not fill") % {
                    "format": form.lower()
                }
        elif kind == "BODY":
            body = str(component.get("text") or "")
        elif kind == "BUTTONS":
            for index, button in enumerate(component.get("buttons") or []):
                if not isinstance(button, dict):
                    continue
                need = ButtonNeed(
                    index=index,
                    kind=_kind(button),
                    label=str(button.get("text") or "")[:60],
                    url=str(button.get("url") or ""),
                )
                buttons.append(need)
                if need.kind in _UNFILLED_BUTTONS:
                    unsupported = _("its %(kind)s button is not filled by Sportello") % {
                        "kind": need.kind.lower().replace("_", "-")
                    }
    texts = [body, header.text if header else ""]
    if any(NAMED_PLACEHOLDER.search(t) for t in texts):
        unsupported = _("it uses named parameters, which Sportello does not fill yet")
    return TemplateNeeds(header, placeholder_count(body), tuple(buttons), unsupported)


def _one_line(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise InvalidInput(_("%(what)s: a text") % {"what": what})
    text = " ".join(value.split())
    if len(text) > limit:
        raise InvalidInput(
            _("%(what)s: at most %(limit)d characters") % {"what": what, "limit": limit}
        )
    return text


def _media_link(value: Any) -> str:
    text = _one_line(value, _("header link"), 2000)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            _("header link: a public http(s) address of the file, such as https://…/photo.jpg")
        )
    return text


def media_file_refusal(header_format: str, head: bytes) -> str | None:
    """Why a file (its first bytes) cannot be the template's media header, or None.
    Meta takes a JPEG or PNG image, an MP4 video, a PDF document."""
    if header_format == "IMAGE" and head[:3] != b"\xff\xd8\xff" and head[:4] != b"\x89PNG":
        return _("the header image must be a JPEG or PNG file")
    if header_format == "VIDEO" and head[4:8] != b"ftyp":
        return _("the header video must be an MP4 file")
    if header_format == "DOCUMENT" and not head.startswith(b"%PDF-"):
        return _("the header document must be a PDF file")
    return None


def clean_header(
    need: HeaderNeed | None,
    text: Any = "",
    link: Any = "",
    file: tuple[str, bytes] | None = None,
) -> dict[str, Any] | None:
    """The header part of a filled template as stored with the reply, from the agent's
    ``text`` (a TEXT header's ``{{1}}``), ``link`` or ``file`` (name, first bytes) for a
    media header; None when the template's header takes nothing."""
    text = text or ""
    link = link or ""
    if need is None or not need.asks:
        if text or link or file:
            raise InvalidInput(_("header: this template's header takes no value"))
        return None
    if not need.is_media:
        if link or file:
            raise InvalidInput(_("header: this template's header is text, not a file"))
        value = _one_line(text, _("header"), MAX_HEADER_TEXT)
        if not value:
            raise InvalidInput(_("header: the value for {{1}} of the header is empty"))
        return {"type": "text", "text": value}
    kind = need.format.lower()
    if text:
        raise InvalidInput(_("header: this template's header is a file, give a link or a file"))
    if bool(link) == bool(file):
        raise InvalidInput(
            _("header: this template needs one file for its header, by link or uploaded")
        )
    if link:
        return {"type": kind, "link": _media_link(link)}
    assert file is not None
    name, head = file
    refusal = media_file_refusal(need.format, head)
    if refusal:
        raise InvalidInput(_("header: %(reason)s") % {"reason": refusal})
    return {"type": kind, "attachment": True, "filename": (name or "allegato")[:240]}


def clean_buttons(needs: TemplateNeeds, given: Any) -> list[dict[str, Any]]:
    """The buttons part of a filled template as stored with the reply, from the agent's
    ``[{"index": 0, "url_suffix": "..."}, {"index": 1, "payload": "..."}]``: every URL
    button with ``{{1}}`` needs its suffix; a quick reply's payload is optional."""
    if given in (None, ""):
        given = []
    if not isinstance(given, list | tuple):
        raise InvalidInput(_("buttons: a list of {index, url_suffix or payload}"))
    by_index = {b.index: b for b in needs.buttons}
    values: dict[int, dict[str, str]] = {}
    for item in given:
        if not isinstance(item, dict) or isinstance(item.get("index"), bool):
            raise InvalidInput(_("buttons: a list of {index, url_suffix or payload}"))
        index = item.get("index")
        button = by_index.get(index) if isinstance(index, int) else None
        if button is None:
            raise InvalidInput(
                _("buttons: this template has no button %(index)s") % {"index": index}
            )
        if index in values:
            raise InvalidInput(_("buttons: button %(index)d is given twice") % {"index": index})
        suffix = item.get("url_suffix") or ""
        payload = item.get("payload") or ""
        label = button.label or str(index)
        if suffix and not button.takes_suffix:
            raise InvalidInput(
                _("buttons: the button %(label)s has no address to complete") % {"label": label}
            )
        if payload and not button.takes_payload:
            raise InvalidInput(
                _("buttons: only a quick-reply button takes a payload, not %(label)s")
                % {"label": label}
            )
        values[button.index] = {
            "url_suffix": _one_line(suffix, _("button address"), MAX_BUTTON_VALUE),
            "payload": _one_line(payload, _("button payload"), MAX_BUTTON_VALUE),
        }
    filled: list[dict[str, Any]] = []
    for button in needs.asked_buttons:
        value = values.get(button.index, {})
        if button.takes_suffix:
            if not value.get("url_suffix"):
                raise InvalidInput(
                    _("buttons: the button %(label)s needs the end of its address")
                    % {"label": button.label or str(button.index)}
                )
            filled.append({"index": button.index, "sub_type": "url", "text": value["url_suffix"]})
        elif value.get("payload"):
            filled.append(
                {"index": button.index, "sub_type": "quick_reply", "payload": value["payload"]}
            )
    return filled


def shown_text(
    needs: TemplateNeeds,
    body: str,
    parameters: list[str],
    header: dict[str, Any] | None,
    buttons: list[dict[str, Any]],
) -> str:
    """What the timeline shows for the reply: the header's text (or its link), the filled
    body, and a line per button as the customer sees it."""
    lines: list[str] = []
    if needs.header is not None and needs.header.format == "TEXT":
        values = [str(header.get("text") or "")] if header else []
        lines += [render(needs.header.text, values), ""]
    elif header and header.get("link"):
        lines += [str(header["link"]), ""]
    lines.append(render(body, parameters))
    suffixes = {b["index"]: str(b.get("text") or "") for b in buttons if b["sub_type"] == "url"}
    shown_buttons = []
    for button in needs.buttons:
        if button.kind == "URL":
            url = render(button.url, [suffixes.get(button.index, "")])
            shown_buttons.append(f"[{button.label}: {url}]" if url else f"[{button.label}]")
        elif button.label:
            shown_buttons.append(f"[{button.label}]")
    if shown_buttons:
        lines += ["", " ".join(shown_buttons)]
    return "\n".join(lines).strip()


def template_message(filled: dict[str, Any], header_media_id: str = "") -> dict[str, Any]:
    """The ``template`` object of a Cloud API message from a filled template as stored
    with the reply (``actions.send_template``): components in Meta's order, header, body,
    buttons. ``header_media_id`` is the Graph media id of an uploaded header file."""
    template: dict[str, Any] = {
        "name": str(filled.get("name") or ""),
        "language": {"code": str(filled.get("language") or "")},
    }
    components: list[dict[str, Any]] = []
    header = filled.get("header")
    if isinstance(header, dict):
        kind = str(header.get("type") or "")
        if kind == "text":
            parameter: dict[str, Any] = {"type": "text", "text": str(header.get("text") or "")}
        else:
            media: dict[str, Any] = (
                {"id": header_media_id} if header.get("attachment") else {"link": header["link"]}
            )
            if kind == "document" and header.get("filename"):
                media["filename"] = str(header["filename"])
            parameter = {"type": kind, kind: media}
        components.append({"type": "header", "parameters": [parameter]})
    parameters = [str(p) for p in filled.get("parameters") or []]
    if parameters:
        components.append(
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}
        )
    for button in filled.get("buttons") or []:
        if button.get("sub_type") == "url":
            value: dict[str, Any] = {"type": "text", "text": str(button.get("text") or "")}
        else:
            value = {"type": "payload", "payload": str(button.get("payload") or "")}
        components.append(
            {
                "type": "button",
                "sub_type": str(button.get("sub_type")),
                "index": str(button.get("index")),
                "parameters": [value],
            }
        )
    if components:
        template["components"] = components
    return {"type": "template", "template": template}
