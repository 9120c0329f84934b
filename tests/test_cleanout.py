"""The cleanout: reasons (unworn, low versatility by the scorer, near-duplicates, grade),
decisions kept in the history, decided items out of the outfits, what's missing with shop
products; only the owner's own items, with a fixed number of queries."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inference import outfits as scorer
from inference import taxonomy
from tests.factories import make_item, unit_vector
from wardrobe import cleanout, outfits, versatility
from wardrobe.catalog.models import Product, Status
from wardrobe.models import CleanoutDecision, Item, Wear

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 18)


def colour(name):
    return [{"name": name, "hex": taxonomy.COLOR_BY_CODE[name].hex, "share": 0.8}]


def added(item, day: date):
    Item.objects.filter(pk=item.pk).update(created_at=timezone.make_aware(datetime(day.year, day.month, day.day, 12)))


def worn(item, day: date):
    Wear.objects.create(owner=item.owner, item=item, worn_on=day)


def reasons(owner, item, today=TODAY):
    return {reason["code"]: reason for reason in cleanout.analyse(owner=owner, today=today).entries[item.pk].reasons}


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


# --- Reasons ---------------------------------------------------------------------------------------

def test_unworn_for_the_set_months(user, settings):
    settings.CLEANOUT_UNWORN_MONTHS = 12
    long_ago = make_item(user, category="jeans", colors=colour("denim"))
    lately = make_item(user, category="jeans", colors=colour("black"))
    never_old = make_item(user, category="sweater", colors=colour("gray"))
    never_new = make_item(user, category="sweater", colors=colour("white"))
    for item in (long_ago, lately, never_old):
        added(item, TODAY - timedelta(days=900))
    added(never_new, TODAY - timedelta(days=60))
    worn(long_ago, date(2025, 1, 20))  # 13 months ago
    worn(lately, date(2025, 4, 18))  # 11 months ago
    assert reasons(user, long_ago)["unworn"] == {"code": "unworn", "months": 13, "last_worn": "2025-01-20"}
    assert "unworn" not in reasons(user, lately)
    assert reasons(user, never_old)["unworn"] == {"code": "unworn", "months": 29, "last_worn": None}
    assert "unworn" not in reasons(user, never_new)
    settings.CLEANOUT_UNWORN_MONTHS = 10
    assert reasons(user, lately)["unworn"]["months"] == 11


def test_month_arithmetic():
    assert cleanout.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert cleanout.months_before(date(2026, 3, 18), 12) == date(2025, 3, 18)
    assert cleanout.months_between(date(2025, 3, 19), date(2026, 3, 18)) == 11
    assert cleanout.months_between(date(2025, 3, 18), date(2026, 3, 18)) == 12


def test_graded_recycle_or_dispose_with_the_admins_grade_first(user):
    recycle = make_item(user, category="jeans", colors=colour("denim"), grade="recycle")
    cleared = make_item(user, category="jeans", colors=colour("denim"), grade="recycle", reviewed_grade="reuse")
    dispose = make_item(user, category="hoodie", colors=colour("gray"), reviewed_grade="dispose")
    assert reasons(user, recycle)["grade"] == {"code": "grade", "grade": "recycle"}
    assert "grade" not in reasons(user, cleared)
    assert reasons(user, dispose)["grade"]["grade"] == "dispose"


def embedded(owner, category, name, vector):
    item = make_item(owner, category=category, colors=colour(name))
    Item.objects.filter(pk=item.pk).update(embedding=np.asarray(vector, dtype=np.float16).tobytes(),
                                           embedding_version="garment-test@v-test")
    return item


def test_near_duplicates_same_shot_or_alike_of_one_category(user):
    first = embedded(user, "hoodie", "navy", unit_vector(1, 0.05))
    second = embedded(user, "hoodie", "navy", unit_vector(1, 0.0))
    other_colour = embedded(user, "hoodie", "red", unit_vector(1, 0.0))
    other_kind = embedded(user, "sweater", "navy", unit_vector(1, 0.0))
    apart = embedded(user, "hoodie", "navy", unit_vector(0.2, 1))
    shot = make_item(user, category="jeans", colors=colour("denim"))
    copy = make_item(user, category="jeans", colors=colour("denim"), duplicate_of=shot)
    assert reasons(user, first)["duplicate"]["other"] == str(second.pk)
    assert reasons(user, second)["duplicate"]["other"] == str(first.pk)
    assert reasons(user, first)["duplicate"]["similarity"] >= cleanout.NEAR_DUPLICATE_SIMILARITY
    for item in (other_colour, other_kind, apart, shot):
        assert "duplicate" not in reasons(user, item)
    assert reasons(user, copy)["duplicate"] == {"code": "duplicate", "other": str(shot.pk), "similarity": None}
    Item.objects.filter(pk=shot.pk).update(cleanout="donate")  # gone: no longer a duplicate
    assert "duplicate" not in reasons(user, copy)


# --- Versatility: counted by the scorer ---------------------------------------------------------------

def random_closet(rng, size, shoes=True):
    categories = [c.code for c in taxonomy.CATEGORIES if c.group != "other" and (shoes or c.code != "shoes")]
    codes = [c.code for c in taxonomy.COLORS] + [""]
    closet = []
    for index in range(size):
        code = rng.choice(codes)
        closet.append(scorer.Garment(
            id=str(index), category=rng.choice(categories), colors=((code, 0.6),) if code else (),
            seasons=frozenset(rng.sample([s.code for s in taxonomy.SEASONS], rng.randint(0, 2))),
            styles=frozenset(rng.sample([s.code for s in taxonomy.STYLES], rng.randint(0, 2)))))
    return closet


@pytest.mark.parametrize("seed", range(4))
def test_counts_equal_the_rule_on_every_combination(seed):
    closet = random_closet(random.Random(seed), 36, shoes=seed % 2 == 0)
    assert versatility.outfit_counts(closet) == versatility.counts_by_enumeration(closet)


def test_a_newcomers_count_is_what_it_would_be_in_the_closet():
    rng = random.Random(7)
    closet = random_closet(rng, 40)
    newcomers = cleanout._newcomers(closet)
    counts = versatility.added_counts(closet, newcomers)
    for garment in rng.sample(newcomers, 25):
        assert counts[garment.id] == versatility.outfit_counts(closet + [garment])[garment.id]


def test_the_rule_uses_the_scorers_terms():
    white, green, orange = (scorer.Garment(id=c, category=k, colors=((c, 1.0),)) for c, k in
                            (("white", "short_sleeve_top"), ("green", "long_pants"), ("orange", "short_sleeve_top")))
    assert versatility.accepts((white, green))
    assert scorer.compatibility_terms((orange, green))["colour"] < versatility.MIN_COLOUR
    assert not versatility.accepts((orange, green))
    sweater = scorer.Garment(id="s", category="sweater", colors=(("gray", 1.0),), seasons=frozenset({"summer"}))
    shorts = scorer.Garment(id="p", category="short_pants", colors=(("black", 1.0),))
    assert versatility.coherence((sweater, shorts)) < versatility.MIN_COHERENCE and not versatility.accepts((sweater, shorts))


def test_few_outfits_is_low_versatility(user):
    tops = [make_item(user, category="short_sleeve_top", colors=colour(name)) for name in ("white", "gray", "black")]
    clash = make_item(user, category="short_sleeve_top", colors=colour("orange"))
    for _ in range(3):
        make_item(user, category="long_pants", colors=colour("green"))
    make_item(user, category="shoes", colors=colour("black"))
    analysis = cleanout.analyse(owner=user, today=TODAY)
    assert [analysis.entries[top.pk].outfits for top in tops] == [3, 3, 3]
    assert analysis.entries[clash.pk].reasons == [
        {"code": "versatility", "outfits": 0, "typical": 3, "slot": "top"}]
    assert all(not analysis.entries[top.pk].reasons for top in tops)


def test_the_queue_is_fast_for_a_500_item_closet(make_user):
    import time

    owner = make_user("big")
    rng = random.Random(3)
    categories = [c.code for c in taxonomy.CATEGORIES if c.group != "other"]
    Item.objects.bulk_create([Item(
        owner=owner, status=Item.Status.READY, category=(category := rng.choice(categories)),
        group=taxonomy.group_of(category), original=f"items/{index}.jpg",
        colors=colour(rng.choice([c.code for c in taxonomy.COLORS])), season_mask=rng.randint(0, 15))
        for index in range(500)])
    cleanout.analyse(owner=owner, today=TODAY)  # the colour tables, once per process
    started = time.perf_counter()
    analysis = cleanout.analyse(owner=owner, today=TODAY)
    missing = cleanout.whats_missing(closet=analysis.closet)
    elapsed = time.perf_counter() - started
    assert len(analysis.entries) == 500 and missing is not None
    assert elapsed < 1.5, f"{elapsed:.2f} s"  # a few hundred ms here; loose for a busy machine


# --- What's missing ---------------------------------------------------------------------------------

def product(sku, category, name, *, hidden=False, processed=0):
    return Product.objects.create(
        shop="Shop", sku=sku, name=f"Product {sku}", price=Decimal("39000"), url=f"https://s.example.com/{sku}",
        image_source=f"{sku}.jpg", original=f"products/{sku}.jpg", thumb_small=f"products/{sku}-s.jpg",
        status=Status.READY, category=category, group=taxonomy.group_of(category), colors=colour(name),
        hidden=hidden, processed_at=timezone.now() - timedelta(minutes=processed))


def test_whats_missing_is_the_category_and_colour_making_most_outfits(user, client):
    for name in ("white", "navy", "gray"):
        make_item(user, category="short_sleeve_top", colors=colour(name))
    make_item(user, category="shoes", colors=colour("black"))
    analysis = cleanout.analyse(owner=user, today=TODAY)
    missing = cleanout.whats_missing(closet=analysis.closet)
    # No bottoms: a bottom makes outfits with every top, nothing else makes any.
    assert missing.best.slot == "bottom"
    newcomer = scorer.Garment(id="new", category=missing.best.category.code, colors=((missing.best.color.code, 1.0),))
    assert missing.best.outfits == versatility.outfit_counts(analysis.closet.garments + [newcomer])["new"] == 3
    counts = versatility.added_counts(analysis.closet, cleanout._newcomers(analysis.closet))
    assert missing.best.outfits == max(counts.values())

    category, name = missing.best.category.code, missing.best.color.code
    for index in range(4):
        product(f"P{index}", category, name, processed=index)
    product("hidden", category, name, hidden=True)
    product("other-colour", category, "pink" if name != "pink" else "red")
    client.force_login(user)
    html = client.get(reverse("cleanout")).content.decode()
    assert "What&#x27;s missing" in html or "What's missing" in html
    assert f"{missing.best.outfits} new outfits" in html
    assert html.count('target="_blank" rel="noopener noreferrer"') == 3
    assert "Product P0" in html and "Product P3" not in html and "Product hidden" not in html


# --- Decisions ---------------------------------------------------------------------------------------

@pytest.fixture
def queued(user):
    """A wearable closet with one item graded recycle (in the queue)."""
    closet = {name: make_item(user, category=category, colors=colour(code)) for name, category, code in (
        ("tee", "short_sleeve_top", "white"), ("shirt", "blouse_shirt", "sky_blue"), ("jeans", "jeans", "denim"),
        ("chinos", "long_pants", "beige"))}
    closet["worn_out"] = make_item(user, category="short_sleeve_top", colors=colour("gray"), grade="recycle")
    return closet


def test_the_page_lists_items_with_their_reasons(client, user, queued):
    client.force_login(user)
    response = client.get(reverse("cleanout"))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [shown["item"].pk for shown in entries] == [queued["worn_out"].pk]
    assert entries[0]["reasons"][0]["text"] == "Graded Recycle"
    assert f'action="{reverse("cleanout-decide", args=[queued["worn_out"].pk])}"' in response.content.decode()


@pytest.mark.parametrize("decision", ["sell", "donate"])
def test_sell_and_donate_open_the_listing_and_leave_the_outfits(client, user, queued, decision):
    item = queued["worn_out"]
    client.force_login(user)
    response = client.post(reverse("cleanout-decide", args=[item.pk]), {"decision": decision})
    assert response.status_code == 302
    assert response["Location"] == reverse("item-detail", args=[item.pk]) + "#listing"
    page = client.get(response["Location"]).content.decode()
    assert 'id="listing"' in page
    item.refresh_from_db()
    assert item.cleanout == decision  # kept, not deleted
    logged = CleanoutDecision.objects.get(item=item)
    assert logged.decision == decision and logged.reasons == [{"code": "grade", "grade": "recycle"}]
    assert str(item.pk) not in {garment.id for garment in outfits.garments(user)}
    assert item.pk not in {shown["item"].pk for shown in client.get(reverse("cleanout")).context["entries"]}
    history = client.get(reverse("cleanout")).context["history"]
    assert history[0]["decision"].item_id == item.pk and history[0]["can_return"]


def test_htmx_decisions(client, user, queued):
    item = queued["worn_out"]
    client.force_login(user)
    url = reverse("cleanout-decide", args=[item.pk])
    response = client.post(url, {"decision": "maybe"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"Marked maybe" in response.content
    response = client.post(url, {"decision": "sell"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("item-detail", args=[item.pk]) + "#listing"
    assert list(CleanoutDecision.objects.filter(item=item).values_list("decision", flat=True)) == ["sell", "maybe"]


def test_recycle_leaves_outfits_keep_and_maybe_stay(client, user, queued):
    client.force_login(user)
    for name, decision in (("tee", "keep"), ("shirt", "maybe"), ("worn_out", "recycle")):
        client.post(reverse("cleanout-decide", args=[queued[name].pk]), {"decision": decision})
    wearable = {garment.id for garment in outfits.garments(user)}
    assert str(queued["tee"].pk) in wearable and str(queued["shirt"].pk) in wearable
    assert str(queued["worn_out"].pk) not in wearable
    assert Item.objects.filter(pk=queued["worn_out"].pk).exists()
    # Back in the closet: a "keep" decision brings it back.
    client.post(reverse("cleanout-decide", args=[queued["worn_out"].pk]), {"decision": "keep"})
    assert str(queued["worn_out"].pk) in {garment.id for garment in outfits.garments(user)}


def test_kept_items_leave_the_queue_for_the_keep_days(user, queued, settings):
    settings.CLEANOUT_KEEP_DAYS = 180
    item = queued["worn_out"]
    made = cleanout.decide(owner=user, item=item, decision="keep")
    CleanoutDecision.objects.filter(pk=made.pk).update(
        decided_at=timezone.make_aware(datetime(TODAY.year, TODAY.month, TODAY.day, 9)))
    assert item.pk not in {entry.item.pk for entry in cleanout.queue(owner=user, today=TODAY)}
    later = TODAY + timedelta(days=181)
    assert item.pk in {entry.item.pk for entry in cleanout.queue(owner=user, today=later)}


def test_maybe_stays_in_the_queue_marked(client, user, queued):
    item = queued["worn_out"]
    cleanout.decide(owner=user, item=item, decision="maybe")
    client.force_login(user)
    response = client.get(reverse("cleanout"))
    assert [shown["item"].pk for shown in response.context["entries"]] == [item.pk]
    assert 'class="badge warn">Maybe<' in response.content.decode()


def test_an_unknown_decision_is_refused(client, user, queued):
    client.force_login(user)
    response = client.post(reverse("cleanout-decide", args=[queued["tee"].pk]), {"decision": "burn"})
    assert response.status_code == 400 and not CleanoutDecision.objects.exists()
    with pytest.raises(ValueError):
        cleanout.decide(owner=user, item=queued["tee"], decision="burn")


# --- Only the owner's ------------------------------------------------------------------------------

def test_another_person_gets_404_and_sees_none_of_it(client, user, other_user, queued):
    item = queued["worn_out"]
    client.force_login(other_user)
    response = client.post(reverse("cleanout-decide", args=[item.pk]), {"decision": "sell"})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.cleanout == "" and not CleanoutDecision.objects.exists()
    page = client.get(reverse("cleanout"))
    assert page.status_code == 200 and page.context["entries"] == [] and str(item.pk) not in page.content.decode()


@pytest.mark.parametrize("method, name", [("get", "cleanout"), ("post", "cleanout-decide")])
def test_anonymous_people_are_sent_to_log_in(client, user, queued, method, name):
    args = [queued["tee"].pk] if name == "cleanout-decide" else []
    response = getattr(client, method)(reverse(name, args=args), {"decision": "sell"} if method == "post" else {})
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not CleanoutDecision.objects.exists()


def test_the_number_of_queries_does_not_grow_with_the_closet(client, make_user):
    def closet(owner, size):
        categories = [c.code for c in taxonomy.CATEGORIES]
        items = Item.objects.bulk_create([Item(
            owner=owner, status=Item.Status.READY, category=categories[index % len(categories)],
            group=taxonomy.group_of(categories[index % len(categories)]), original=f"i/{index}.jpg",
            colors=colour(taxonomy.COLORS[index % len(taxonomy.COLORS)].code), grade=("", "recycle")[index % 2],
            embedding=np.asarray(unit_vector(1, index % 3), dtype=np.float16).tobytes(),
            embedding_version="v") for index in range(size)])
        Wear.objects.bulk_create([Wear(owner=owner, item=item, worn_on=TODAY - timedelta(days=400 + i))
                                  for i, item in enumerate(items)])
        for item in items[:3]:
            CleanoutDecision.objects.create(owner=owner, item=item, decision="keep")
        Item.objects.filter(pk__in=[item.pk for item in items[:3]]).update(cleanout="keep")

    small, large = make_user("small"), make_user("large")
    closet(small, 6)
    closet(large, 200)
    counts = []
    for owner in (small, large):
        client.force_login(owner)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cleanout")).status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] <= 8, counts
