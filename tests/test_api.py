"""The JSON API, /api/v1/: every route as its owner, as someone else (404), without
credentials and with a bad token (401); uploads with bad photos; session auth and CSRF;
throttling per token; personal access tokens on My page; the OpenAPI schema, valid, with
every operation in it exercised by the route table below."""

import hashlib
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inference import taxonomy
from accounts import tokens
from accounts.models import PersonalAccessToken
from tests.conftest import image_bytes, upload
from tests.factories import make_item
from tests.test_closet_views import ready_item
from wardrobe import outfits, services
from wardrobe.api.auth import ClientRateThrottle
from wardrobe.models import Item, Outfit, RecommendationRequest, Wear

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet(monkeypatch, sent_tasks, settings):
    """No broker, a throttle count of this test's own, and no hourly upload limit left over
    from other runs (it lives in the shared cache)."""
    monkeypatch.setattr(ClientRateThrottle, "cache", LocMemCache(f"throttle-{uuid.uuid4()}", {}))
    from wardrobe.tasks import generate_recommendations

    monkeypatch.setattr(generate_recommendations, "apply_async", lambda args, **options: None)
    settings.UPLOADS_PER_HOUR = 10**6
    return sent_tasks


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token_of(user, name="script") -> str:
    return tokens.create_token(user=user, name=name)[1]


@pytest.fixture
def world(user):
    """One of each thing of the owner's that a route names."""
    tee = ready_item(user, category="short_sleeve_top")
    ready_item(user, category="jeans")
    failed = make_item(user, status=Item.Status.FAILED, failure_reason="The photo is damaged.")
    made = outfits.request_recommendations(owner=user, style="casual", temperature=20)
    outfits.generate_recommendations(request_id=made.pk)
    made.refresh_from_db()
    outfit = made.outfits.first()
    assert made.status == RecommendationRequest.Status.READY and outfit is not None
    from tests.test_catalog import make_product

    product = make_product("API-1")
    return {"item": tee, "failed": failed, "request": made, "outfit": outfit, "product": product}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # as the schema writes it
    target: str | None = None  # the world's object in the path
    body: object = None  # JSON, or a callable giving a multipart form
    status: int = 200  # the owner's answer

    def url(self, world) -> str:
        path = self.path.replace("{kind}", "small")
        if self.target:
            name = {"item": "item_id", "failed": "item_id", "request": "request_id", "outfit": "outfit_id",
                    "product": "product_id"}[self.target]
            path = path.replace("{" + name + "}", str(world[self.target].pk))
        return path

    def send(self, client, world, headers=None):
        if callable(self.body):
            return client.post(self.url(world), self.body(), headers=headers)
        if self.method in ("get", "delete"):
            return getattr(client, self.method)(self.url(world), headers=headers)
        return getattr(client, self.method)(self.url(world), json.dumps(self.body or {}),
                                            content_type="application/json", headers=headers)

    def __str__(self):
        return f"{self.method.upper()} {self.path}"


ROUTES = [
    Route("get", "/api/v1/items/"),
    Route("post", "/api/v1/items/", body=lambda: {"photos": [upload("a.jpg", image_bytes())]}, status=201),
    Route("get", "/api/v1/items/{item_id}/", "item"),
    Route("patch", "/api/v1/items/{item_id}/", "item", {"notes": "from the API"}),
    Route("delete", "/api/v1/items/{item_id}/", "item", status=204),
    Route("get", "/api/v1/items/{item_id}/status/", "item"),
    Route("post", "/api/v1/items/{item_id}/retry/", "failed", status=202),
    Route("get", "/api/v1/items/{item_id}/media/{kind}/", "item"),
    Route("get", "/api/v1/items/{item_id}/similar-products/", "item"),
    Route("get", "/api/v1/items/{item_id}/goes-with/", "item"),
    Route("get", "/api/v1/products/{product_id}/", "product"),
    Route("get", "/api/v1/recommendations/"),
    Route("post", "/api/v1/recommendations/", body={"style": "casual"}, status=202),
    Route("get", "/api/v1/recommendations/{request_id}/", "request"),
    Route("get", "/api/v1/outfits/"),
    Route("get", "/api/v1/outfits/{outfit_id}/", "outfit"),
    Route("patch", "/api/v1/outfits/{outfit_id}/", "outfit", {"name": "Friday"}),
    Route("delete", "/api/v1/outfits/{outfit_id}/", "outfit", status=204),
    Route("post", "/api/v1/outfits/{outfit_id}/feedback/", "outfit", {"liked": True}),
    Route("post", "/api/v1/outfits/{outfit_id}/wear/", "outfit"),
]
OWNED = [route for route in ROUTES if route.target and route.target != "product"]  # products are nobody's


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_owner_gets_through_with_a_token(client, user, world, route):
    response = route.send(client, world, bearer(token_of(user)))
    assert response.status_code == route.status, response.content[:500]
    if route.status != 204 and "media" not in route.path:
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("route", OWNED, ids=str)
def test_another_person_gets_404_and_changes_nothing(client, user, other_user, world, route):
    response = route.send(client, world, bearer(token_of(other_user)))
    assert response.status_code == 404
    target = world[route.target]
    assert type(target).objects.filter(pk=target.pk).exists()
    assert not Item.objects.filter(notes="from the API").exists()
    assert not Outfit.objects.filter(name="Friday").exists() and not Wear.objects.exists()
    assert Item.objects.get(pk=world["failed"].pk).status == Item.Status.FAILED
    assert Outfit.objects.get(pk=world["outfit"].pk).feedback == ""


@pytest.mark.parametrize("name", ["items", "recommendations", "outfits"])
def test_another_persons_lists_hold_none_of_the_owners(client, other_user, world, name):
    response = client.get(f"/api/v1/{name}/", headers=bearer(token_of(other_user)))
    assert response.status_code == 200 and response.json()["count"] == 0 and response.json()["results"] == []


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_without_credentials_the_answer_is_401(client, world, route):
    response = route.send(client, world)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


BAD_TOKENS = {
    "unknown": lambda user: "wdr_" + "x" * 43,
    "not ours at all": lambda user: "some-other-api-key",
    "revoked": lambda user: _revoked(user),
    "of a deactivated account": lambda user: _deactivated(user),
    "two words": lambda user: token_of(user) + " extra",
}


def _revoked(user):
    token, secret = tokens.create_token(user=user, name="old")
    tokens.revoke_token(user=user, token_id=token.pk)
    return secret


def _deactivated(user):
    secret = token_of(user)
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    return secret


@pytest.mark.parametrize("route", ROUTES, ids=str)
@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_a_bad_token_is_401(client, user, world, route, kind):
    response = route.send(client, world, bearer(BAD_TOKENS[kind](user)))
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_bad_token_is_401_even_with_a_session(alice_client, world):
    assert alice_client.get("/api/v1/items/", headers=bearer("wdr_nope")).status_code == 401


# --- Sessions and CSRF ---------------------------------------------------------------------------

def test_the_browser_session_reads_without_a_token(alice_client, world):
    response = alice_client.get("/api/v1/items/")
    assert response.status_code == 200 and response.json()["count"] == 3


def test_a_session_write_needs_the_csrf_token(user, world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    url = f"/api/v1/items/{world['item'].pk}/"
    refused = browser.patch(url, json.dumps({"notes": "forged"}), content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    browser.get(reverse("my-page"))  # sets the CSRF cookie, as any page does
    accepted = browser.patch(url, json.dumps({"notes": "mine"}), content_type="application/json",
                             headers={"X-CSRFToken": browser.cookies["csrftoken"].value})
    assert accepted.status_code == 200 and accepted.json()["notes"] == "mine"
    for route in ROUTES:  # every write, not just this one
        if route.method != "get":
            assert route.send(browser, world).status_code == 403, route


def test_a_token_needs_no_csrf_token(user, world):
    script = Client(enforce_csrf_checks=True)
    response = script.patch(f"/api/v1/items/{world['item'].pk}/", json.dumps({"notes": "scripted"}),
                            content_type="application/json", headers=bearer(token_of(user)))
    assert response.status_code == 200


# --- Items ---------------------------------------------------------------------------------------

def test_the_list_has_the_closets_filters_and_pages(client, user, world):
    secret = token_of(user)
    everything = client.get("/api/v1/items/", headers=bearer(secret)).json()
    assert everything["count"] == 3 and everything["next"] is None
    first = everything["results"][0]
    assert set(first) >= {"id", "url", "status", "category", "colors", "thumbnail", "grade"}
    jeans = client.get("/api/v1/items/", {"category": "jeans"}, headers=bearer(secret)).json()
    assert [entry["category"] for entry in jeans["results"]] == ["jeans"]
    assert client.get("/api/v1/items/", {"status": "failed"}, headers=bearer(secret)).json()["count"] == 1
    assert client.get("/api/v1/items/", {"group": "tops"}, headers=bearer(secret)).json()["count"] == 1
    paged = client.get("/api/v1/items/", {"page_size": 2, "page": 2}, headers=bearer(secret)).json()
    assert paged["count"] == 3 and len(paged["results"]) == 1 and paged["previous"]
    bad = client.get("/api/v1/items/", {"color": "not-a-colour"}, headers=bearer(secret))
    assert bad.status_code == 400 and "color" in bad.json()
    assert client.get("/api/v1/items/", {"page": 9}, headers=bearer(secret)).status_code == 404


def test_the_list_reads_a_fixed_number_of_queries(client, user):
    secret = token_of(user)
    client.get("/api/v1/items/", headers=bearer(secret))  # the token's first use is written once

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/items/", headers=bearer(secret)).status_code == 200
        return len(captured)

    ready_item(user)
    few = queries()
    for _ in range(4):
        ready_item(user)
    assert queries() == few


def test_the_detail_is_the_item_page_in_json(client, user, world):
    item = world["item"]
    body = client.get(f"/api/v1/items/{item.pk}/", headers=bearer(token_of(user))).json()
    assert body["category"] == "short_sleeve_top" and body["status"] == "ready"
    assert body["caption_en"] and body["seasons"]
    assert {prediction["step"] for prediction in body["predictions"]} >= {"segment", "garment"}
    assert f"/api/v1/items/{item.pk}/media/small/?v=" in body["media"]["small"]  # the file's version
    assert body["media"]["original"] and body["defects"] == []


def test_an_upload_takes_several_photos_and_queues_them(client, user, quiet, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/items/", {"photos": [upload("a.jpg", image_bytes()),
                                                              upload("b.png", image_bytes("PNG"), "image/png")]},
                               headers=bearer(token_of(user)))
    assert response.status_code == 201
    body = response.json()
    assert [entry["status"] for entry in body["items"]] == ["queued", "queued"]
    assert body["rejected"] == [] and body["queue_unavailable"] is False
    assert sorted(quiet) == sorted(entry["id"] for entry in body["items"])


@pytest.mark.parametrize("name, data, reason", [
    ("notes.txt", b"hello, not a photo", "not a photo we can read"),
    ("empty.jpg", b"", "empty"),
    ("cut.jpg", image_bytes(size=(400, 300))[:300], "damaged or incomplete"),
    ("anim.gif", image_bytes("GIF"), "not accepted"),
])
def test_a_bad_photo_is_refused_with_its_reason(client, user, name, data, reason):
    response = client.post("/api/v1/items/", {"photos": [upload(name, data)]}, headers=bearer(token_of(user)))
    assert response.status_code == 400
    [rejected] = response.json()["rejected"]
    assert rejected["name"] == name and reason in rejected["reason"]
    assert not Item.objects.exists()


def test_a_good_photo_is_kept_beside_a_bad_one(client, user):
    response = client.post("/api/v1/items/", {"photos": [upload("a.jpg", image_bytes()), upload("b.jpg", b"junk")]},
                           headers=bearer(token_of(user)))
    assert response.status_code == 201
    assert len(response.json()["items"]) == 1 and response.json()["rejected"][0]["name"] == "b.jpg"


def test_the_upload_limits_are_the_pages(client, user, settings):
    secret = token_of(user)
    settings.MAX_UPLOAD_BYTES = 100
    too_big = client.post("/api/v1/items/", {"photos": [upload("a.jpg", image_bytes())]}, headers=bearer(secret))
    assert too_big.status_code == 400 and "the limit is" in too_big.json()["rejected"][0]["reason"]
    settings.MAX_UPLOAD_BYTES = 10**7
    settings.MAX_ITEMS_PER_USER = 0
    full = client.post("/api/v1/items/", {"photos": [upload("a.jpg", image_bytes())]}, headers=bearer(secret))
    assert full.status_code == 400 and "closet is full" in full.json()["rejected"][0]["reason"]
    nothing = client.post("/api/v1/items/", {}, headers=bearer(secret))
    assert nothing.status_code == 400 and nothing.json()["rejected"][0]["reason"] == "Choose at least one photo."
    json_body = client.post("/api/v1/items/", {"photos": []}, content_type="application/json", headers=bearer(secret))
    assert json_body.status_code == 415
    settings.MAX_PHOTOS_PER_UPLOAD = settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    many = client.post("/api/v1/items/", {"photos": [upload(f"{n}.jpg", image_bytes()) for n in range(3)]},
                       headers=bearer(secret))
    assert many.status_code == 400 and many.json()["rejected"][0]["reason"] == "At most 2 photos at a time."


def test_with_the_storage_away_an_upload_answers_503(client, user, monkeypatch):
    def storage_away(**kwargs):
        raise services.StorageUnavailable(saved=[])

    monkeypatch.setattr(services, "_create_item", storage_away)
    response = client.post("/api/v1/items/", {"photos": [upload("a.jpg", image_bytes())]},
                           headers=bearer(token_of(user)))
    assert response.status_code == 503 and response["Retry-After"]
    assert "storage cannot be reached" in response.json()["detail"] and response.json()["items"] == []


def test_an_answer_is_in_the_token_owners_language(client, make_user):
    korean = make_user("minji", language="ko")
    response = client.post("/api/v1/items/", {"photos": [upload("a.jpg", b"")]}, headers=bearer(token_of(korean)))
    assert response.json()["rejected"][0]["reason"] != "The file is empty."


def test_an_edit_goes_through_the_service_and_stays_the_owners(client, user, world):
    item, secret = world["item"], token_of(user)
    response = client.patch(f"/api/v1/items/{item.pk}/", json.dumps({
        "category": "hoodie", "colors": ["red"], "pattern": "striped", "purchase_price": "19000", "available": False}),
        content_type="application/json", headers=bearer(secret))
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["category"] == "hoodie" and [c["name"] for c in body["colors"]] == ["red"]
    assert body["pattern"] == "striped" and "pattern" in body["user_edited_fields"]
    assert body["available"] is False and Decimal(body["purchase_price"]) == Decimal("19000")
    assert {"category", "colors", "purchase_price"} <= set(body["user_edited_fields"])
    assert "빨간색" in body["caption_ko"] or "red" in body["caption_en"].lower()  # the caption followed
    invalid = client.patch(f"/api/v1/items/{item.pk}/", json.dumps({"category": "spacesuit", "brand": "x" * 81}),
                           content_type="application/json", headers=bearer(secret))
    assert invalid.status_code == 400 and set(invalid.json()) == {"category", "brand"}


def test_a_ticked_list_names_each_code_once_and_a_flag_is_not_a_temperature(client, user, world):
    secret = token_of(user)
    twice = client.patch(f"/api/v1/items/{world['item'].pk}/", json.dumps({"colors": ["red", "navy", "red"]}),
                         content_type="application/json", headers=bearer(secret))
    assert [c["name"] for c in twice.json()["colors"]] == ["red", "navy"]
    flood = client.patch(f"/api/v1/items/{world['item'].pk}/", json.dumps({"colors": ["red"] * 5000}),
                         content_type="application/json", headers=bearer(secret))
    assert [c["name"] for c in flood.json()["colors"]] == ["red"]
    flag = client.post("/api/v1/recommendations/", json.dumps({"style": "casual", "temperature": True}),
                       content_type="application/json", headers=bearer(secret))
    assert flag.status_code == 400 and set(flag.json()) == {"temperature"}


def test_an_owners_switch_does_not_undo_a_result_stored_meanwhile(client, user, monkeypatch):
    from wardrobe import outfits

    item, secret = make_item(user, status=Item.Status.PROCESSING), token_of(user)
    set_available = outfits.set_available

    def worker_stores_its_result_first(*, item, available):
        fresh = Item.objects.get(pk=item.pk)
        fresh.category, fresh.colors = "hoodie", [{"name": "navy", "hex": "#1e2850", "share": 0.8}]
        fresh.defects = [{"type": "stain", "confidence": 0.7, "box": [0.1, 0.1, 0.2, 0.2]}]
        fresh.save(update_fields=["category", "colors", "defects"])
        return set_available(item=item, available=available)

    monkeypatch.setattr(outfits, "set_available", worker_stores_its_result_first)
    response = client.patch(f"/api/v1/items/{item.pk}/", json.dumps({"available": False}),
                            content_type="application/json", headers=bearer(secret))
    assert response.status_code == 200
    row = Item.objects.get(pk=item.pk)
    assert (row.available, row.category, row.group, row.defect_count) == (False, "hoodie", "tops", 1)
    assert row.color_mask == taxonomy.to_mask(["navy"], taxonomy.COLORS)


def test_delete_takes_the_item_and_its_photos(client, user, world, media_storage, django_capture_on_commit_callbacks):
    item = world["item"]
    names = item.stored_files()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/items/{item.pk}/", headers=bearer(token_of(user))).status_code == 204
    assert not Item.objects.filter(pk=item.pk).exists()
    assert not any((media_storage / name).exists() for name in names)


def test_retry_requeues_a_failed_item_and_refuses_others(client, user, world, quiet,
                                                        django_capture_on_commit_callbacks):
    secret = token_of(user)
    failed = world["failed"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/items/{failed.pk}/retry/", headers=bearer(secret))
    assert response.status_code == 202 and response.json()["status"] == "queued"
    assert str(failed.pk) in quiet
    assert client.post(f"/api/v1/items/{world['item'].pk}/retry/", headers=bearer(secret)).status_code == 409
    status = client.get(f"/api/v1/items/{failed.pk}/status/", headers=bearer(secret)).json()
    assert status == {"id": str(failed.pk), "status": "queued", "failure_reason": "",
                      "status_changed_at": status["status_changed_at"]}


def test_media_is_the_photo_whatever_the_accept_header(client, user, world):
    item, secret = world["item"], token_of(user)
    response = client.get(f"/api/v1/items/{item.pk}/media/small/", headers={**bearer(secret), "Accept": "image/jpeg"})
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(f"/api/v1/items/{item.pk}/media/nope/", headers=bearer(secret)).status_code == 404
    queued = make_item(user, status=Item.Status.QUEUED)
    assert client.get(f"/api/v1/items/{queued.pk}/media/small/", headers=bearer(secret)).status_code == 404


# --- Outfits -------------------------------------------------------------------------------------

def test_a_recommendation_request_is_pending_then_ready_with_outfits(client, user, world):
    secret = token_of(user)
    response = client.post("/api/v1/recommendations/", json.dumps({"style": "casual", "temperature": 8, "count": 2}),
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code == 202
    made = response.json()
    assert made["status"] == "pending" and made["outfits"] == [] and response["Location"] == made["url"]
    outfits.generate_recommendations(request_id=made["id"])
    ready = client.get(made["url"], headers=bearer(secret)).json()
    assert ready["status"] == "ready" and ready["temperature"] == 8 and ready["season"]
    assert ready["outfits"] and ready["outfits"][0]["entries"]
    entry = ready["outfits"][0]["entries"][0]
    assert entry["item"]["id"] and entry["product"] is None
    assert client.get("/api/v1/recommendations/", headers=bearer(secret)).json()["count"] == 2
    invalid = client.post("/api/v1/recommendations/", json.dumps({"style": "cosplay", "count": 20}),
                          content_type="application/json", headers=bearer(secret))
    assert invalid.status_code == 400 and set(invalid.json()) == {"style", "count"}


def test_outfit_actions_go_through_the_outfit_services(client, user, world):
    outfit, secret = world["outfit"], token_of(user)
    url = f"/api/v1/outfits/{outfit.pk}/"
    renamed = client.patch(url, json.dumps({"name": "  Friday  "}), content_type="application/json",
                           headers=bearer(secret)).json()
    assert renamed["name"] == "Friday" and renamed["saved"] is True
    assert client.get("/api/v1/outfits/", {"saved": "true"}, headers=bearer(secret)).json()["count"] == 1
    assert client.get("/api/v1/outfits/", {"saved": "maybe"}, headers=bearer(secret)).status_code == 400
    unsaved = client.patch(url, json.dumps({"saved": False}), content_type="application/json", headers=bearer(secret))
    assert unsaved.json()["saved"] is False
    liked = client.post(url + "feedback/", json.dumps({"liked": False}), content_type="application/json",
                        headers=bearer(secret))
    assert liked.json()["feedback"] == "dislike"
    assert client.post(url + "feedback/", json.dumps({}), content_type="application/json",
                       headers=bearer(secret)).status_code == 400
    worn = client.post(url + "wear/", headers=bearer(secret))
    assert worn.status_code == 200 and worn.json()["saved"] is True
    assert Wear.objects.filter(outfit=outfit).count() == outfit.entries.count()
    assert client.delete(url, headers=bearer(secret)).status_code == 204
    assert not Outfit.objects.filter(pk=outfit.pk).exists()


def test_a_shop_product_in_an_outfit_comes_as_a_product(client, user, world):
    from tests.test_catalog import make_product
    from wardrobe.models import OutfitItem

    outfit = world["outfit"]
    product = make_product("sku-1", group_category="shoes")
    OutfitItem.objects.create(outfit=outfit, slot="shoes", product=product)
    entries = client.get(f"/api/v1/outfits/{outfit.pk}/", headers=bearer(token_of(user))).json()["entries"]
    [shop] = [entry for entry in entries if entry["slot"] == "shoes"]
    assert shop["item"] is None and shop["product"]["name"] == "Product sku-1"
    assert Decimal(shop["product"]["price"]) == 20000 and shop["product"]["url"] == "https://s.example.com/sku-1"
    response = client.post("/api/v1/recommendations/", json.dumps({"style": "casual", "shop_items": 1}),
                           content_type="application/json", headers=bearer(token_of(user)))
    assert response.status_code == 202 and response.json()["shop_items"] == 1


# --- Throttling ----------------------------------------------------------------------------------

def test_each_token_has_its_own_budget(client, user, settings):
    settings.API_RATE = "2/minute"
    phone, script = token_of(user, "phone"), token_of(user, "script")
    assert [client.get("/api/v1/items/", headers=bearer(phone)).status_code for _ in range(2)] == [200, 200]
    throttled = client.get("/api/v1/items/", headers=bearer(phone))
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert client.get("/api/v1/items/", headers=bearer(script)).status_code == 200


def test_anonymous_requests_are_throttled_per_address(client, settings):
    settings.API_ANONYMOUS_RATE = "1/minute"
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/schema/").status_code == 429
    assert client.get("/api/v1/schema/", REMOTE_ADDR="10.0.0.9").status_code == 200
    # A forged X-Forwarded-For is no new address.
    assert client.get("/api/v1/schema/", headers={"X-Forwarded-For": "10.1.1.1"}).status_code == 429


# --- Tokens on My page ---------------------------------------------------------------------------

def test_a_token_is_shown_once_and_stored_as_a_hash(alice_client, user):
    response = alice_client.post(reverse("access-token-create"), {"name": "phone"})
    assert response.status_code == 201 and "no-store" in response["Cache-Control"]
    secret = response.context["secret"]
    assert secret.startswith("wdr_") and len(secret) > 40 and secret in response.content.decode()
    token = PersonalAccessToken.objects.get(user=user)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest() and token.name == "phone"
    stored = [str(value) for value in PersonalAccessToken.objects.values_list().get()]
    assert not any(secret in value for value in stored)
    page = alice_client.get(reverse("my-page")).content.decode()
    assert secret not in page and token.prefix in page and "phone" in page and "never used" in page
    assert alice_client.get("/api/v1/items/", headers=bearer(secret)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "last used" in alice_client.get(reverse("my-page")).content.decode()


def test_a_revoked_token_stops_working_and_only_its_owner_can_revoke_it(client, user, other_user):
    token, secret = tokens.create_token(user=user, name="phone")
    client.force_login(other_user)
    assert client.post(reverse("access-token-revoke", args=[token.pk])).status_code == 404
    assert client.get("/api/v1/items/", headers=bearer(secret)).status_code == 200
    client.force_login(user)
    response = client.post(reverse("access-token-revoke", args=[token.pk]))
    assert response.status_code == 302 and response.url.endswith("#access-tokens")
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get("/api/v1/items/", headers=bearer(secret)).status_code == 401
    client.force_login(user)
    assert token.prefix not in client.get(reverse("my-page")).content.decode()


def test_tokens_need_a_name_a_login_and_have_a_limit(client, alice_client, user):
    assert alice_client.post(reverse("access-token-create"), {"name": ""}).status_code == 302
    assert not PersonalAccessToken.objects.exists()
    for number in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.create_token(user=user, name=f"t{number}")
    refused = alice_client.post(reverse("access-token-create"), {"name": "one more"}, follow=True)
    assert "the most allowed" in refused.content.decode()
    assert PersonalAccessToken.objects.count() == tokens.MAX_ACTIVE_TOKENS
    alice_client.logout()
    assert client.post(reverse("access-token-create"), {"name": "x"}).status_code == 302  # to the login page
    assert PersonalAccessToken.objects.count() == tokens.MAX_ACTIVE_TOKENS


# --- The schema ----------------------------------------------------------------------------------

def test_the_schema_is_valid_openapi_and_every_operation_in_it_is_tested_here(client):
    from openapi_spec_validator import validate

    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate(schema)
    operations = {(method, path) for path, item in schema["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}
    assert operations == {(route.method, route.path) for route in ROUTES}
    assert schema["components"]["securitySchemes"]["accessToken"] == {
        "type": "http", "scheme": "bearer", "description": "A personal access token made on My page (shown once)."}


def test_the_docs_page_serves_swagger_ui_from_this_site(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert reverse("api:schema") in html


def test_shop_and_pairings_through_the_api(client, user, world):
    from wardrobe.catalog import selectors as catalog_selectors
    from wardrobe.catalog.models import Product

    catalog_selectors.forget_tables()
    headers = bearer(token_of(user))
    similar = client.get(f"/api/v1/items/{world['item'].pk}/similar-products/", headers=headers).json()
    assert [product["id"] for product in similar] == [str(world["product"].pk)] and similar[0]["similarity"] > 0.9
    pairings = client.get(f"/api/v1/items/{world['item'].pk}/goes-with/", headers=headers).json()
    bottoms = next(slot for slot in pairings["by_slot"] if slot["slot"] == "bottom")
    assert bottoms["items"][0]["item"]["category"] == "jeans"
    assert str(world["item"].pk) in [piece["id"] for piece in pairings["look"]]
    Product.objects.filter(pk=world["product"].pk).update(hidden=True)
    assert client.get(f"/api/v1/products/{world['product'].pk}/", headers=headers).status_code == 404
