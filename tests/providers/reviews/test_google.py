"""Google Business Profile as a concrete review source, against a fake of Google's API
and token endpoint (a real HTTP server): the polling job lists a location's reviews page
by page (star enum to a number, reviewer, comment, times), idempotently; an expired access
token is renewed with the refresh token; the agent's reply is PUT on the review, retried
on 429 and 5xx; the settings page and the API keep the tokens write-only."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs

import pytest
from django.test import Client

from sportello.accounts.models import Role
from sportello.channels.actions import update_channel
from sportello.conversations.models import Conversation, Message, Priority
from sportello.core.errors import InvalidInput
from sportello.ingest.models import RejectedInbound
from sportello.outbound.actions import attempt_delivery, send_reply
from sportello.outbound.models import Delivery, DeliveryStatus
from sportello.providers.reviews.jobs import poll_due_feeds
from sportello.providers.reviews.models import GoogleLocationState
from sportello.providers.reviews.polling import poll_channel
from tests.factories import AgentFactory
from tests.providers.fake_http import FakeProvider, Recorded, Reply, fake_provider
from tests.providers.reviews.helpers import make_reviews_channel

pytestmark = pytest.mark.django_db

ACCOUNT, LOCATION = "1098765432", "4455667788"
LOCATION_NAME = f"accounts/{ACCOUNT}/locations/{LOCATION}"
OLD_TOKEN, NEW_TOKEN = "ya29.scaduto", "ya29.nuovo"
REFRESH, CLIENT_ID, CLIENT_SECRET = (
    "1//rinnovo-gino",
    "123-abc.apps.googleusercontent.com",
    "GOCSPX-segreto",
)
REVIEWS = [
    {
        "name": f"{LOCATION_NAME}/reviews/AbFvOqk1",
        "reviewId": "AbFvOqk1",
        "reviewer": {"displayName": "Luca Verdi", "isAnonymous": False},
        "starRating": "ONE",
        "comment": "Pizza fredda e un'ora di attesa.",
        "createTime": "2026-12-05T19:02:11.123Z",
        "updateTime": "2026-12-05T19:02:11.123Z",
    },
    {
        "name": f"{LOCATION_NAME}/reviews/AbFvOqk2",
        "reviewId": "AbFvOqk2",
        "reviewer": {"displayName": "Un utente di Google", "isAnonymous": True},
        "starRating": "FIVE",
        "createTime": "2026-12-04T12:00:00Z",
        "updateTime": "2026-12-04T12:00:00Z",
    },
    {
        "name": f"{LOCATION_NAME}/reviews/AbFvOqk3",
        "reviewId": "AbFvOqk3",
        "reviewer": {"displayName": "Paola Russo"},
        "starRating": "FOUR",
        "comment": "Buona, ma il tiramisù era finito.",
        "createTime": "2026-11-30T08:15:00Z",
        "updateTime": "2026-12-01T09:00:00Z",
        "reviewReply": {"comment": "Grazie Paola!", "updateTime": "2026-12-01T10:00:00Z"},
    },
]


class FakeGoogle:
    """The location's reviews in pages of two, a token endpoint that renews, and the
    reply endpoint of each review; a request with an unknown token is refused 401."""

    def __init__(self, fake: FakeProvider) -> None:
        self.fake = fake
        self.url = fake.url
        self.reviews = list(REVIEWS)
        self.valid = {NEW_TOKEN}
        self.list_path = f"/v4/{LOCATION_NAME}/reviews"
        fake.route("GET", self.list_path, self._list)
        fake.route("POST", "/token", self._token)
        for review in REVIEWS:
            fake.route("PUT", f"/v4/{review['name']}/reply", self._reply)

    def _refused(self, request: Recorded) -> Reply | None:
        if request.header("authorization").removeprefix("Bearer ") in self.valid:
            return None
        error = {"code": 401, "message": "Request had invalid authentication credentials."}
        return Reply(401, {"error": {**error, "status": "UNAUTHENTICATED"}})

    def _list(self, request: Recorded) -> Reply:
        if refused := self._refused(request):
            return refused
        start = int((request.query.get("pageToken") or ["0"])[0])
        size = min(int(request.query["pageSize"][0]), 2)
        page = {"reviews": self.reviews[start : start + size], "totalReviewCount": 3}
        if start + size < len(self.reviews):
            page["nextPageToken"] = str(start + size)
        return Reply(json=page)

    def _token(self, request: Recorded) -> Reply:
        form = parse_qs(request.body.decode())
        expected = {
            "grant_type": ["refresh_token"],
            "refresh_token": [REFRESH],
            "client_id": [CLIENT_ID],
            "client_secret": [CLIENT_SECRET],
        }
        if form != expected:
            return Reply(400, {"error": "invalid_grant", "error_description": "Bad Request"})
        return Reply(json={"access_token": NEW_TOKEN, "expires_in": 3599, "token_type": "Bearer"})

    def _reply(self, request: Recorded) -> Reply:
        if refused := self._refused(request):
            return refused
        return Reply(json={**request.json(), "updateTime": "2026-12-06T10:00:00Z"})

    def lists(self) -> list[Recorded]:
        return self.fake.sent("GET", self.list_path)


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with fake_provider() as fake:
        yield FakeGoogle(fake)


def google_config(google: FakeGoogle, **extra: str) -> dict[str, str]:
    return {
        "google_account_id": ACCOUNT,
        "google_location_id": LOCATION,
        "google_access_token": OLD_TOKEN,
        "google_refresh_token": REFRESH,
        "google_client_id": CLIENT_ID,
        "google_client_secret": CLIENT_SECRET,
        "google_api_url": f"{google.url}/v4",
        "google_token_url": f"{google.url}/token",
        **extra,
    }


@pytest.fixture
def channel(workspace, google):
    return make_reviews_channel(workspace.pk, **google_config(google))


def _conversation(review_id: str) -> Conversation:
    return Message.objects.get(external_id=f"google:{review_id}").conversation


def test_the_job_reads_every_page_renewing_the_expired_token_once(
    channel, google, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        poll_due_feeds()

    # The expired token was refused once, renewed, then both pages read with the new one.
    assert len(google.fake.sent("POST", "/token")) == 1
    tokens = [r.header("authorization") for r in google.lists()]
    assert tokens == [f"Bearer {OLD_TOKEN}", f"Bearer {NEW_TOKEN}", f"Bearer {NEW_TOKEN}"]
    assert [r.query.get("pageToken") for r in google.lists()] == [None, None, ["2"]]
    messages = {m.external_id: m for m in Message.objects.filter(channel=channel)}
    assert sorted(messages) == ["google:AbFvOqk1", "google:AbFvOqk2", "google:AbFvOqk3"]
    luca = messages["google:AbFvOqk1"]
    assert luca.text == "Pizza fredda e un'ora di attesa."
    assert luca.data["review"] == {
        "id": "AbFvOqk1",
        "source": "google",
        "rating": 1,
        "author": "Luca Verdi",
        "url": "",
        "title": "",
        "kind": "review",
        "resource": f"{LOCATION_NAME}/reviews/AbFvOqk1",
    }
    assert luca.conversation.priority == Priority.HIGH  # one star: the default rule
    assert messages["google:AbFvOqk2"].data["review"]["author"] == ""  # anonymous
    assert messages["google:AbFvOqk2"].data["review"]["rating"] == 5
    assert messages["google:AbFvOqk3"].data["review"]["rating"] == 4
    state = GoogleLocationState.objects.get(channel=channel)
    assert (state.access_token, state.imported, state.last_error) == (NEW_TOKEN, 3, "")
    assert state.newest_update == "2026-12-05T19:02:11.123Z"


def test_a_second_read_stops_at_what_it_saw_and_duplicates_nothing(channel, google):
    poll_channel(channel.pk)
    google.reviews.insert(
        0,
        {
            "name": f"{LOCATION_NAME}/reviews/AbFvOqk9",
            "reviewId": "AbFvOqk9",
            "reviewer": {"displayName": "Maria Bianchi"},
            "starRating": "THREE",
            "comment": "Nella media.",
            "createTime": "2026-12-06T08:00:00Z",
            "updateTime": "2026-12-06T08:00:00Z",
        },
    )
    reads = len(google.lists())

    done = poll_channel(channel.pk)

    assert done.imported == 1 and done.errors == []
    assert len(google.lists()) == reads + 1  # the first page reached what was seen
    assert len(google.fake.sent("POST", "/token")) == 1  # the renewed token still valid
    GoogleLocationState.objects.update(newest_update="")
    again = poll_channel(channel.pk)
    assert (again.imported, again.duplicates) == (0, 4)
    assert Conversation.objects.filter(channel=channel).count() == 4


def test_a_revoked_refresh_token_is_recorded_and_shown(workspace, google, admin_api_client):
    channel = make_reviews_channel(
        workspace.pk, **google_config(google, google_refresh_token="1//revocato")
    )

    done = poll_channel(channel.pk)

    assert done.imported == 0 and "invalid_grant" in done.errors[0]
    assert RejectedInbound.objects.filter(source="reviews", reason__contains="invalid_grant")
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN)
    browser = Client()
    browser.force_login(admin.user)
    page = browser.get(f"/settings/channels/{channel.pk}/").content.decode()
    assert LOCATION_NAME in page and "invalid_grant" in page


def test_the_reply_is_put_on_google_retried_on_429_and_503(
    channel, google, agent, django_capture_on_commit_callbacks
):
    poll_channel(channel.pk)
    luca = _conversation("AbFvOqk1")
    path = f"/v4/{LOCATION_NAME}/reviews/AbFvOqk1/reply"
    google.fake.then(
        "PUT",
        path,
        Reply(
            429, {"error": {"code": 429, "message": "Quota exceeded"}}, headers={"Retry-After": "0"}
        ),
        Reply(503, {"error": {"code": 503, "message": "The service is currently unavailable."}}),
    )

    with django_capture_on_commit_callbacks(execute=True):
        send_reply(luca, agent, "Ci scusi Luca, la aspettiamo per rimediare.")

    puts = google.fake.sent("PUT", path)
    assert len(puts) == 3
    assert puts[-1].json() == {"comment": "Ci scusi Luca, la aspettiamo per rimediare."}
    assert puts[-1].header("authorization") == f"Bearer {NEW_TOKEN}"
    delivery = Delivery.objects.get()
    if delivery.status != DeliveryStatus.SENT:
        attempt_delivery(delivery.pk)
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider_message_id == "google:AbFvOqk1"


def test_the_reply_renews_a_token_google_refuses(
    channel, google, agent, django_capture_on_commit_callbacks
):
    poll_channel(channel.pk)
    google.valid = {"ya29.ancora-piu-nuovo"}
    google.fake.route(
        "POST", "/token", Reply(json={"access_token": "ya29.ancora-piu-nuovo", "expires_in": 3599})
    )
    with django_capture_on_commit_callbacks(execute=True):
        send_reply(_conversation("AbFvOqk3"), agent, "Grazie Paola, il tiramisù torna sabato!")
    path = f"/v4/{LOCATION_NAME}/reviews/AbFvOqk3/reply"
    assert [r.header("authorization") for r in google.fake.sent("PUT", path)] == [
        f"Bearer {NEW_TOKEN}",
        "Bearer ya29.ancora-piu-nuovo",
    ]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_reply_longer_than_google_takes_fails_with_the_reason(
    channel, google, agent, django_capture_on_commit_callbacks
):
    poll_channel(channel.pk)
    with django_capture_on_commit_callbacks(execute=True):
        send_reply(_conversation("AbFvOqk1"), agent, "è" * 2100)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and "4096 bytes" in delivery.last_error
    assert not google.fake.sent("PUT")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"google_location_id": ""}, "google_location_id"),
        ({"google_account_id": "accounts/1"}, "google_account_id"),
        ({"google_client_secret": ""}, "refresh token, the OAuth client id and the client secret"),
        (
            {
                "google_access_token": "",
                "google_refresh_token": "",
                "google_client_id": "",
                "google_client_secret": "",
            },
            "access token",
        ),
        ({"google_api_url": "mybusiness.googleapis.com"}, "google_api_url"),
    ],
)
def test_google_settings_are_validated(workspace, google, change, words):
    with pytest.raises(InvalidInput, match=words):
        make_reviews_channel(workspace.pk, **{**google_config(google), **change})


def test_defaults_are_googles_and_tokens_are_write_only(workspace, google, admin_api_client):
    config = google_config(google)
    del config["google_api_url"], config["google_token_url"]
    channel = make_reviews_channel(workspace.pk, **config)
    assert channel.config["google_api_url"] == "https://mybusiness.googleapis.com/v4"
    assert channel.config["google_token_url"] == "https://oauth2.googleapis.com/token"

    listed = admin_api_client.get("/api/v1/channels").json()
    [shown] = [c for c in listed if c["id"] == channel.pk]
    assert shown["config"]["google_location_id"] == LOCATION
    for secret in ("google_access_token", "google_refresh_token", "google_client_secret"):
        assert shown["config"][secret] == "***"
    # Saved again with the masks: the stored secrets are kept.
    kept = update_channel(channel, config={**shown["config"], "google_location_id": "99"})
    assert kept.config["google_refresh_token"] == REFRESH


def test_the_settings_page_asks_for_googles_fields_secrets_empty(channel, workspace):
    admin = AgentFactory(workspace=workspace, role=Role.ADMIN)
    browser = Client()
    browser.force_login(admin.user)
    page = browser.get(f"/settings/channels/{channel.pk}/").content.decode()
    assert "Google Business Profile" in page
    assert f'value="{ACCOUNT}"' in page and f'value="{LOCATION}"' in page
    assert OLD_TOKEN not in page and REFRESH not in page and CLIENT_SECRET not in page
    assert "Token di accesso OAuth" in page


def test_another_location_is_read_from_its_start(channel, google):
    """GIVEN a location read up to its newest review WHEN the admin names another
    location THEN its reviews are read from the start, not cut at the old one's time."""
    poll_channel(channel.pk)
    other_name = f"accounts/{ACCOUNT}/locations/777"
    older = {
        **REVIEWS[2],
        "name": f"{other_name}/reviews/AltraSede1",
        "reviewId": "AltraSede1",
    }
    google.fake.route(
        "GET", f"/v4/{other_name}/reviews", lambda request: Reply(json={"reviews": [older]})
    )
    update_channel(channel, config={**channel.config, "google_location_id": "777"})

    done = poll_channel(channel.pk)

    assert done.imported == 1
    state = GoogleLocationState.objects.get(channel=channel)
    assert (state.location, state.imported) == (other_name, 1)
    assert state.newest_update == older["updateTime"]
