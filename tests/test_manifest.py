"""The web app is installable: a manifest linked from every page, with icons of the sizes it names."""

import json
from pathlib import Path

import pytest
from PIL import Image

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_the_manifest_names_its_icons_and_standalone_display():
    manifest = json.loads((STATIC / "manifest.webmanifest").read_text())
    assert manifest["display"] == "standalone" and manifest["theme_color"] == "#3b5bdb"
    assert manifest["start_url"].startswith("/") and manifest["name"] and manifest["short_name"]
    purposes = set()
    for icon in manifest["icons"]:
        width, height = (int(n) for n in icon["sizes"].split("x"))
        with Image.open(STATIC / icon["src"]) as image:
            assert image.format == "PNG" and image.size == (width, height), icon
        purposes.add(icon["purpose"])
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"} and "maskable" in purposes


@pytest.mark.django_db
def test_every_page_links_the_manifest_and_it_is_served(client):
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="manifest"' in page and 'name="theme-color" content="#3b5bdb"' in page
    response = client.get("/static/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/manifest+json")
    json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
