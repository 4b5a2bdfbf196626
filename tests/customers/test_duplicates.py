"""Duplicate suggestions: computed by a job after a customer changes, listed per customer
and in a review queue, dismissed for good, and in bulk by ``sportello customers dedupe``."""

from __future__ import annotations

import pytest

from sportello.accounts.actions import create_agent, issue_token
from sportello.config import cli
from sportello.core.models import Workspace
from sportello.customers.actions import create_customer, update_customer
from sportello.customers.actions.duplicates import dedupe_workspace, refresh_suggestions
from sportello.customers.models import Customer, CustomerMatchKey, DuplicateSuggestion
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _committed(django_capture_on_commit_callbacks):
    """Events are handled after a commit, which a test's transaction never makes: here each
    customer's events run (and so the suggestion job, immediate in tests) once created."""
    global _commit
    _commit = django_capture_on_commit_callbacks


def _customer(workspace, name, identities=(), **fields):
    with _commit(execute=True):
        customer = create_customer(workspace.pk, name=name, identities=list(identities))
        if fields:
            update_customer(customer, custom_fields=fields)
    return customer.pk


def test_a_new_customer_is_suggested_with_her_likely_twin_and_the_reasons(api, workspace):
    maria = _customer(workspace, "Maria Rossi", [("email", "maria@rossi-arredi.it")])
    _customer(workspace, "Giulio Neri", [("email", "giulio@example.it")])
    twin = _customer(
        workspace, "ROSSI MARIA", [("email", "ordini@rossi-arredi.it")], order_number="A-77"
    )
    answer = api.get(f"/api/v1/customers/{maria}/duplicates")
    assert answer.status_code == 200
    found = answer.json()
    assert [d["customer_id"] for d in found] == [twin]
    assert set(found[0]["reasons"]) == {"same_name", "same_company_domain"}
    assert 0.45 <= found[0]["score"] <= 1
    assert [d["customer_id"] for d in api.get(f"/api/v1/customers/{twin}/duplicates").json()] == [
        maria
    ]


def test_the_review_queue_lists_best_first_a_page_at_a_time_and_only_the_workspaces(api, workspace):
    firsts = [
        "Ada",
        "Bice",
        "Carlo",
        "Dario",
        "Ezio",
        "Fabio",
        "Gino",
        "Ivo",
        "Lea",
        "Nadia",
        "Olga",
        "Piero",
        "Rita",
        "Saul",
        "Tea",
    ]
    lasts = ["Bruno", "Zanetti"]
    for first in firsts:
        for last in lasts:
            _customer(workspace, f"{first} {last}", citta="Lecce")
            _customer(workspace, f"{last.upper()} {first.upper()}", città="Lecce")
    strong_a = _customer(workspace, "Elena Costa", [("phone", "+393471230000")])
    strong_b = _customer(workspace, "Costa Elena", [("whatsapp", "+393471230000")])
    first = api.get("/api/v1/customers/duplicates").json()
    assert len(first["items"]) == 25 and first["next_page"] == 2
    top = first["items"][0]
    assert {top["customer_id"], top["other_id"]} == {strong_a, strong_b}
    assert "same_phone" in top["reasons"]
    second = api.get("/api/v1/customers/duplicates?page=2").json()
    assert len(second["items"]) == 6 and second["next_page"] is None
    assert api.get("/api/v1/customers/duplicates?page=0").status_code == 422

    elsewhere = Workspace.objects.create(name="Altro", slug="altro")
    stranger = create_agent(elsewhere, email="capo@altro.it", password="x-Password-123")
    other_api = ApiClient(issue_token(stranger))
    assert other_api.get("/api/v1/customers/duplicates").json()["items"] == []
    assert other_api.get(f"/api/v1/customers/{strong_a}/duplicates").status_code == 404


def test_a_dismissed_pair_is_not_suggested_again(api, workspace):
    a = _customer(workspace, "Marco Ferrari", citta="Modena")
    b = _customer(workspace, "Marco Ferrari", citta="Modena")
    assert [d["customer_id"] for d in api.get(f"/api/v1/customers/{a}/duplicates").json()] == [b]
    answer = api.post(f"/api/v1/customers/{a}/duplicates/dismiss", {"other_id": b})
    assert answer.status_code == 204
    with _commit(execute=True):
        update_customer(Customer.objects.get(pk=b), name="Marco  Ferrari")
    refresh_suggestions(b)
    assert api.get(f"/api/v1/customers/{a}/duplicates").json() == []
    assert DuplicateSuggestion.objects.get().state == "dismissed"
    missing = api.post(f"/api/v1/customers/{a}/duplicates/dismiss", {"other_id": 10**12})
    assert missing.status_code == 404


def test_dedupe_finds_the_pairs_of_an_imported_list(workspace, capsys):
    """GIVEN customers imported without the job (a bulk load)
    WHEN the batch command runs
    THEN the same suggestions exist as the job would have made, and a second run adds none."""
    rows = [
        ("Chiara Fontana", {"citta": "Bologna"}),
        ("Fontana Chiara", {"citta": "Bologna"}),
        ("Paolo Greco", {}),
        ("Luisa Greco", {}),
        ("Andrea Romano", {"order_number": "B-9"}),
        ("A. Romano", {"ordini": ["B-9"]}),
    ]
    Customer.objects.bulk_create(
        [Customer(workspace=workspace, name=name, custom_fields=fields) for name, fields in rows]
    )
    assert cli.main(["customers", "dedupe", "--workspace", workspace.slug]) == 0
    out = capsys.readouterr().out
    assert '"suggested": 2' in out
    pairs = {
        frozenset(
            Customer.objects.filter(pk__in=[s.customer_a_id, s.customer_b_id]).values_list(
                "name", flat=True
            )
        )
        for s in DuplicateSuggestion.objects.all()
    }
    assert pairs == {
        frozenset({"Chiara Fontana", "Fontana Chiara"}),
        frozenset({"Andrea Romano", "A. Romano"}),
    }
    assert CustomerMatchKey.objects.exists()
    assert dedupe_workspace(workspace.pk)["suggested"] == 2
    assert DuplicateSuggestion.objects.count() == 2


def test_a_common_name_needs_more_than_the_city_and_a_shared_phone_still_suggests(api, workspace):
    """GIVEN 'Giulia Bianchi' borne by many customers, all in Milano
    WHEN one more arrives, in Milano, and another with the phone of the first
    THEN the newcomer is suggested with nobody, and the phone's owner is (reasons given,
    'common_name' among them), however many namesakes came after her. (The first three,
    suggested while their name was still rare, stay until a batch dedupe reweighs them.)"""
    first = _customer(workspace, "Giulia Bianchi", [("phone", "+393401112233")], citta="Milano")
    for n in range(8):
        _customer(workspace, "Giulia Bianchi", [("email", f"gb{n}@gmail.com")], citta="Milano")
    newcomer = _customer(workspace, "BIANCHI GIULIA", citta="Milano")
    assert api.get(f"/api/v1/customers/{newcomer}/duplicates").json() == []
    same_phone = _customer(workspace, "Giulia Bianchi", [("whatsapp", "+393401112233")])
    found = api.get(f"/api/v1/customers/{same_phone}/duplicates").json()
    assert [d["customer_id"] for d in found] == [first]
    assert {"same_name", "same_phone", "common_name"} <= set(found[0]["reasons"])
    queue = api.get("/api/v1/customers/duplicates").json()["items"]
    assert {queue[0]["customer_id"], queue[0]["other_id"]} == {first, same_phone}
    assert not [q for q in queue if newcomer in (q["customer_id"], q["other_id"])]
    dedupe_workspace(workspace.pk)
    queue = api.get("/api/v1/customers/duplicates").json()["items"]
    assert [{q["customer_id"], q["other_id"]} for q in queue] == [{first, same_phone}]


def test_namesakes_do_not_crowd_out_the_customer_with_her_phone(api, workspace, monkeypatch):
    """The job compares at most MAX_CANDIDATES customers sharing a name's blocks, the most
    recent first; those sharing her phone are looked up before them."""
    from sportello.customers.actions import duplicates

    monkeypatch.setattr(duplicates, "MAX_CANDIDATES", 2)
    giulia = _customer(workspace, "Giulia Zedda", [("phone", "+393401110000")])
    for surname in ("Zanetti", "Zoppi", "Zara"):
        _customer(workspace, f"Giulia {surname}")
    again = _customer(workspace, "ZEDDA GIULIA", [("whatsapp", "+393401110000")])
    found = api.get(f"/api/v1/customers/{again}/duplicates").json()
    assert [d["customer_id"] for d in found] == [giulia]
    assert "same_phone" in found[0]["reasons"]


def test_a_rare_name_and_the_same_city_are_suggested_by_the_job(api, workspace):
    ilaria = _customer(workspace, "Ilaria Zedda", [("email", "ilaria@gmail.com")], citta="Nuoro")
    _customer(workspace, "Ilaria Zedda", [("email", "iz@libero.it")], citta="Cagliari")
    again = _customer(workspace, "ZEDDA ILARIA", [("email", "zedda.i@gmail.com")], città="Nuoro")
    found = api.get(f"/api/v1/customers/{again}/duplicates").json()
    assert [(d["customer_id"], sorted(d["reasons"])) for d in found] == [
        (ilaria, ["same_city", "same_name"])
    ]


def _romans(workspace, count):
    """``count`` customers of Roma, with their keys written (as an import's dedupe does)."""
    Customer.objects.bulk_create(
        [
            Customer(workspace=workspace, name=f"Cliente {n}", custom_fields={"citta": "Roma"})
            for n in range(count)
        ]
    )
    dedupe_workspace(workspace.pk)


def test_a_rare_name_in_a_big_city_is_not_suggested_by_the_job_in_a_small_town_it_is(
    api, workspace
):
    """GIVEN 150 customers in Roma (more than SMALL_TOWN) and one in Nuoro
    WHEN two 'Ilaria Zedda' arrive in Roma, and two in Nuoro
    THEN the job suggests the Nuoro pair only, with the reasons name and town; a birth
    date in common lifts the Roma pair, whose reasons then say the town is common."""
    _romans(workspace, 150)
    roma = _customer(
        workspace,
        "Ilaria Zedda",
        [("email", "iz1@gmail.com")],
        citta="Roma",
        data_di_nascita="1980-05-06",
    )
    again = _customer(workspace, "ZEDDA ILARIA", [("email", "iz2@gmail.com")], citta="Roma")
    assert api.get(f"/api/v1/customers/{again}/duplicates").json() == []
    nuoro = _customer(workspace, "Anna Sanna", [("email", "as1@gmail.com")], citta="Nuoro")
    twin = _customer(workspace, "SANNA ANNA", [("email", "as2@gmail.com")], citta="Nuoro")
    found = api.get(f"/api/v1/customers/{twin}/duplicates").json()
    assert [(d["customer_id"], sorted(d["reasons"])) for d in found] == [
        (nuoro, ["same_city", "same_name"])
    ]
    born = _customer(
        workspace,
        "Ilaria Zedda",
        [("email", "iz3@gmail.com")],
        citta="Roma",
        data_di_nascita="1980-05-06",
    )
    found = api.get(f"/api/v1/customers/{born}/duplicates").json()
    assert [d["customer_id"] for d in found] == [roma]
    assert {"same_name", "same_birth_date", "same_city", "common_city"} == set(found[0]["reasons"])


def test_dedupe_compares_no_name_block_in_a_big_city_and_finds_the_small_towns(workspace):
    """The batch, on the same list: the Roma namesakes are not even compared (no name and
    a big town can reach the threshold), the Nuoro pair is suggested."""
    _romans(workspace, 150)
    rows = [
        ("Ilaria Zedda", {"citta": "Roma"}),
        ("ZEDDA ILARIA", {"citta": "Roma"}),
        ("Anna Sanna", {"citta": "Nuoro"}),
        ("SANNA ANNA", {"citta": "Nuoro"}),
    ]
    _, _, anna, twin = (
        c.pk
        for c in Customer.objects.bulk_create(
            [Customer(workspace=workspace, name=n, custom_fields=f) for n, f in rows]
        )
    )
    counts = dedupe_workspace(workspace.pk)
    assert counts["compared"] == 1
    found = [
        (s.customer_a_id, s.customer_b_id, sorted(s.reasons))
        for s in DuplicateSuggestion.objects.all()
    ]
    assert found == [(anna, twin, ["same_city", "same_name"])]
    assert CustomerMatchKey.objects.filter(key="c:roma").count() == 152


def test_dedupe_does_not_compare_a_common_name_block_but_finds_its_shared_phone(workspace):
    """A batch over 40 'Marco Rossi' in Roma: no same-name pair is suggested and their
    name blocks are not compared; the two sharing a phone are."""
    Customer.objects.bulk_create(
        [
            Customer(workspace=workspace, name="Marco Rossi", custom_fields={"citta": "Roma"})
            for _ in range(40)
        ]
    )
    a, b = Customer.objects.order_by("pk").values_list("pk", flat=True)[:2]
    from sportello.customers.models import Identity

    Identity.objects.create(workspace=workspace, customer_id=a, kind="phone", value="+39333123")
    Identity.objects.create(workspace=workspace, customer_id=b, kind="whatsapp", value="+39333123")
    counts = dedupe_workspace(workspace.pk)
    assert counts["suggested"] == 1 and counts["compared"] == 1
    suggestion = DuplicateSuggestion.objects.get()
    assert {suggestion.customer_a_id, suggestion.customer_b_id} == {a, b}
    assert "common_name" in suggestion.reasons


def test_dedupe_compares_a_rare_name_town_by_town_and_finds_a_birth_date_across_towns(
    workspace,
):
    """GIVEN three 'Ilaria Zedda': two in Nuoro, one in Cagliari born the day one of the
    Nuoro ones was, and a 'Sara Zedda' in Nuoro
    WHEN the batch runs
    THEN the Nuoro pair (name and town) and the birth-date pair are suggested, and the
    name's block compared only the Nuoro pair (the birth date has its own block)."""
    rows = [
        ("Ilaria Zedda", {"citta": "Nuoro", "data_di_nascita": "1980-05-06"}),
        ("ZEDDA ILARIA", {"citta": "Nuoro"}),
        ("Ilaria Zedda", {"citta": "Cagliari", "data_di_nascita": "1980-05-06"}),
        ("Sara Zedda", {"citta": "Nuoro"}),
    ]
    first, second, third, sara = (
        c.pk
        for c in Customer.objects.bulk_create(
            [Customer(workspace=workspace, name=n, custom_fields=f) for n, f in rows]
        )
    )
    counts = dedupe_workspace(workspace.pk)
    found = {
        (s.customer_a_id, s.customer_b_id): sorted(s.reasons)
        for s in DuplicateSuggestion.objects.all()
    }
    assert found == {
        (first, second): ["same_city", "same_name"],
        (first, third): ["same_birth_date", "same_name"],
    }
    assert sara not in {pk for pair in found for pk in pair}
    assert counts["compared"] <= 2  # Nuoro's Ilaria pair, and the birth date's pair


def test_an_order_number_posted_for_two_records_is_evidence(workspace):
    """The shop posts order A-9 for Rossi Maria by email; the same number was noted on
    'Maria R.' (custom field): the pair is suggested with the shared order number."""
    from datetime import UTC, datetime

    from sportello.customers.actions import create_customer, update_customer
    from sportello.customers.actions.duplicates import refresh_suggestions
    from sportello.customers.actions.lifecycle import OrderIn, record_order

    maria = create_customer(workspace.pk, name="Maria R.", identities=[("phone", "+393331112233")])
    update_customer(maria, custom_fields={"ordine": "A-9"})
    posted = record_order(
        workspace.pk,
        OrderIn(
            number="A-9",
            total="5",
            currency="EUR",
            status="paid",
            placed_at=datetime(2026, 12, 1, tzinfo=UTC),
            email="rossi.maria@libero.it",
            name="ROSSI MARIA",
        ),
    )
    refresh_suggestions(maria.pk)  # her keys, as the job after her change writes them
    found = refresh_suggestions(posted.order.customer_id)
    assert [sorted((s.customer_a_id, s.customer_b_id)) for s in found] == [
        sorted((maria.pk, posted.order.customer_id))
    ]
    assert "same_order_number" in found[0].reasons
