"""Which handlers react to which domain events, in the order they run.

Handlers run after the triggering transaction commits (see ``sportello.core.events``).
Apps add their handlers to ``HANDLERS`` here, so the whole list is readable in one place;
``sportello.config``'s AppConfig (``apps.py``) registers them once per process at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sportello.automation.events import NotificationsAdded
from sportello.automation.handlers import acknowledge_new_conversation
from sportello.automation.rule_handlers import (
    rules_on_assignment,
    rules_on_conversation_opened,
    rules_on_message_received,
    rules_on_repeat_contact,
    rules_on_status_changed,
)
from sportello.conversations.events import (
    AutomaticReplySent,
    ConversationAssigned,
    ConversationOpened,
    ConversationUpdated,
    MessageReceived,
    NoteAdded,
    RepeatContactFound,
    ReplySent,
    StatusChanged,
)
from sportello.conversations.handlers import link_repeat_contacts
from sportello.core.events import Event, subscribe
from sportello.customers.events import CustomerCreated, CustomerUpdated
from sportello.customers.handlers import (
    segment_after_closed_conversation,
    suggest_duplicates_of_customer,
)
from sportello.feedback.events import SurveyAnswered
from sportello.feedback.handlers import survey_resolved_conversation
from sportello.knowledge.events import ArticleSaved
from sportello.knowledge.handlers import embed_saved_article
from sportello.outbound.events import DeliveryFailed, DeliveryQueued, DeliverySent
from sportello.outbound.handlers import send_queued_delivery
from sportello.providers.webchat.handlers import push_reply
from sportello.sla.events import ClocksMoved
from sportello.sla.handlers import (
    calendar_or_policy_moves_the_clocks,
    priority_or_tags_choose_the_policy,
    reply_met_the_clock,
    status_moves_the_clocks,
    team_chooses_the_policy,
)
from sportello.web import live
from sportello.webhooks import handlers as webhooks
from sportello.webhooks.events import WebhookDeliveriesQueued

# (event type, handler), in execution order.
HANDLERS: list[tuple[type[Event], Callable[[Any], None]]] = [
    # A reply on a web chat conversation reaches the visitor's open widget first: the line
    # it shows depends on nothing the handlers below write, and the visitor is waiting.
    (ReplySent, push_reply),
    (AutomaticReplySent, push_reply),
    # An agent's reply and its delivery are stored together (outbound.actions.send_reply);
    # a delivery due (the reply's first attempt, an agent's retry) is sent by a job.
    (DeliveryQueued, send_queued_delivery),
    # A saved article's vectors for semantic search are computed by a job.
    (ArticleSaved, embed_saved_article),
    # A reply meets (or breaches) the running reply clock; pending pauses the clocks,
    # leaving it resumes them, resolving meets the resolution target.
    (ReplySent, reply_met_the_clock),
    (StatusChanged, status_moves_the_clocks),
    # Priority, tags or team may choose another policy: its targets apply to the clocks
    # still running.
    (ConversationUpdated, priority_or_tags_choose_the_policy),
    (ConversationAssigned, team_chooses_the_policy),
    # A calendar or a policy changed: the running clocks it moves are recomputed by a job.
    (ClocksMoved, calendar_or_policy_moves_the_clocks),
    # A new conversation about a matter its customer raised before (open, or resolved
    # within the workspace's window) is linked to it: "3rd contact about this issue".
    # Before the rules, so that their repeat_count condition sees the link.
    (ConversationOpened, link_repeat_contacts),
    # A new conversation is acknowledged on its channel, with the first reply's due time
    # (ingest's sla step set it with the conversation).
    (ConversationOpened, acknowledge_new_conversation),
    # A resolved conversation gets its satisfaction survey (CSAT), sent on its channel
    # after the workspace's delay (at once without one: before the realtime push below).
    (StatusChanged, survey_resolved_conversation),
    # Realtime: every open agent page of the workspace is told what changed, last, so the
    # notification follows what the handlers above wrote (docs/architecture/realtime.md).
    (ConversationOpened, live.conversation_opened),
    (MessageReceived, live.conversation_changed),
    (ReplySent, live.conversation_changed),
    (AutomaticReplySent, live.conversation_changed),
    (NoteAdded, live.conversation_changed),
    (ConversationAssigned, live.conversation_changed),
    (StatusChanged, live.conversation_changed),
    (ConversationUpdated, live.conversation_changed),
    (DeliverySent, live.conversation_changed),
    (DeliveryFailed, live.conversation_changed),
    (DeliveryQueued, live.conversation_changed),
    (NotificationsAdded, live.notifications_added),
    (SurveyAnswered, live.conversation_changed),
    # The business's rules, last: they see what the handlers above made of the event
    # (the SLA clocks, the acknowledgement). The SLA scanner's warnings and breaches are
    # escalated by the rules' job, which reads them from the timelines (not on the
    # scanner's commit: one scan warns hundreds of conversations).
    (ConversationOpened, rules_on_conversation_opened),
    (MessageReceived, rules_on_message_received),
    (StatusChanged, rules_on_status_changed),
    (ConversationAssigned, rules_on_assignment),
    (RepeatContactFound, rules_on_repeat_contact),
    (RepeatContactFound, live.conversation_changed),
    # A new or changed customer is compared with those like her by a job: duplicate
    # suggestions follow within seconds (customers.actions.duplicates).
    (CustomerCreated, suggest_duplicates_of_customer),
    (CustomerUpdated, suggest_duplicates_of_customer),
    # A closed conversation (breached, or a repeat contact) may move its customer's
    # segment; orders move it in their own action.
    (StatusChanged, segment_after_closed_conversation),
    # Integrations' webhooks, after the house's own reactions: each event's deliveries are
    # made in a transaction of their own and posted by jobs (docs/architecture/webhooks.md).
    (ConversationOpened, webhooks.conversation_opened),
    (MessageReceived, webhooks.message_received),
    (ReplySent, webhooks.reply_sent),
    (ConversationAssigned, webhooks.conversation_assigned),
    (StatusChanged, webhooks.status_changed),
    (CustomerCreated, webhooks.customer_created),
    (CustomerUpdated, webhooks.customer_updated),
    (WebhookDeliveriesQueued, webhooks.send_queued_deliveries),
]


def register_all() -> None:
    for event_type, handler in HANDLERS:
        subscribe(event_type, handler)
