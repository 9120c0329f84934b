"""Each person sees only their own items and photos: every item URL answers 404 to anyone else."""

import pytest
from django.urls import reverse

from tests.factories import make_item
from wardrobe.models import Item
from wardrobe.views import MEDIA_KINDS

pytestmark = pytest.mark.django_db

ITEM_URLS = [
    ("get", "item-detail", {}),
    ("post", "item-edit", {"category": "hoodie"}),
    ("post", "item-set-category", {"category": "hoodie"}),
    ("get", "item-delete", {}),
    ("post", "item-delete", {}),
    ("post", "item-retry", {}),
    ("get", "item-status", {}),
    ("post", "item-remove-defect", {"index": 0}),
    ("post", "item-check-listing", {"text": "like new"}),
] + [("get", "item-media", {"kind": kind}) for kind in MEDIA_KINDS]
URL_KWARGS = ("kind", "index")
STAIN = {"type": "stain", "confidence": 0.9, "box": [0.2, 0.2, 0.3, 0.3]}


def _url(name, item, params):
    return reverse(name, kwargs={"item_id": item.pk, **{k: v for k, v in params.items() if k in URL_KWARGS}})


def _data(params):
    return {k: v for k, v in params.items() if k not in URL_KWARGS}


def ready_item(owner):
    from tests.test_closet_views import ready_item as processed

    return processed(owner, defects=[STAIN])


@pytest.mark.parametrize("method, name, params", ITEM_URLS, ids=[f"{m} {n} {p.get('kind', '')}" for m, n, p in ITEM_URLS])
def test_another_person_gets_404(client, user, other_user, method, name, params):
    item = ready_item(user)
    client.force_login(other_user)
    response = getattr(client, method)(_url(name, item, params), _data(params))
    assert response.status_code == 404
    assert Item.objects.filter(pk=item.pk, category="hoodie", user_edited_fields=[], defect_count=1).exists()


@pytest.mark.parametrize("method, name, params", ITEM_URLS, ids=[f"{m} {n} {p.get('kind', '')}" for m, n, p in ITEM_URLS])
def test_the_owner_gets_through(client, user, method, name, params):
    item = ready_item(user)
    if name == "item-retry":
        Item.objects.filter(pk=item.pk).update(status=Item.Status.FAILED)
    client.force_login(user)
    response = getattr(client, method)(_url(name, item, params), _data(params))
    assert response.status_code in (200, 204, 302)


@pytest.mark.parametrize("method, name, params", ITEM_URLS, ids=[f"{m} {n} {p.get('kind', '')}" for m, n, p in ITEM_URLS])
def test_anonymous_is_sent_to_login(client, user, method, name, params):
    item = make_item(user)
    response = getattr(client, method)(_url(name, item, params))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_closet_and_home_list_only_your_items(client, user, other_user):
    mine = ready_item(user)
    theirs = ready_item(other_user)
    client.force_login(user)
    closet = client.get(reverse("closet")).content.decode()
    home = client.get(reverse("home")).content.decode()
    assert str(mine.pk) in closet and str(theirs.pk) not in closet
    assert str(theirs.pk) not in home


def test_similar_items_never_come_from_another_closet(client, user, other_user):
    mine = ready_item(user)
    ready_item(other_user)  # same embedding, other owner
    client.force_login(user)
    response = client.get(reverse("item-detail", args=[mine.pk]))
    assert response.context["similar"] == []


def test_forms_need_the_csrf_token(user):
    from django.test import Client

    item = ready_item(user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    for name in ("item-edit", "item-delete", "item-retry", "item-set-category", "item-check-listing"):
        assert strict.post(reverse(name, args=[item.pk]), {"category": "coat"}).status_code == 403
    assert strict.post(reverse("item-remove-defect", args=[item.pk, 0])).status_code == 403
    assert strict.post(reverse("upload"), {}).status_code == 403
    assert Item.objects.get(pk=item.pk).category == "hoodie" and Item.objects.get(pk=item.pk).defect_count == 1


OFF_SITE = ["https://evil.example/phish", "//evil.example/phish"]


@pytest.mark.parametrize("target", OFF_SITE)
@pytest.mark.parametrize("name, data", [
    ("outfit-save", {"saved": "1"}), ("outfit-rename", {"name": "x"}), ("outfit-feedback", {"liked": "1"}),
    ("outfit-wear", {}), ("outfit-delete", {}),
])
def test_outfit_actions_never_redirect_off_site(alice_client, user, name, data, target):
    from wardrobe.models import Outfit

    outfit = Outfit.objects.create(owner=user)
    response = alice_client.post(reverse(name, args=[outfit.pk]), {**data, "next": target})
    assert response.status_code == 302
    assert response.url == reverse("recommendations")


def test_outfit_actions_follow_a_next_on_this_site(alice_client, user):
    from wardrobe.models import Outfit

    outfit = Outfit.objects.create(owner=user)
    response = alice_client.post(reverse("outfit-save", args=[outfit.pk]), {"saved": "1", "next": "/outfits/calendar/"})
    assert response.url == "/outfits/calendar/"


def test_only_staff_who_may_view_products_get_a_hidden_products_photo(client, make_user):
    from django.contrib.auth.models import Permission

    from tests.test_catalog import make_product

    product = make_product("H1", hidden=True)
    url = reverse("admin-product-media", args=[product.pk])
    clerk = make_user("clerk", is_staff=True)  # staff, no model permissions
    client.force_login(clerk)
    assert client.get(reverse("admin:catalog_product_changelist")).status_code == 403
    assert client.get(url).status_code == 404
    clerk.user_permissions.add(Permission.objects.get(codename="view_product", content_type__app_label="catalog"))
    client.force_login(type(clerk).objects.get(pk=clerk.pk))  # permissions are cached on the user
    assert client.get(url).status_code == 200
