"""The insights page's figures, from two queries whatever the closet's size: the closet's
processed items (one row each: the columns the figures need, with its wear count and last
wear from the wear log), and the wear log per day and outfit.

The closet here is the owner's processed (ready) items, less those decided sell, donate or
recycle in the cleanout (counted apart, as `left`). The wear log counts every wear.
"""

import colorsys
import heapq
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Max
from django.utils import timezone

from inference import outfits as scorer
from inference import taxonomy
from wardrobe.models import Item, Wear, effective_grade

LEFT_DECISIONS = ("sell", "donate", "recycle")
UNWORN_DAYS = 90
MONTHS_SHOWN = 24
WEEKS_SHOWN = 52
TOP = 5  # items in each most / least worn and best / worst value list
UNWORN_SHOWN = 12
COLOUR_SHADES = 8  # a colour's bar shows at most this many of the items' own shades
UNGRADED = ""


@dataclass
class ItemFigure:
    """An item as the insights lists show it."""

    pk: object
    category: str
    thumb_small: str
    cutout: str
    cutout_small: str
    wears: int = 0
    last_worn: date | None = None
    price: Decimal | None = None

    @property
    def category_term(self):
        return taxonomy.CATEGORY_BY_CODE.get(self.category)

    @property
    def cost_per_wear(self) -> Decimal | None:
        if self.price is None or not self.wears:
            return None
        return self.price / self.wears


@dataclass
class CategoryCount:
    category: taxonomy.Category
    count: int


@dataclass
class GroupCount:
    group: taxonomy.Group
    count: int
    categories: list[CategoryCount]


@dataclass
class ColourCount:
    color: taxonomy.Color
    count: int  # items showing this colour (an item of several colours counts in each)
    shades: list[tuple[int, str]]  # (items, hex): the items' own extracted shades, light to dark


@dataclass
class SeasonCount:
    season: taxonomy.Season
    count: int
    by_group: list[tuple[taxonomy.Group, int]]


@dataclass
class Insights:
    items: int = 0
    left: int = 0  # decided sell, donate or recycle
    groups: list[GroupCount] = field(default_factory=list)
    colours: list[ColourCount] = field(default_factory=list)
    seasons: list[SeasonCount] = field(default_factory=list)
    most_worn: list[ItemFigure] = field(default_factory=list)
    least_worn: list[ItemFigure] = field(default_factory=list)
    unworn: list[ItemFigure] = field(default_factory=list)  # owned 90+ days, not worn in the last 90
    unworn_count: int = 0
    best_value: list[ItemFigure] = field(default_factory=list)  # lowest cost per wear first
    worst_value: list[ItemFigure] = field(default_factory=list)  # highest first
    priced_unworn_count: int = 0
    priced_unworn_value: Decimal = Decimal(0)
    total_value: Decimal = Decimal(0)
    priced_items: int = 0
    grades: list[tuple[str, int]] = field(default_factory=list)  # (grade code or "", items)
    added_per_month: list[tuple[date, int]] = field(default_factory=list)  # (first of the month, items)
    added_earlier: int = 0  # items added before the first month shown
    outfits_per_week: list[tuple[date, int]] = field(default_factory=list)  # (Monday, outfits worn)
    wears_total: int = 0  # wears logged of the processed items, those left out included
    today: date | None = None

    @property
    def outfits_per_week_average(self) -> float:
        weeks = self.outfits_per_week
        return sum(count for _, count in weeks) / len(weeks) if weeks else 0.0


ROW_FIELDS = ("id", "category", "group", "colors", "season_mask", "purchase_price", "created_at", "grade",
              "reviewed_grade", "user_edited_fields", "cleanout", "thumb_small", "cutout", "cutout_small")


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


HEX = re.compile(r"#[0-9a-fA-F]{6}")


def _luminance(hex_value: str) -> float:
    red, green, blue = (int(hex_value[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return colorsys.rgb_to_hls(red, green, blue)[1]


def _valid_hex(value) -> bool:
    return isinstance(value, str) and HEX.fullmatch(value) is not None


def _mean_hex(values: list[str]) -> str:
    channels = [sum(int(value[i:i + 2], 16) for value in values) / len(values) for i in (1, 3, 5)]
    return "#%02x%02x%02x" % tuple(int(round(channel)) for channel in channels)


def _shades(hexes: list[str]) -> list[tuple[int, str]]:
    """The items' own shades of one colour, light to dark, in at most COLOUR_SHADES runs
    (each the mean of its items' shades)."""
    lightness = {value: _luminance(value) for value in set(hexes)}
    ordered = sorted(hexes, key=lambda value: (-lightness[value], value))
    runs = min(COLOUR_SHADES, len(ordered))
    bounds = [round(index * len(ordered) / runs) for index in range(runs + 1)]
    return [(bounds[i + 1] - bounds[i], _mean_hex(ordered[bounds[i]:bounds[i + 1]])) for i in range(runs)]


def insights(*, owner, today: date | None = None) -> Insights:
    today = today or timezone.localdate()
    rows = list(Item.objects.filter(owner=owner, status=Item.Status.READY).values(*ROW_FIELDS)
                .annotate(worn=Count("wears"), last_worn=Max("wears__worn_on"))
                .values_list(*ROW_FIELDS, "worn", "last_worn").order_by())
    first_week = today - timedelta(days=today.weekday() + 7 * (WEEKS_SHOWN - 1))
    per_day_outfit = (Wear.objects.filter(owner=owner, worn_on__gte=first_week)
                      .values("worn_on", "outfit_id").annotate(n=Count("pk"))
                      .values_list("worn_on", "outfit_id", "n").order_by())

    result = Insights(today=today)
    group_counts: Counter = Counter()
    category_counts: Counter = Counter()
    colour_hexes: dict[str, list[str]] = defaultdict(list)
    season_groups: dict[str, Counter] = {season.code: Counter() for season in taxonomy.SEASONS}
    grades: Counter = Counter()
    months: Counter = Counter()
    figures = []
    zone = timezone.get_current_timezone()
    season_sets: dict = {}
    unworn_before = today - timedelta(days=UNWORN_DAYS)
    first_month = _month_start(today, MONTHS_SHOWN - 1)
    for (pk, category, group, colors, season_mask, price, created_at, grade, reviewed_grade, edited, cleanout,
         thumb_small, cutout, cutout_small, count, last) in rows:
        result.wears_total += count
        if cleanout in LEFT_DECISIONS:
            result.left += 1
            continue
        result.items += 1
        group_counts[group] += 1
        category_counts[category] += 1
        for color in colors or []:
            if color.get("name") in taxonomy.COLOR_BY_CODE:
                hex_value = color.get("hex")
                colour_hexes[color["name"]].append(
                    hex_value if _valid_hex(hex_value) else taxonomy.COLOR_BY_CODE[color["name"]].hex)
        # Seasons as the outfits see them: the ones tagged, else the category's usual ones.
        seasons = season_sets.get((category, season_mask))
        if seasons is None:
            seasons = season_sets[category, season_mask] = scorer.Garment(
                id="", category=category,
                seasons=frozenset(s.code for s in taxonomy.from_mask(season_mask, taxonomy.SEASONS))).season_set
        for season in seasons:
            season_groups[season][group] += 1
        grades[effective_grade(grade=grade, reviewed_grade=reviewed_grade, user_edited_fields=edited)
               or UNGRADED] += 1
        added = created_at.astimezone(zone).date()
        if added >= first_month:
            months[added.replace(day=1)] += 1
        else:
            result.added_earlier += 1
        figure = ItemFigure(pk=pk, category=category, thumb_small=thumb_small, cutout=cutout, cutout_small=cutout_small, wears=count,
                            last_worn=last, price=price)
        figures.append((figure, added))
        if price is not None:
            result.total_value += price
            result.priced_items += 1
            if not count:
                result.priced_unworn_count += 1
                result.priced_unworn_value += price

    result.groups = [
        GroupCount(group, group_counts[group.code],
                   [CategoryCount(category, category_counts[category.code]) for category in taxonomy.CATEGORIES
                    if category.group == group.code and category_counts[category.code]])
        for group in taxonomy.GROUPS if group_counts[group.code]]
    uncategorised = group_counts[""]
    if uncategorised:
        result.groups.append(GroupCount(taxonomy.Group("", "Uncategorised", "미분류"), uncategorised, []))
    result.colours = sorted(
        (ColourCount(color, len(colour_hexes[color.code]), _shades(colour_hexes[color.code]))
         for color in taxonomy.COLORS if colour_hexes[color.code]),
        key=lambda entry: -entry.count)
    result.seasons = [SeasonCount(season, sum(season_groups[season.code].values()),
                                  [(group, season_groups[season.code][group.code]) for group in taxonomy.GROUPS
                                   if season_groups[season.code][group.code]])
                      for season in taxonomy.SEASONS]
    result.grades = [(code, grades[code]) for code in (*Item.Grade.values, UNGRADED) if grades[code]]

    # Wear: most and least worn, unworn lately, value for money.
    never = date.min
    items = [figure for figure, _ in figures]
    result.most_worn = heapq.nsmallest(TOP, (figure for figure in items if figure.wears), key=lambda f: (
        -f.wears, -(f.last_worn or never).toordinal(), f.pk))
    result.least_worn = heapq.nsmallest(TOP, items, key=lambda f: (f.wears, (f.last_worn or never), f.pk))
    unworn = [figure for figure, added in figures if added <= unworn_before
              and (figure.last_worn is None or figure.last_worn < unworn_before)]
    result.unworn_count = len(unworn)
    result.unworn = heapq.nsmallest(UNWORN_SHOWN, unworn, key=lambda f: ((f.last_worn or never), f.pk))
    valued = [figure for figure in items if figure.price is not None and figure.wears]
    result.best_value = heapq.nsmallest(TOP, valued, key=lambda f: (f.cost_per_wear, f.pk))
    result.worst_value = heapq.nlargest(TOP, valued, key=lambda f: (f.cost_per_wear, f.pk))

    # Over time.
    month = first_month
    oldest = min((added for _, added in figures), default=today)
    if oldest > first_month:  # a young closet: from its first month, at least 6 months
        month = min(oldest.replace(day=1), _month_start(today, 5))
    while month <= today:
        result.added_per_month.append((month, months[month]))
        month = _month_start(month, -1)
    weeks: Counter = Counter()
    for worn_on, outfit_id, count in per_day_outfit:
        # As the calendar shows them: an outfit once a day; an item worn alone (or from a
        # deleted outfit) as an outfit of its own.
        weeks[worn_on - timedelta(days=worn_on.weekday())] += 1 if outfit_id else count
    result.outfits_per_week = [(first_week + timedelta(weeks=index), weeks[first_week + timedelta(weeks=index)])
                               for index in range(WEEKS_SHOWN)]
    return result
