"""The weather client against a local HTTP server that answers like Open-Meteo: answers
cached, a slow or dead provider falls back to typing, and the pages say so."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from django.core.cache import cache
from django.urls import reverse

from wardrobe import weather

pytestmark = pytest.mark.django_db


NOT_HTTP = object()
DRIP = object()  # the answer a byte every 0.1 s: every read is quick, the whole is not


class FakeOpenMeteo(BaseHTTPRequestHandler):
    answers: dict = {}
    delay = 0.0
    calls: list = []

    def do_GET(self):
        url = urlparse(self.path)
        type(self).calls.append((url.path, parse_qs(url.query)))
        time.sleep(self.delay)
        body = self.answers.get(url.path)
        if body is NOT_HTTP:  # a captive portal or a broken proxy
            self.wfile.write(b"garbage\r\n\r\n")
            return
        if body is DRIP:
            data = json.dumps(SEOUL).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            for byte in data:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.1)
            return
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


SEOUL = {"results": [{"name": "서울", "latitude": 37.57, "longitude": 126.98}]}
RAINY = {"current": {"temperature_2m": 8.4, "rain": 1.2, "showers": 0.0, "snowfall": 0.0, "weather_code": 61}}


@pytest.fixture
def provider(settings):
    FakeOpenMeteo.answers = {"/v1/search": SEOUL, "/v1/forecast": RAINY}
    FakeOpenMeteo.delay, FakeOpenMeteo.calls = 0.0, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenMeteo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.WEATHER_PROVIDER = "open-meteo"
    settings.WEATHER_GEOCODING_URL = base + "/v1/search"
    settings.WEATHER_FORECAST_URL = base + "/v1/forecast"
    settings.WEATHER_TIMEOUT_SECONDS = 0.5
    cache.clear()
    yield FakeOpenMeteo
    server.shutdown()
    cache.clear()


def test_current_weather_is_fetched_once_and_cached(provider):
    now = weather.current_weather("Seoul")
    assert now == weather.Weather(place="서울", temperature=8.4, precipitation="rain")
    assert weather.current_weather("seoul ") == now
    assert [path for path, _ in provider.calls] == ["/v1/search", "/v1/forecast"]
    assert provider.calls[1][1]["latitude"] == ["37.57"]


def test_snow_is_told_from_rain(provider):
    provider.answers["/v1/forecast"] = {"current": {"temperature_2m": -2, "snowfall": 0.4, "weather_code": 73}}
    assert weather.current_weather("Seoul").precipitation == "snow"


def test_a_slow_provider_times_out_fast_and_is_not_asked_again_at_once(provider):
    provider.delay = 2.0
    started = time.monotonic()
    with pytest.raises(weather.WeatherUnavailable):
        weather.current_weather("Seoul")
    assert time.monotonic() - started < 1.5
    calls = len(provider.calls)
    with pytest.raises(weather.WeatherUnavailable):
        weather.current_weather("Seoul")  # the failure is cached for a minute
    assert len(provider.calls) == calls


def test_a_provider_dripping_its_answer_is_cut_off_by_the_timeout(provider):
    provider.answers = {"/v1/search": DRIP}
    started = time.monotonic()
    with pytest.raises(weather.WeatherUnavailable, match="did not arrive within 0.5 seconds"):
        weather.current_weather("Seoul")
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("answers", [
    {"/v1/search": {"results": []}},  # an unknown city
    {"/v1/search": SEOUL, "/v1/forecast": b"<html>busy</html>"},  # not JSON
    {"/v1/search": SEOUL, "/v1/forecast": {"current": {}}},  # no temperature
    {"/v1/search": SEOUL},  # 404
    {"/v1/search": NOT_HTTP},
], ids=["unknown city", "not json", "no temperature", "404", "not http"])
def test_bad_answers_are_unavailable(provider, answers):
    provider.answers = answers
    with pytest.raises(weather.WeatherUnavailable):
        weather.current_weather("Seoul")


def test_a_dead_provider_is_unavailable(provider, settings):
    settings.WEATHER_GEOCODING_URL = "http://127.0.0.1:9/v1/search"  # nothing listens on the discard port
    with pytest.raises(weather.WeatherUnavailable):
        weather.current_weather("Seoul")


def test_the_recommend_form_is_filled_from_the_provider(provider, alice_client, user):
    user.city = "Seoul"
    user.save()
    response = alice_client.get(reverse("recommend"))
    form = response.context["form"]
    assert form.initial["temperature"] == 8.4 and form.initial["precipitation"] == "rain"
    assert "Today in 서울: 8.4 °C" in response.content.decode()
    widget = alice_client.get(reverse("weather-widget")).content.decode()
    assert "서울" in widget and "8.4 °C" in widget


def test_without_weather_the_form_asks_to_type_it(provider, alice_client, user):
    user.city = "Seoul"
    user.save()
    provider.answers = {}
    response = alice_client.get(reverse("recommend"))
    assert "temperature" not in response.context["form"].initial
    assert "type the temperature yourself" in response.content.decode()


def test_without_a_city_the_widget_says_where_to_set_it(provider, alice_client):
    assert "Add your city on My page" in alice_client.get(reverse("weather-widget")).content.decode()
    assert provider.calls == []


def test_no_provider_no_widget(alice_client, settings):
    settings.WEATHER_PROVIDER = ""
    assert reverse("weather-widget").encode() not in alice_client.get(reverse("home")).content


def test_an_answer_that_is_not_http_leaves_the_page_and_the_daily_mail_to_fall_back(provider, alice_client, user):
    from wardrobe import daily

    user.city = "Seoul"
    user.save()
    provider.answers = {"/v1/search": NOT_HTTP}
    response = alice_client.get(reverse("recommend"))
    assert response.status_code == 200 and "type the temperature yourself" in response.content.decode()
    cache.clear()
    assert daily.todays_weather(user) is None  # the season stands in, the mail still goes
