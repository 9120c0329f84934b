"""Outfit recommendations in the closet: the request, its task, the pages, feedback,
the wear log and the calendar; each person sees only their own."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_item
from wardrobe import outfits
from wardrobe.models import Item, Outfit, OutfitFeedback, RecommendationRequest, Wear

pytestmark = pytest.mark.django_db


def wearable(owner, category, colour="white", **fields):
    return make_item(owner, category=category, colors=[{"name": colour, "hex": "#ffffff", "share": 0.8}],
                     **fields)


@pytest.fixture
def closet(user):
    return {
        "tee": wearable(user, "short_sleeve_top", "white", purchase_price=Decimal("20000")),
        "shirt": wearable(user, "blouse_shirt", "sky_blue", purchase_price=Decimal("35000")),
        "knit": wearable(user, "sweater", "gray"),
        "jeans": wearable(user, "jeans", "denim", purchase_price=Decimal("30000")),
        "chinos": wearable(user, "long_pants", "beige"),
        "coat": wearable(user, "coat", "brown"),
        "shoes": wearable(user, "shoes", "black"),
    }


@pytest.fixture
def run_tasks(monkeypatch):
    """Generation runs in the test's process when the request's transaction commits."""
    from wardrobe.tasks import generate_recommendations

    monkeypatch.setattr(generate_recommendations, "apply_async",
                        lambda args, **options: generate_recommendations.apply(args=args))


def ask(user, django_capture_on_commit_callbacks, **options) -> RecommendationRequest:
    with django_capture_on_commit_callbacks(execute=True):
        made = outfits.request_recommendations(owner=user, **{"style": "casual", **options})
    made.refresh_from_db()
    return made


def test_a_request_makes_outfits_from_the_closet(user, closet, run_tasks, django_capture_on_commit_callbacks):
    made = ask(user, django_capture_on_commit_callbacks, temperature=5, season="winter", count=3)
    assert made.status == RecommendationRequest.Status.READY and made.enqueued_at
    stored = list(made.outfits.all())
    assert 2 <= len(stored) <= 3
    for outfit in stored:
        slots = dict(outfit.entries.values_list("slot", "item__category"))
        assert slots["outerwear"] == "coat" and "shoes" in slots  # 5 °C: the coat, and the closet's shoes
        assert outfit.explanation["en"] and outfit.explanation["ko"] and outfit.hashtags["ko"][1] == "#옷장코디"
        assert outfit.scorer_version == outfits.SCORER_VERSION


def test_generation_twice_leaves_one_set(user, closet):
    made = outfits.request_recommendations(owner=user, style="casual")
    outfits.generate_recommendations(request_id=made.pk)
    count = Outfit.objects.filter(request=made).count()
    outfits.generate_recommendations(request_id=made.pk)
    assert Outfit.objects.filter(request=made).count() == count > 0


def test_laundry_and_dispose_items_are_left_out(user, closet):
    outfits.set_available(item=closet["jeans"], available=False)
    Item.objects.filter(pk=closet["chinos"].pk).update(grade=Item.Grade.DISPOSE)
    made = outfits.request_recommendations(owner=user, style="casual", temperature=20)
    made = outfits.generate_recommendations(request_id=made.pk)
    assert made.outfits.count() == 0
    assert "bottoms" in made.message


def test_an_admins_dispose_grade_counts_too(user, closet):
    Item.objects.filter(pk=closet["jeans"].pk).update(reviewed_grade=Item.Grade.DISPOSE)
    ids = {str(garment.id) for garment in outfits.garments(user)}
    assert str(closet["jeans"].pk) not in ids and str(closet["chinos"].pk) in ids


def test_the_budget_counts_known_prices(user, closet):
    made = outfits.request_recommendations(owner=user, style="casual", temperature=25, budget=Decimal("40000"))
    made = outfits.generate_recommendations(request_id=made.pk)
    for outfit in made.outfits.all():
        assert (outfit.price or 0) <= 40000


def test_feedback_moves_the_ranking(user, closet):
    made = outfits.generate_recommendations(
        request_id=outfits.request_recommendations(owner=user, style="casual", temperature=22, count=4).pk)
    first = made.outfits.order_by("rank").first()
    first_items = set(first.entries.values_list("item_id", flat=True))
    outfits.give_feedback(outfit=first, liked=False)
    outfits.give_feedback(outfit=first, liked=False)  # the same again changes nothing
    assert OutfitFeedback.objects.filter(owner=user).count() == 1
    again = outfits.request_recommendations(owner=user, style="casual", temperature=22, count=4)
    again.seed = made.seed
    again.save()
    top = outfits.generate_recommendations(request_id=again.pk).outfits.order_by("rank").first()
    assert set(top.entries.values_list("item_id", flat=True)) != first_items


def test_feedback_outlives_the_outfit(user, closet):
    made = outfits.generate_recommendations(request_id=outfits.request_recommendations(owner=user, style="casual").pk)
    outfit = made.outfits.first()
    outfits.give_feedback(outfit=outfit, liked=True)
    outfits.delete_outfit(outfit=outfit)
    assert OutfitFeedback.objects.get(owner=user).liked
    assert outfits.preferences(user).pair_affinity


def test_wearing_logs_each_item_once_a_day_and_cost_per_wear(user, closet):
    made = outfits.generate_recommendations(
        request_id=outfits.request_recommendations(owner=user, style="casual", temperature=28).pk)
    outfit = made.outfits.first()
    outfits.wear_outfit(outfit=outfit)
    outfits.wear_outfit(outfit=outfit)
    outfits.wear_outfit(outfit=outfit, on=date.today() - timedelta(days=3))
    items = list(Item.objects.filter(outfit_entries__outfit=outfit))
    assert Wear.objects.filter(outfit=outfit).count() == 2 * len(items)
    for item in items:
        assert item.wear_count == 2 and item.last_worn_on == date.today()
        if item.purchase_price is not None:
            assert item.cost_per_wear == item.purchase_price / 2
    outfit.refresh_from_db()
    assert outfit.saved


def test_a_broker_outage_leaves_the_request_for_the_sweep(user, closet, monkeypatch,
                                                         django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    from wardrobe.tasks import generate_recommendations

    def broker_away(*args, **options):
        raise OperationalError("connection refused")

    monkeypatch.setattr(generate_recommendations, "apply_async", broker_away)
    made = ask(user, django_capture_on_commit_callbacks)
    assert made.enqueued_at is None and made.is_pending
    sent = []
    monkeypatch.setattr(generate_recommendations, "apply_async", lambda args, **options: sent.append(args[0]))
    RecommendationRequest.objects.filter(pk=made.pk).update(created_at=made.created_at - timedelta(minutes=5))
    assert outfits.sweep_recommendations() == 1 and sent == [str(made.pk)]
    assert outfits.sweep_recommendations() == 0  # sent a moment ago: on its way
    # Still pending long after: its message was lost with the broker's queue.
    RecommendationRequest.objects.filter(pk=made.pk).update(enqueued_at=timezone.now() - timedelta(minutes=15))
    assert outfits.sweep_recommendations() == 1 and sent == [str(made.pk)] * 2


def test_a_failing_generation_marks_the_request_failed(user, closet, monkeypatch):
    from wardrobe.tasks import generate_recommendations

    made = outfits.request_recommendations(owner=user, style="casual")
    monkeypatch.setattr(outfits, "garments", lambda owner: 1 / 0)
    generate_recommendations.apply(args=[str(made.pk)])
    made.refresh_from_db()
    assert made.status == RecommendationRequest.Status.FAILED and made.message


# --- Pages -------------------------------------------------------------------------------------

def test_recommend_page_shows_the_result_live(alice_client, user, closet, run_tasks,
                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("recommend"), {"style": "casual", "occasion": "work", "temperature": "8",
                                                            "precipitation": "", "season": "", "count": "3"})
    made = RecommendationRequest.objects.get(owner=user)
    assert response.status_code == 302 and response.url == reverse("recommendation-detail", args=[made.pk])
    assert made.season == outfits.season_of(date.today()) and made.occasion == "work"
    page = alice_client.get(response.url).content.decode()
    assert page.count('class="outfit"') >= 2 and "#옷장코디" not in page  # English page: English tags
    assert "#from my closet" in page and "8 °C" in page
    fragment = alice_client.get(response.url, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and b'id="recommendation-result"' in fragment.content


def test_a_pending_request_polls_with_204(alice_client, user, closet):
    made = outfits.request_recommendations(owner=user, style="casual")
    assert alice_client.get(reverse("recommendation-detail", args=[made.pk]), HTTP_HX_REQUEST="true").status_code == 204
    assert b"every 1s" in alice_client.get(reverse("recommendation-detail", args=[made.pk])).content


def test_style_is_required(alice_client, closet):
    response = alice_client.post(reverse("recommend"), {"occasion": "daily", "count": "3"})
    assert response.status_code == 200 and response.context["form"].errors["style"]
    assert not RecommendationRequest.objects.exists()


def test_outfit_actions(alice_client, user, closet):
    made = outfits.generate_recommendations(request_id=outfits.request_recommendations(owner=user, style="casual").pk)
    outfit = made.outfits.first()
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert b"Saved" in alice_client.post(reverse("outfit-save", args=[outfit.pk]), {"saved": "1"}, **htmx).content
    alice_client.post(reverse("outfit-rename", args=[outfit.pk]), {"name": "Friday"}, **htmx)
    alice_client.post(reverse("outfit-feedback", args=[outfit.pk]), {"liked": "1"}, **htmx)
    outfit.refresh_from_db()
    assert outfit.saved and outfit.name == "Friday" and outfit.feedback == "like"
    listing = alice_client.get(reverse("recommendations")).content.decode()
    assert "Friday" in listing and "Saved outfits" in listing
    alice_client.post(reverse("outfit-wear", args=[outfit.pk]), **htmx)
    calendar = alice_client.get(reverse("wear-calendar")).content.decode()
    worn_item = outfit.entries.first().item
    assert reverse("item-detail", args=[worn_item.pk]) in calendar
    assert alice_client.post(reverse("outfit-delete", args=[outfit.pk]), **htmx).content == b""
    assert not Outfit.objects.filter(pk=outfit.pk).exists()


def test_item_page_shows_wear_and_the_laundry_toggle(alice_client, user, closet):
    item = closet["tee"]
    Wear.objects.create(owner=user, item=item, worn_on=date.today())
    outfits._refresh_wear_counts([item])
    page = alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert "Times worn" in page and "₩20,000" in page
    alice_client.post(reverse("item-set-available", args=[item.pk]), {"available": "0"})
    item.refresh_from_db()
    assert not item.available
    assert "Back in the closet" in alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()


def test_closet_sorts_by_least_worn(alice_client, user, closet):
    Item.objects.filter(owner=user).update(wear_count=5)
    Item.objects.filter(pk=closet["knit"].pk).update(wear_count=0)
    page = alice_client.get(reverse("closet"), {"sort": "least_worn"})
    assert list(page.context["page"].object_list)[0].pk == closet["knit"].pk


# --- Isolation ---------------------------------------------------------------------------------

OUTFIT_URLS = [("post", "outfit-save", {"saved": "1"}), ("post", "outfit-rename", {"name": "x"}),
               ("post", "outfit-feedback", {"liked": "1"}), ("post", "outfit-wear", {}), ("post", "outfit-delete", {})]


@pytest.mark.parametrize("method, name, data", OUTFIT_URLS, ids=[name for _, name, _ in OUTFIT_URLS])
def test_another_persons_outfit_answers_404(client, user, other_user, closet, method, name, data):
    made = outfits.generate_recommendations(request_id=outfits.request_recommendations(owner=user, style="casual").pk)
    outfit = made.outfits.first()
    client.force_login(other_user)
    assert getattr(client, method)(reverse(name, args=[outfit.pk]), data).status_code == 404
    outfit.refresh_from_db()
    assert not outfit.saved and not outfit.name and not outfit.feedback and not Wear.objects.exists()


def test_another_persons_request_and_item_toggle_answer_404(client, user, other_user, closet):
    made = outfits.request_recommendations(owner=user, style="casual")
    client.force_login(other_user)
    assert client.get(reverse("recommendation-detail", args=[made.pk])).status_code == 404
    assert client.post(reverse("item-set-available", args=[closet["tee"].pk]), {"available": "0"}).status_code == 404
    assert str(made.pk) not in client.get(reverse("recommendations")).content.decode()


def test_outfits_use_only_the_owners_items(user, other_user, closet):
    wearable(other_user, "dress", "red")
    ids = {garment.id for garment in outfits.garments(user)}
    assert ids == {str(item.pk) for item in closet.values()}


@pytest.mark.parametrize("name", ["recommendations", "recommend", "wear-calendar", "weather-widget"])
def test_outfit_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
