"""The insights page: every figure equals what is computed here from the rows, in both
languages with the locale's money; a fixed number of queries; only the owner's data."""

import re
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from inference import taxonomy
from tests.factories import make_item
from wardrobe import charts, insights
from wardrobe.models import Item, Outfit, Wear

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 18)  # a Wednesday


def colour(name, hex_value, share=0.6):
    return {"name": name, "hex": hex_value, "share": share}


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12, 0))


def added(item, day: date):
    Item.objects.filter(pk=item.pk).update(created_at=aware(day))


@pytest.fixture
def closet(user, other_user):
    items = {
        "tee": make_item(user, category="short_sleeve_top", colors=[colour("white", "#f4f4f0"), colour("navy", "#1f2a4f", 0.3)],
                         purchase_price=Decimal("20000"), grade="reuse"),
        "shirt": make_item(user, category="blouse_shirt", colors=[colour("sky_blue", "#9cc3e6")],
                           purchase_price=Decimal("35000"), season_mask=0b0001),  # tagged: spring only
        "jeans": make_item(user, category="jeans", colors=[colour("denim", "#3b5a86")], purchase_price=Decimal("59000"),
                           grade="recycle", reviewed_grade="reuse"),
        "skirt": make_item(user, category="long_skirt", colors=[colour("navy", "#22305a")], grade="recycle"),
        "coat": make_item(user, category="coat", colors=[colour("brown", "#6e4a2c")], purchase_price=Decimal("189000"),
                          grade="dispose"),
        "shoes": make_item(user, category="shoes", colors=[colour("black", "#1a1a1a")], purchase_price=Decimal("79000")),
        "bag": make_item(user, category="other", colors=[]),
        "old": make_item(user, category="sweater", colors=[colour("gray", "#8d8d8d")], purchase_price=Decimal("45000")),
        "sold": make_item(user, category="hoodie", colors=[colour("black", "#222222")], purchase_price=Decimal("30000"),
                          cleanout="sell"),
        "pending": make_item(user, status=Item.Status.QUEUED),
    }
    added(items["old"], TODAY - timedelta(days=400))
    added(items["tee"], TODAY - timedelta(days=200))
    added(items["shirt"], TODAY - timedelta(days=120))
    added(items["jeans"], TODAY - timedelta(days=95))
    added(items["coat"], date(2023, 11, 2))  # before the months shown
    for name in ("skirt", "shoes", "bag", "sold", "pending"):
        added(items[name], TODAY - timedelta(days=10))
    # Someone else's closet must not show.
    theirs = make_item(other_user, category="jeans", colors=[colour("navy", "#1e2850")], purchase_price=Decimal("999000"))
    Wear.objects.create(owner=other_user, item=theirs, worn_on=TODAY - timedelta(days=1))

    def outfit(*names, on):
        made = Outfit.objects.create(owner=user, source=Outfit.Source.MANUAL)
        for name in names:
            Wear.objects.create(owner=user, item=items[name], outfit=made, worn_on=on)
        return made

    outfit("tee", "jeans", "shoes", on=TODAY)
    outfit("tee", "jeans", on=TODAY - timedelta(days=1))
    outfit("shirt", "jeans", "shoes", on=TODAY - timedelta(days=8))
    outfit("tee", "skirt", on=TODAY - timedelta(days=8))  # two outfits on one day
    Wear.objects.create(owner=user, item=items["shirt"], outfit=None, worn_on=TODAY - timedelta(days=30))  # alone
    Wear.objects.create(owner=user, item=items["coat"], outfit=None, worn_on=TODAY - timedelta(days=30))
    Wear.objects.create(owner=user, item=items["old"], worn_on=TODAY - timedelta(days=200))
    Wear.objects.create(owner=user, item=items["sold"], worn_on=TODAY - timedelta(days=3))
    Wear.objects.create(owner=user, item=items["tee"], worn_on=TODAY - timedelta(days=500))  # before the weeks shown
    return items


def expected(owner, today=TODAY):
    """The figures computed straight from the rows, without wardrobe.insights."""
    rows = [item for item in Item.objects.filter(owner=owner, status="ready") if item.cleanout not in
            ("sell", "donate", "recycle")]
    wears = list(Wear.objects.filter(owner=owner))
    per_item = Counter(wear.item_id for wear in wears)
    last = {}
    for wear in wears:
        last[wear.item_id] = max(last.get(wear.item_id, wear.worn_on), wear.worn_on)
    colours = Counter(entry["name"] for item in rows for entry in item.colors)
    seasons = Counter()
    for item in rows:
        tagged = [s.code for s in taxonomy.SEASONS if item.season_mask & taxonomy.bit(s.code, taxonomy.SEASONS)]
        for code in tagged or (item.category_term.seasons if item.category_term else ()):
            seasons[code] += 1
    priced = [item for item in rows if item.purchase_price is not None]
    cost = {item.pk: item.purchase_price / per_item[item.pk] for item in priced if per_item[item.pk]}
    cutoff = today - timedelta(days=90)
    unworn = {item.pk for item in rows if timezone.localtime(item.created_at).date() <= cutoff
              and (item.pk not in last or last[item.pk] < cutoff)}
    monday = today - timedelta(days=today.weekday())
    first_week = monday - timedelta(weeks=51)
    outfit_days = set()
    weekly = Counter()
    for wear in wears:
        if wear.worn_on < first_week:
            continue
        week = wear.worn_on - timedelta(days=wear.worn_on.weekday())
        if wear.outfit_id is None:
            weekly[week] += 1
        elif (wear.worn_on, wear.outfit_id) not in outfit_days:
            outfit_days.add((wear.worn_on, wear.outfit_id))
            weekly[week] += 1
    return {
        "items": len(rows),
        "left": Item.objects.filter(owner=owner, status="ready", cleanout__in=("sell", "donate", "recycle")).count(),
        "groups": Counter(item.group for item in rows),
        "categories": Counter(item.category for item in rows),
        "colours": colours,
        "seasons": seasons,
        "grades": Counter(item.reviewed_grade or item.grade or "" for item in rows),
        "total_value": sum((item.purchase_price for item in priced), Decimal(0)),
        "priced": len(priced),
        "wears": per_item,
        "cost": cost,
        "unworn": unworn,
        "months": Counter(timezone.localtime(item.created_at).date().replace(day=1) for item in rows),
        "weekly": weekly,
        "wear_rows": len(wears),
    }


def test_every_figure_equals_the_rows(user, closet):
    figures = insights.insights(owner=user, today=TODAY)
    want = expected(user)
    assert figures.items == want["items"] == 8 and figures.left == want["left"] == 1
    assert {entry.group.code: entry.count for entry in figures.groups} == want["groups"]
    assert {c.category.code: c.count for entry in figures.groups for c in entry.categories} == want["categories"]
    assert {entry.color.code: entry.count for entry in figures.colours} == want["colours"]
    assert figures.colours[0].color.code == "navy" and figures.colours[0].count == 2  # tee and skirt
    for entry in figures.colours:
        assert sum(count for count, _ in entry.shades) == entry.count
    navy = next(entry for entry in figures.colours if entry.color.code == "navy")
    assert {hex_value for _, hex_value in navy.shades} == {"#22305a", "#1f2a4f"}  # the items' own shades
    assert {entry.season.code: entry.count for entry in figures.seasons} == {
        code: want["seasons"][code] for code in ("spring", "summer", "autumn", "winter")}
    assert dict(figures.grades) == want["grades"]
    assert figures.total_value == want["total_value"] == Decimal("427000")
    assert figures.priced_items == want["priced"]
    current = {item.pk for item in Item.objects.filter(owner=user, status="ready").exclude(cleanout="sell")}
    last = {pk: max(w.worn_on for w in Wear.objects.filter(item_id=pk)) for pk in want["wears"]}
    ranked = sorted((pk for pk in want["wears"] if pk in current),
                    key=lambda pk: (-want["wears"][pk], -last[pk].toordinal(), str(pk)))
    assert [(f.pk, f.wears) for f in figures.most_worn] == [(pk, want["wears"][pk]) for pk in ranked][:5]
    assert figures.most_worn[0].pk == closet["tee"].pk and figures.most_worn[0].wears == 4
    least = sorted(current, key=lambda pk: (want["wears"][pk], last.get(pk, date.min), str(pk)))
    assert [f.pk for f in figures.least_worn] == least[:5] and least[0] == closet["bag"].pk  # never worn
    assert {f.pk for f in figures.unworn} == want["unworn"] == {closet["old"].pk}
    assert figures.unworn_count == 1
    assert [f.pk for f in figures.best_value] == sorted(want["cost"], key=want["cost"].get)[:5]
    assert [f.cost_per_wear for f in figures.worst_value] == sorted(want["cost"].values(), reverse=True)[:5]
    assert figures.best_value[0].pk == closet["tee"].pk and figures.best_value[0].cost_per_wear == Decimal("5000")
    assert figures.worst_value[0].pk == closet["coat"].pk  # 189,000 for one wear
    months = dict(figures.added_per_month)
    assert len(figures.added_per_month) == 24 and figures.added_per_month[-1][0] == date(2026, 3, 1)
    assert {month: count for month, count in months.items() if count} == {
        month: count for month, count in want["months"].items() if month >= date(2024, 4, 1)}
    assert figures.added_earlier == 1  # the coat, November 2023
    weeks = dict(figures.outfits_per_week)
    assert len(weeks) == 52 and max(weeks) == TODAY - timedelta(days=TODAY.weekday())
    assert {week: count for week, count in weeks.items() if count} == want["weekly"]
    assert weeks[max(weeks)] == 2 and sum(weeks.values()) == 8  # 4 outfits; 4 items worn alone (the old one too)
    assert figures.wears_total == want["wear_rows"]


def _numbers(html: str) -> list[str]:
    return re.findall(r">([^<>]+)</text>", html)


def test_the_page_shows_the_figures(client, user, closet, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    client.force_login(user)
    response = client.get(reverse("insights"))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["figures"].items == 8
    assert 'data-figure="total-value">₩427,000<' in html
    assert 'data-figure="unworn">1<' in html
    texts = _numbers(html)
    want = expected(user)
    for group in taxonomy.GROUPS:
        if want["groups"][group.code]:
            index = texts.index(str(group.label))
            assert texts[index + 1] == str(want["groups"][group.code])
    assert texts[texts.index("Navy") + 1] == "2"
    assert texts[texts.index("Recycle") + 1] == str(want["grades"]["recycle"])
    assert "₩5,000" in html and "₩189,000" in html  # best and worst cost per wear
    assert 'fill="#22305a"' in html and 'fill="#1f2a4f"' in html  # the navy bar in the items' own shades
    assert "999,000" not in html  # someone else's jeans
    assert "<script" not in html.split("<main>")[1]  # pictures without JavaScript


def test_korean_page_shows_won_with_the_korean_format(client, make_user, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    owner = make_user("mina", language="ko")
    make_item(owner, category="jeans", colors=[colour("denim", "#3b5a86")], purchase_price=Decimal("1234567"))
    client.force_login(owner)
    html = client.get(reverse("insights")).content.decode()
    assert 'data-figure="total-value">1,234,567원<' in html
    assert "청바지" in html and "하의" in html


def test_money_and_numbers_follow_the_locale():
    from django.utils.translation import override

    with override("en"):
        assert charts.won(Decimal("11666.67")) == "₩11,667" and charts.number(12345) == "12,345"
    with override("ko"):
        assert charts.won(Decimal("50000")) == "50,000원"
    assert charts.won(None) == "—"


def test_an_empty_closet_has_a_page(client, user):
    client.force_login(user)
    response = client.get(reverse("insights"))
    assert response.status_code == 200 and b"Nothing to show yet" in response.content


def test_chart_labels_are_escaped():
    markup = charts.bar_chart([charts.Bar("<script>x</script>", 3)], label="a & b")
    assert "<script>" not in markup and "&lt;script&gt;" in markup and 'aria-label="a &amp; b"' in markup


def bulk_closet(owner, size: int, wear_days: int):
    """`size` items and `wear_days` days of wear (two items a day, in an outfit)."""
    categories = [c.code for c in taxonomy.CATEGORIES]
    colours = [c for c in taxonomy.COLORS]
    rows = []
    for index in range(size):
        category = categories[index % len(categories)]
        picked = colours[index % len(colours)]
        rows.append(Item(owner=owner, status=Item.Status.READY, category=category, group=taxonomy.group_of(category),
                         original=f"items/{index}.jpg", thumb_small=f"items/{index}-s.jpg",
                         colors=[{"name": picked.code, "hex": picked.hex, "share": 1.0}],
                         purchase_price=Decimal(10000 + index), grade=("reuse", "recycle", "")[index % 3]))
    items = Item.objects.bulk_create(rows)
    outfits = Outfit.objects.bulk_create([Outfit(owner=owner) for _ in range(wear_days)])
    wears = []
    for day in range(wear_days):
        for item in (items[day % size], items[(day * 7 + 1) % size]):
            wears.append(Wear(owner=owner, item=item, outfit=outfits[day], worn_on=TODAY - timedelta(days=day)))
    Wear.objects.bulk_create(wears, ignore_conflicts=True)


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_closet(client, make_user, django_assert_max_num_queries):
    small, large = make_user("small"), make_user("large")
    bulk_closet(small, 5, 10)
    bulk_closet(large, 300, 730)
    client.force_login(small)
    few = _page_queries(client, reverse("insights"))
    client.force_login(large)
    many = _page_queries(client, reverse("insights"))
    assert few == many
    with django_assert_max_num_queries(6):  # session, user, items, wears per item, wears per day and outfit
        client.get(reverse("insights"))


def test_anonymous_people_are_sent_to_log_in(client):
    response = client.get(reverse("insights"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_each_person_sees_only_their_own(client, user, other_user, closet):
    client.force_login(other_user)
    figures = client.get(reverse("insights")).context["figures"]
    assert figures.items == 1 and figures.total_value == Decimal("999000")
    assert figures.wears_total == 1
