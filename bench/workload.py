"""What arrives at a shop's inbox in a day, as deliveries for the ingest benchmark.

A realistic mix matters because each kind costs the pipeline something different: a new
customer creates a customer, identities and a conversation; a customer writing again is
looked up and threaded into their open conversation; a webhook retried by the provider is a
duplicate that must stop early. Deterministic for a seed; identities carry a run token so
runs on the same database do not collide.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from bench.texts import Topic, Writer, person_name, pick_language, pick_topic

# Channel kind -> share of first contacts; the API adapter's identity for each.
CHANNELS = {"email": 40, "whatsapp": 30, "webchat": 15, "telegram": 10, "phone": 5}
LETTER_CHANNELS = {"email"}
NEW_CUSTOMERS = 0.30
REPLAYS = 0.05
OTHER_CHANNEL = 0.15  # a returning customer who switches channel (one customer, two channels)


@dataclass
class Customer:
    name: str
    language: str
    email: str
    phone: str
    telegram: str
    channel: str
    topic: Topic


@dataclass
class Delivery:
    """One message as an integration posts it to ``/api/v1/inbound``."""

    channel: str
    external_id: str
    sender: dict[str, str]
    text: str
    subject: str = ""
    kind: str = "new_customer"  # or "returning", "replay"

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "channel": self.channel,
            "external_id": self.external_id,
            "sender": self.sender,
            "text": self.text,
        }
        if self.subject:
            body["subject"] = self.subject
        return body


def sender_for(customer: Customer, channel: str) -> dict[str, str]:
    """What the channel knows of the sender: an address, a number, a handle."""
    if channel in ("email", "webchat"):
        return {"name": customer.name, "email": customer.email}
    if channel == "whatsapp":
        return {"name": customer.name, "phone": customer.phone, "handle": customer.phone}
    if channel == "telegram":
        return {"name": customer.name, "handle": customer.telegram}
    return {"name": customer.name, "phone": customer.phone}


def other_channel(channel: str) -> str:
    """The channel a customer also uses, reachable with the same identity."""
    return {"email": "webchat", "webchat": "email", "whatsapp": "phone", "phone": "whatsapp"}.get(
        channel, channel
    )


def deliveries(count: int, *, seed: int = 7, run: int = 0) -> list[Delivery]:
    """``count`` deliveries: ~30% from new customers, ~5% replays of an earlier delivery,
    the rest from customers who wrote before (mostly on the same channel, so they thread
    into their open conversation; sometimes on another one)."""
    rng = random.Random(seed)
    writer = Writer(rng)
    customers: list[Customer] = []
    out: list[Delivery] = []
    for index in range(count):
        draw = rng.random()
        if out and draw < REPLAYS:
            first = rng.choice(out)
            out.append(
                Delivery(
                    channel=first.channel,
                    external_id=first.external_id,
                    sender=first.sender,
                    text=first.text,
                    subject=first.subject,
                    kind="replay",
                )
            )
            continue
        external_id = f"bench-{run}-{index}"
        if not customers or draw < REPLAYS + NEW_CUSTOMERS:
            number = len(customers)
            language = pick_language(rng)
            name = person_name(rng, language)
            login = name.lower().replace(" ", ".").replace("'", "")
            customers.append(
                Customer(
                    name=name,
                    language=language,
                    email=f"{login}.{run}.{number}@bench.example.it",
                    phone=f"+39 3{(run * 1_000_003 + number) % 1_000_000_000:09d}",
                    telegram=f"@{login.replace('.', '')}{run}x{number}",
                    channel=rng.choices(list(CHANNELS), weights=list(CHANNELS.values()))[0],
                    topic=pick_topic(rng),
                )
            )
            customer = customers[-1]
            channel, kind, first_message = customer.channel, "new_customer", True
        else:
            # Recent customers are likelier to write again than those of weeks ago.
            customer = customers[int(len(customers) * (1 - rng.random() ** 3)) - 1]
            channel = customer.channel
            if rng.random() < OTHER_CHANNEL:
                channel = other_channel(channel)
            kind, first_message = "returning", False
            if rng.random() < 0.2:
                customer.topic = pick_topic(rng)  # a new matter, in the same conversation
        letter = channel in LETTER_CHANNELS
        slots = writer.slots(customer.language, name=customer.name)
        written = writer.customer_message(
            customer.topic, customer.language, slots, first=first_message, long=letter
        )
        subject = (
            writer.subject(customer.topic, customer.language, slots).text
            if letter and first_message
            else ""
        )
        out.append(
            Delivery(
                channel=channel,
                external_id=external_id,
                sender=sender_for(customer, channel),
                text=written.text,
                subject=subject,
                kind=kind,
            )
        )
    return out
