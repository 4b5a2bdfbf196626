"""The provider registry: the one place a channel kind is declared.

A provider (``sportello/providers/<kind>/``) is a small Django app whose ``ready()`` calls
:func:`register` with everything the rest of the house asks of it; its line in
``INSTALLED_APPS`` is the one line that adds a channel kind. The Channel and Identity models
take their choices from here, the API its enum of kinds, ``channels.actions`` the config
rules, ``customers.identities`` the handle normalisers, ``outbound`` the sender and the
urlconf the webhooks: none of them lists kinds again.

Providers come to the registry (as ModelAdmins come to Django's admin), so it imports none
of them and stays on the low floor beside the Channel model. It is filled once, while the
apps load, and only read afterwards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from sportello.core.errors import InvalidInput

# Channel.kind and Identity.kind are 16-character columns.
_KIND = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
# Identity kinds every installation has, whatever its providers: an email address and a
# phone number are normalised by customers.identities itself, "other" is any bare handle.
BUILT_IN_IDENTITY_KINDS: dict[str, str | Promise] = {
    "email": _("Email"),
    "phone": _("Phone"),
    "other": _("Other"),
}


def plain_config(config: Any) -> dict[str, Any]:
    """The config rule of a provider that has no settings of its own: any JSON object."""
    if not isinstance(config, dict):
        raise InvalidInput("config must be an object")
    return config


@dataclass(frozen=True)
class ConfigField:
    """One setting of a provider's config, as the settings page asks for it.

    ``key`` is its place in ``Channel.config``, dotted for a nested object (``imap.host``);
    an object whose text and number settings are all left empty is left out of the config.
    ``type`` is ``text``, ``longtext`` (a few lines), ``email``, ``url``, ``number``,
    ``bool``, ``choice``, ``color`` (``#rrggbb``), ``list`` (words or lines apart, stored
    as a list of strings), ``channel`` (the slug of one of the workspace's channels of kind
    ``channel_kind``, or empty) or ``secret`` (write-only: never shown back, left empty to
    keep the stored one). ``group`` heads the fieldset the field is shown in. The
    provider's ``validate_config`` still has the last word; these only lay out the form.
    When it refuses this key (its message starts with ``config.<key>:``), the page shows
    ``invalid`` on the field, in the admin's language, or else the provider's own words.
    """

    key: str
    label: str | Promise
    type: str = "text"
    required: bool = False
    help: str | Promise = ""
    choices: tuple[tuple[str, str | Promise], ...] = ()
    initial: Any = None
    group: str | Promise = ""
    channel_kind: str = ""
    invalid: str | Promise = ""

    TYPES = frozenset(
        {
            "text",
            "longtext",
            "email",
            "url",
            "number",
            "bool",
            "choice",
            "color",
            "list",
            "channel",
            "secret",
        }
    )

    def __post_init__(self) -> None:
        if self.type not in self.TYPES:
            raise ImproperlyConfigured(f"config field {self.key!r}: unknown type {self.type!r}")
        if (self.type == "channel") != bool(self.channel_kind):
            raise ImproperlyConfigured(
                f"config field {self.key!r}: channel_kind goes with type 'channel' only"
            )


@dataclass(frozen=True)
class ConnectionCheck:
    """One result of a provider's connection test: what was tried (``name``, say "IMAP"),
    whether it worked, and a sentence for the admin in their language."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Starting:
    """How an agent may write first on a channel kind: a new conversation with a customer,
    as far as the provider itself allows one (email and SMS to any address, WhatsApp only
    with an approved template, Telegram only to someone who wrote to the bot).

    ``address_kinds``: the identity kinds of the addresses it writes to, preferred first;
    an address typed in and owned by nobody is recorded as the last (the plainest claim:
    a phone number, not yet a WhatsApp account). ``any_address``: whether the agent may type
    an address nobody has on file; else only one of the customer's own. ``template_only``:
    the first message must be a provider's approved template, sent by ``write_first``
    (called with the new Conversation, the Agent and the template's fields), not free text.
    ``refusal``: why the channel cannot start one with this customer (the Customer's id, or
    None for a new one) at this address, in the agent's language, or None; called with the
    Channel, the customer id and the normalised address.
    """

    address_kinds: tuple[str, ...]
    any_address: bool = True
    needs_subject: bool = False
    template_only: bool = False
    write_first: Callable[[Any, Any, dict[str, Any]], Any] | None = None
    refusal: Callable[[Any, int | None, str], str | None] | None = None

    def __post_init__(self) -> None:
        if not self.address_kinds:
            raise ImproperlyConfigured("Starting: name at least one address kind")
        if self.template_only and self.write_first is None:
            raise ImproperlyConfigured("Starting: a template-only kind needs write_first")
        object.__setattr__(self, "address_kinds", tuple(self.address_kinds))


@dataclass(frozen=True)
class Provider:
    """What the house asks of a channel provider.

    ``send`` takes a claimed ``outbound.models.Delivery``, sends its message and returns the
    provider's id for it, raising ``outbound.errors.DeliveryError`` on failure; it is typed
    loosely so that channels never imports outbound. ``urls`` and ``jobs`` are dotted module
    paths, imported by the urlconf and at registration, so a provider's heavier modules load
    only where they are needed.
    """

    kind: str
    label: str | Promise
    # The identity kind of a bare handle of this channel's senders ("other" when it is not
    # an address the customer can be found by on another channel).
    identity_kind: str = "other"
    # How such a handle becomes an Identity's value; None keeps customers' generic rule.
    normalize_handle: Callable[[str], str] | None = None
    validate_config: Callable[[Any], dict[str, Any]] = plain_config
    # Config keys never shown back, besides channels.queries' base set.
    secret_keys: frozenset[str] = frozenset()
    send: Callable[[Any], str] | None = None
    # A module with ``urlpatterns``, mounted under /hooks/<kind>/.
    urls: str = ""
    # A channel's webhook path under the site (``/hooks/<kind>/...``) from its stored
    # config, or None when the config has none yet: the API and the channel's settings
    # show it as ``webhook_url``, to paste into the provider's dashboard.
    webhook_path: Callable[[dict[str, Any]], str | None] | None = None
    # The HTML an admin pastes in their site to embed the channel (the web chat's script
    # tag), from its stored config; shown as ``embed_snippet`` by the API.
    embed_snippet: Callable[[dict[str, Any]], str | None] | None = None
    # Why an agent cannot send a free-form reply on a conversation now (WhatsApp's
    # 24-hour customer-service window), in the agent's language, or None when they can.
    # Called with the Conversation and the Channel of this kind the reply would go out on
    # (a merged conversation holds several) before the reply is stored.
    reply_refusal: Callable[[Any, Any], str | None] | None = None
    # Why a channel cannot send anything with its stored settings (an email channel with
    # no SMTP server), in the agent's language, or None: the reply box says so before the
    # agent writes, and offers the customer's other channels. Called with the Channel.
    send_unready: Callable[[Any], str | None] | None = None
    # Whether and how an agent can start a conversation on this kind (``Starting``); None
    # where the provider allows no first message (Messenger, Instagram, the web chat).
    starting: Starting | None = None
    # Modules of Huey tasks: the consumer knows only the tasks of imported modules.
    jobs: tuple[str, ...] = ()
    # What ``sportello run`` starts beside the web server (a mail listener, watchers of a
    # mailbox): dotted paths of callables taking ``worker`` (whether this process runs jobs
    # too) and returning what they started, with a ``stop()``, or None when not configured.
    services: tuple[str, ...] = ()
    # Called with the Channel once a channel of this kind is created, or its config or
    # state changed, after the commit (Telegram tells its Bot API where the webhook is).
    # Anything slow or on the network belongs in a job it queues.
    on_saved: Callable[[Any], None] | None = None
    # The settings page's fields for the config (``ConfigField``); none: the page asks for
    # the channel's name only and keeps its config as it is.
    config_fields: tuple[ConfigField, ...] = ()
    # Tries the channel's stored settings for real (sign in, then out), within a timeout;
    # called by the settings page's "Test connection" button, in the admin's language.
    test_connection: Callable[[Any], list[ConnectionCheck]] | None = None

    @property
    def starts_conversations(self) -> bool:
        return self.starting is not None and self.send is not None

    def __post_init__(self) -> None:
        for name in ("kind", "identity_kind"):
            if not _KIND.match(getattr(self, name)):
                raise ImproperlyConfigured(
                    f"provider {self.kind!r}: {name} must be 1-16 lower-case letters, "
                    "digits or underscores, starting with a letter"
                )
        if self.normalize_handle is not None and self.identity_kind in BUILT_IN_IDENTITY_KINDS:
            raise ImproperlyConfigured(
                f"provider {self.kind!r}: {self.identity_kind!r} identities are normalised by "
                "customers.identities; normalize_handle is for a provider's own identity kind"
            )
        # Written as one string or any iterable; kept as immutable tuples and sets.
        object.__setattr__(self, "config_fields", tuple(self.config_fields))
        for name in ("jobs", "services"):
            value: Iterable[str] = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        object.__setattr__(self, "secret_keys", frozenset(self.secret_keys))


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    """Declare a channel kind; called by the provider's ``AppConfig.ready()``.

    Its job modules are imported here, at start-up, so that ``sportello run`` and
    ``sportello worker`` know their tasks. Registering the same provider twice is harmless;
    another provider for a kind already taken is a configuration error.
    """
    known = _providers.get(provider.kind)
    if known is not None and known != provider:
        raise ImproperlyConfigured(f"channel kind {provider.kind!r} is registered twice")
    rival = _normalizer_owner(provider.identity_kind)
    if provider.normalize_handle is not None and rival not in (None, provider.kind):
        raise ImproperlyConfigured(
            f"provider {provider.kind!r}: {rival!r} normalises {provider.identity_kind!r} already"
        )
    _providers[provider.kind] = provider
    for module in provider.jobs:
        import_module(module)
    return provider


def start_services(*, worker: bool) -> list[Any]:
    """Start every provider's services (``Provider.services``); what started, to stop."""
    started = []
    for p in _providers.values():
        for path in p.services:
            service = import_string(path)(worker=worker)
            if service is not None:
                started.append(service)
    return started


def unregister(kind: str) -> None:
    """Forget a kind: for tests that register a provider of their own."""
    _providers.pop(kind, None)


def provider(kind: str) -> Provider:
    """The provider of a channel kind, or a clear error naming the kinds there are."""
    try:
        return _providers[kind]
    except KeyError:
        raise InvalidInput(f"unknown kind {kind!r}; use one of {', '.join(kinds())}") from None


def providers() -> list[Provider]:
    """Every provider, in the order they were registered (their apps' order)."""
    return list(_providers.values())


def kinds() -> list[str]:
    return list(_providers)


def kind_choices() -> list[tuple[str, str | Promise]]:
    """``Channel.kind``'s choices (a callable, so a migration never lists kinds)."""
    return [(p.kind, p.label) for p in _providers.values()]


def identity_kind_choices() -> list[tuple[str, str | Promise]]:
    """``Identity.kind``'s choices: email, phone, each provider's identity kind, other.

    A provider's identity kind is labelled as the provider of that kind, else as the first
    provider that declares it.
    """
    labels: dict[str, str | Promise] = {
        "email": BUILT_IN_IDENTITY_KINDS["email"],
        "phone": BUILT_IN_IDENTITY_KINDS["phone"],
    }
    for p in _providers.values():
        if p.identity_kind not in labels and p.identity_kind != "other":
            owner = _providers.get(p.identity_kind, p)
            labels[p.identity_kind] = owner.label
    labels["other"] = BUILT_IN_IDENTITY_KINDS["other"]
    return list(labels.items())


def handle_normalizer(identity_kind: str) -> Callable[[str], str] | None:
    """The provider's rule for values of ``identity_kind``, if a provider declares one."""
    for p in _providers.values():
        if p.identity_kind == identity_kind and p.normalize_handle is not None:
            return p.normalize_handle
    return None


def _normalizer_owner(identity_kind: str) -> str | None:
    for p in _providers.values():
        if p.identity_kind == identity_kind and p.normalize_handle is not None:
            return p.kind
    return None
