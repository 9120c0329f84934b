"""Numbers and money in the active locale: {{ amount|won }}, {{ count|number }}."""

from django import template

from wardrobe import charts

register = template.Library()


@register.filter
def won(amount) -> str:
    return charts.won(amount)


@register.filter
def number(value) -> str:
    return "—" if value is None else charts.number(value)
