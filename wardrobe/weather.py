"""Today's weather from an external provider (Open-Meteo: no key), for outfits.

An outside service: answers are cached, calls time out fast, and a failure is cached for
a minute too, so a provider that is away slows no page; callers fall back to typing.
"""

import http.client
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from wardrobe.net import TooSlow, read_within

logger = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 64 * 1024
FAILURE_CACHE_SECONDS = 60
# WMO weather codes (Open-Meteo's weather_code).
SNOW_CODES = {71, 73, 75, 77, 85, 86}
RAIN_CODES = {51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 80, 81, 82, 95, 96, 99}


@dataclass(frozen=True)
class Weather:
    place: str
    temperature: float  # °C
    precipitation: str  # "", "rain" or "snow"


class WeatherUnavailable(Exception):
    pass


def enabled() -> bool:
    return settings.WEATHER_PROVIDER == "open-meteo"


def _get_json(url: str, params: dict) -> dict:
    request = urllib.request.Request(f"{url}?{urllib.parse.urlencode(params)}",
                                     headers={"User-Agent": "ai-wardrobe", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.WEATHER_TIMEOUT_SECONDS) as response:
            body = read_within(response, limit=MAX_ANSWER_BYTES, seconds=settings.WEATHER_TIMEOUT_SECONDS)
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException, TooSlow) as error:
        # HTTPException: an answer that is not HTTP (a captive portal, a broken proxy).
        raise WeatherUnavailable(f"the weather service did not answer ({error})") from error
    if len(body) > MAX_ANSWER_BYTES:
        raise WeatherUnavailable("the weather service's answer is too large")
    try:
        return json.loads(body)
    except ValueError as error:
        raise WeatherUnavailable("the weather service's answer is not JSON") from error


def _place(city: str) -> tuple[float, float, str]:
    answer = _get_json(settings.WEATHER_GEOCODING_URL, {"name": city, "count": 1, "format": "json"})
    try:
        found = answer["results"][0]
        return float(found["latitude"]), float(found["longitude"]), str(found.get("name") or city)
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise WeatherUnavailable(f"the weather service does not know {city!r}") from error


def _precipitation(current: dict) -> str:
    code = current.get("weather_code")
    if (current.get("snowfall") or 0) > 0 or code in SNOW_CODES:
        return "snow"
    if (current.get("rain") or 0) > 0 or (current.get("showers") or 0) > 0 or code in RAIN_CODES:
        return "rain"
    return ""


def current_weather(city: str) -> Weather:
    """The weather now in the city; WeatherUnavailable (cached a minute) when it cannot be had."""
    city = city.strip()
    if not enabled() or not city:
        raise WeatherUnavailable("no weather provider, or no city in the profile")
    key = "weather:" + urllib.parse.quote(city.lower())
    cached = cache.get(key)
    if isinstance(cached, str):
        raise WeatherUnavailable(cached)
    if cached is not None:
        return Weather(**cached)
    try:
        latitude, longitude, place = _place(city)
        answer = _get_json(settings.WEATHER_FORECAST_URL, {
            "latitude": latitude, "longitude": longitude, "timezone": "auto",
            "current": "temperature_2m,rain,showers,snowfall,weather_code"})
        try:
            current = answer["current"]
            weather = Weather(place=place, temperature=round(float(current["temperature_2m"]), 1),
                              precipitation=_precipitation(current))
        except (KeyError, TypeError, ValueError) as error:
            raise WeatherUnavailable("the weather service's answer has no current temperature") from error
    except WeatherUnavailable as error:
        logger.warning("weather for %r unavailable: %s", city, error)
        cache.set(key, str(error), FAILURE_CACHE_SECONDS)
        raise
    cache.set(key, weather.__dict__, settings.WEATHER_CACHE_SECONDS)
    return weather
