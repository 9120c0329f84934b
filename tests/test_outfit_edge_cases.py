"""Outfits at their edges: a dress among many tops and bottoms, a product priced in another currency, a weather host that does not speak HTTP."""

import socket
import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import make_item
from wardrobe import outfits, weather
from wardrobe.pairings import goes_with

pytestmark = pytest.mark.django_db


def wearable(owner, category, colour="white", **fields):
    return make_item(owner, category=category, colors=[{"name": colour, "hex": "#888888", "share": 0.8}], **fields)


@pytest.mark.parametrize("pairs", [2, 7])
def test_complete_the_look_around_a_dress_in_a_closet_of_many_tops_and_bottoms(user, pairs):
    dress = wearable(user, "dress", "pink")
    for index in range(pairs):
        wearable(user, "long_sleeve_top", "white")
        wearable(user, "long_pants", "black")
    pairings = goes_with(item=dress)
    assert pairings.look, "no look is offered around the dress"
    assert any(piece.item.pk == dress.pk for piece in pairings.look)


def test_a_shop_product_priced_in_dollars_is_not_taken_as_won_under_the_budget(user):
    from tests.test_catalog import make_product

    make_item(user, category="short_sleeve_top", purchase_price=Decimal("10000"))
    jeans = make_product("J1", group_category="jeans", price=300)  # $300, about ₩400,000
    jeans.currency = "USD"
    jeans.save(update_fields=["currency"])
    made = outfits.generate_recommendations(request_id=outfits.request_recommendations(
        owner=user, style="casual", temperature=24, shop_items=1, budget=Decimal("50000")).pk)
    for outfit in made.outfits.all():
        assert not outfit.entries.filter(product=jeans).exists(), (
            f"a $300 product within a ₩50,000 budget: {outfit.hashtags['en']}")


@pytest.fixture
def garbage_provider(settings):
    """A weather host that answers something that is not HTTP (a captive portal, a broken proxy)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            conn.recv(4096)
            conn.sendall(b"garbage\r\n\r\n")
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    settings.WEATHER_PROVIDER = "open-meteo"
    settings.WEATHER_GEOCODING_URL = base + "/v1/search"
    settings.WEATHER_FORECAST_URL = base + "/v1/forecast"
    settings.WEATHER_TIMEOUT_SECONDS = 0.5
    cache.clear()
    yield
    stop.set()
    listener.close()
    cache.clear()


def test_a_provider_answering_non_http_is_unavailable(garbage_provider):
    with pytest.raises(weather.WeatherUnavailable):
        weather.current_weather("Seoul")


def test_the_recommend_page_falls_back_when_the_provider_answers_non_http(garbage_provider, alice_client, user):
    user.city = "Seoul"
    user.save()
    response = alice_client.get(reverse("recommend"))
    assert response.status_code == 200
    assert "type the temperature yourself" in response.content.decode()


def test_the_daily_mail_falls_back_when_the_provider_answers_non_http(garbage_provider, user):
    from wardrobe import daily

    user.city = "Seoul"
    user.save()
    assert daily.todays_weather(user) is None  # the season stands in, the mail still goes
