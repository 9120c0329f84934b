"""The shop catalog: feeds in (good rows imported, bad rows told, re-imports idempotent,
repeated photos skipped), remote images fetched with the upload's limits, products
through the pipeline, "similar in the shop", "find it in the shop", shop items in outfits."""

import io
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from tests.conftest import FIXTURES, image_bytes, photo_bytes, upload
from tests.factories import fake_result, make_item, unit_vector
from wardrobe import outfits
from wardrobe.catalog import selectors, services
from wardrobe.catalog.models import Product, ShopSearch, Status
from wardrobe.catalog.processing import ProductPhotos, SearchPhotos

pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parent.parent / "wardrobe" / "catalog" / "sample"
HEADER = "sku,name,brand,price,currency,url,image\n"


def photo(color, size=(80, 100), pattern=0) -> bytes:
    """A distinct photo per colour and pattern (its perceptual hash differs)."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 10 + pattern):
        for y in range(0, size[1], 7 + 2 * pattern):
            image.putpixel((x, y), (255 - color[0], 255 - color[1], 255 - color[2]))
    if pattern:
        image = image.rotate(pattern * 20)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def feed_dir(tmp_path):
    (tmp_path / "a.jpg").write_bytes(photo_bytes("tshirt"))
    (tmp_path / "b.jpg").write_bytes(photo_bytes("pants"))
    (tmp_path / "a-copy.jpg").write_bytes(photo_bytes("tshirt"))  # the same shot again
    (tmp_path / "not-a-photo.jpg").write_text("<html>nope</html>")
    return tmp_path


@pytest.fixture
def no_broker(monkeypatch):
    sent = []
    from inference.tasks import process_photos

    monkeypatch.setattr(process_photos, "apply_async", lambda args, **options: sent.append(tuple(args)))
    return sent


def test_a_feed_imports_good_rows_and_reports_bad_ones(feed_dir, no_broker, django_capture_on_commit_callbacks):
    feed = feed_dir / "feed.csv"
    feed.write_text(HEADER + "\n".join([
        "T1,Crew tee,Brand,19000,KRW,https://shop.example.com/t1,a.jpg",
        "P1,Trousers,,45000,,https://shop.example.com/p1,b.jpg",
        "T2,Tee again,Brand,19000,KRW,https://shop.example.com/t2,a-copy.jpg",
        "X1,No price,Brand,,KRW,https://shop.example.com/x1,a.jpg",
        "X2,Bad url,Brand,100,KRW,javascript:alert(1),a.jpg",
        "X3,Not a photo,Brand,100,KRW,https://shop.example.com/x3,not-a-photo.jpg",
        "X4,Missing file,Brand,100,KRW,https://shop.example.com/x4,gone.jpg",
        "X5,Bad currency,Brand,100,WON!,https://shop.example.com/x5,a.jpg",
        "T1,Twice,Brand,1,KRW,https://shop.example.com/t1,a.jpg",
    ]) + "\n")
    report = services.import_feed(path=feed, shop="Test shop")
    assert report.created == ["T1", "P1"], report
    assert report.duplicates == [(4, "T2", "T1")]
    reasons = {bad.line: bad.reason for bad in report.bad}
    assert set(reasons) == {5, 6, 7, 8, 9, 10}
    assert "price missing" in reasons[5] and "http(s)" in reasons[6] and "image:" in reasons[7]
    assert "no file gone.jpg" in reasons[8] and "three-letter" in reasons[9] and "already on line 2" in reasons[10]
    trousers = Product.objects.get(sku="P1")
    assert trousers.currency == "KRW" and trousers.price == Decimal("45000") and trousers.status == Status.QUEUED
    assert {args[0] for args in no_broker} == {"catalog"} and len(no_broker) == 2
    assert Product.objects.filter(enqueued_at__isnull=False).count() == 2


def test_a_second_import_changes_only_what_changed(feed_dir, no_broker):
    feed = feed_dir / "feed.csv"
    feed.write_text(HEADER + "T1,Crew tee,Brand,19000,KRW,https://shop.example.com/t1,a.jpg\n"
                             "P1,Trousers,,45000,KRW,https://shop.example.com/p1,b.jpg\n")
    services.import_feed(path=feed, shop="Test shop")
    first = {p.sku: (p.pk, p.original.name) for p in Product.objects.all()}
    again = services.import_feed(path=feed, shop="Test shop")
    assert again.unchanged == ["T1", "P1"] and not again.created and not again.updated
    feed.write_text(HEADER + "T1,Crew tee,Brand,17000,KRW,https://shop.example.com/t1,a.jpg\n"
                             "P1,Trousers,,45000,KRW,https://shop.example.com/p1,b.jpg\n")
    changed = services.import_feed(path=feed, shop="Test shop")
    assert changed.updated == ["T1"] and changed.unchanged == ["P1"]
    tee = Product.objects.get(sku="T1")
    assert tee.price == 17000 and (tee.pk, tee.original.name) == first["T1"]
    assert Product.objects.count() == 2
    assert len(no_broker) == 2  # a new price is not a new photo


def test_prices_the_database_cannot_hold_and_unreadable_rows_are_bad_rows_not_a_failed_import(feed_dir, no_broker):
    feed = feed_dir / "feed.csv"
    feed.write_text(HEADER + "\n".join([
        "T1,Tee,B,1.005,USD,https://s.example.com/t1,a.jpg",
        "N1,Not a number,B,NaN,KRW,https://s.example.com/n1,b.jpg",
        "H1,Huge,B,1e20,KRW,https://s.example.com/h1,b.jpg",
        "L1," + "x" * 200_000 + ",B,1,KRW,https://s.example.com/l1,b.jpg",
        "P1,Trousers,B,45000,KRW,https://s.example.com/p1,b.jpg",
    ]) + "\n")
    report = services.import_feed(path=feed, shop="S")
    assert report.created == ["T1", "P1"]
    reasons = {bad.line: bad.reason for bad in report.bad}
    assert set(reasons) == {3, 4, 5}
    assert "not a price" in reasons[3] and "not a price" in reasons[4] and "not readable as CSV" in reasons[5]
    assert Product.objects.get(sku="T1").price == Decimal("1.01")
    again = services.import_feed(path=feed, shop="S")
    assert again.unchanged == ["T1", "P1"] and not again.updated  # the stored, rounded price compares equal


def test_a_json_price_of_zero_is_a_price(feed_dir, no_broker):
    feed = feed_dir / "feed.jsonl"
    feed.write_text(json.dumps({"sku": "Z1", "name": "Free", "price": 0, "url": "https://s.example.com/z",
                                "image": "a.jpg"}) + "\n")
    assert services.import_feed(path=feed, shop="S").created == ["Z1"]
    assert Product.objects.get(sku="Z1").price == 0


def test_a_product_the_feed_no_longer_lists_is_withdrawn_and_comes_back_when_listed_again(feed_dir, no_broker,
                                                                                          capsys):
    feed = feed_dir / "feed.csv"
    both = HEADER + ("T1,Crew tee,Brand,19000,KRW,https://shop.example.com/t1,a.jpg\n"
                     "P1,Trousers,,45000,KRW,https://shop.example.com/p1,b.jpg\n")
    feed.write_text(both)
    services.import_feed(path=feed, shop="Shop")
    services.import_feed(path=feed, shop="Elsewhere")
    Product.objects.update(status=Status.READY)
    feed.write_text(HEADER + "T1,Crew tee,Brand,19000,KRW,https://shop.example.com/t1,a.jpg\n"
                             "P1,Trousers,,NaN,KRW,https://shop.example.com/p1,b.jpg\n")
    bad_row = services.import_feed(path=feed, shop="Shop")
    assert bad_row.withdrawn == []  # named on a row that could not be read: not dropped by the shop
    feed.write_text(HEADER + "T1,Crew tee,Brand,19000,KRW,https://shop.example.com/t1,a.jpg\n")
    call_command("import_products", str(feed), "--shop", "Shop")
    assert "1 withdrawn (not in the feed)" in capsys.readouterr().out
    visible = set(selectors.visible_products().values_list("shop", "sku"))
    assert visible == {("Shop", "T1"), ("Elsewhere", "T1"), ("Elsewhere", "P1")}  # another shop's stays
    feed.write_text(HEADER + "X1,Socks,,3000,KRW,https://shop.example.com/x1,a-copy.jpg\n")
    assert services.import_feed(path=feed, shop="Shop", partial=True).withdrawn == []  # a feed of changes
    feed.write_text(both)
    back = services.import_feed(path=feed, shop="Shop")
    assert back.updated == ["P1"] and ("Shop", "P1") in set(selectors.visible_products().values_list("shop", "sku"))
    feed.write_text(HEADER)
    with pytest.raises(ValueError, match="names no product"):
        services.import_feed(path=feed, shop="Shop")
    json_feed = feed_dir / "feed.jsonl"  # a line cut short: nobody can tell whether P1 is still sold
    json_feed.write_text(json.dumps({"sku": "T1", "name": "Crew tee", "brand": "Brand", "price": 19000,
                                     "url": "https://shop.example.com/t1", "image": "a.jpg"}) + '\n{"sku": "P1", "na\n')
    cut = services.import_feed(path=json_feed, shop="Shop")
    assert cut.withdrawn == [] and cut.withdrawal_skipped
    assert Product.objects.filter(withdrawn=True).count() == 0


def test_json_lines_feeds_and_the_command(feed_dir, no_broker, capsys):
    feed = feed_dir / "feed.jsonl"
    feed.write_text(json.dumps({"sku": "J1", "name": "Jeans", "price": 50000, "url": "https://s.example.com/j1",
                                "image": "b.jpg"}) + "\n[1, 2]\n")
    call_command("import_products", str(feed), "--shop", "Json shop")
    out = capsys.readouterr().out
    assert "1 new" in out and "line 2: not a JSON object" in out
    assert Product.objects.get(sku="J1").shop == "Json shop"


def test_the_sample_feed_imports(no_broker, capsys):
    call_command("import_products", str(SAMPLE / "sample-feed.csv"), "--shop", "Sample shop")
    out = capsys.readouterr().out
    assert "0 bad rows" in out
    assert Product.objects.filter(shop="Sample shop").count() >= 30


# --- Remote images ------------------------------------------------------------------------------

class ImageServer(BaseHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        if callable(route):
            route(self)
            return
        status, headers, body, delay = route
        time.sleep(delay)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def drip(handler):
    """Headers at once, then a byte every 0.1 s: each read is quick, the whole is not."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.end_headers()
    for byte in photo_bytes("shoes")[:40]:
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
        time.sleep(0.1)


@pytest.fixture
def image_server(settings):
    settings.PRODUCT_IMAGE_TIMEOUT_SECONDS = 0.5
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImageServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    big = b"\xff\xd8" + b"0" * (settings.MAX_UPLOAD_BYTES + 10)
    ImageServer.routes = {
        "/ok.jpg": (200, {"Content-Type": "image/jpeg"}, photo_bytes("shoes"), 0),
        "/slow.jpg": (200, {"Content-Type": "image/jpeg"}, photo_bytes("shoes"), 2.0),
        "/big.jpg": (200, {"Content-Length": str(len(big))}, big, 0),
        "/big-unsized.jpg": (200, {}, big, 0),
        "/page.jpg": (200, {"Content-Type": "text/html"}, b"<html>hello</html>", 0),
        "/to-file.jpg": (302, {"Location": "file:///etc/passwd"}, b"", 0),
        "/to-ftp.jpg": (302, {"Location": "ftp://example.com/x.jpg"}, b"", 0),
        "/drip.jpg": drip, "/not-http.jpg": lambda handler: handler.wfile.write(b"SSH-2.0-OpenSSH_9.0\r\n"),
        "/%EC%8B%A0%EB%B0%9C.jpg": (200, {"Content-Type": "image/jpeg"}, photo_bytes("tshirt"), 0),
    }
    yield base
    server.shutdown()


def test_remote_images_are_fetched_within_limits(image_server, tmp_path, no_broker):
    rows = [("R1", "/ok.jpg"), ("R2", "/slow.jpg"), ("R3", "/big.jpg"), ("R4", "/big-unsized.jpg"),
            ("R5", "/page.jpg"), ("R6", "/to-file.jpg"), ("R7", "/missing.jpg"), ("R9", "/to-ftp.jpg")]
    feed = tmp_path / "feed.csv"
    feed.write_text(HEADER + "".join(f"{sku},{sku},,1000,KRW,https://s.example.com/{sku},{image_server}{path}\n"
                                     for sku, path in rows)
                    + "R8,R8,,1000,KRW,https://s.example.com/r8,ftp://example.com/x.jpg\n"
                    + f"R10,R10,,1000,KRW,https://s.example.com/r10,{image_server}/drip.jpg\n"
                    + f"R11,R11,,1000,KRW,https://s.example.com/r11,{image_server}/not-http.jpg\n"
                    + f"R12,R12,,1000,KRW,https://s.example.com/r12,{image_server}/신발.jpg\n", encoding="utf-8")
    started = time.monotonic()
    report = services.import_feed(path=feed, shop="Remote")
    assert time.monotonic() - started < 5
    assert report.created == ["R1", "R12"]  # a Korean file name is fetched, percent-encoded
    reasons = {bad.line: bad.reason for bad in report.bad}
    assert "timed out" in reasons[3] or "could not download" in reasons[3]
    assert "limit" in reasons[4] and "limit" in reasons[5]
    assert "not a photo" in reasons[6]
    assert "not allowed" in reasons[7] and "404" in reasons[8] and "non-http" in reasons[9]
    assert "only http(s)" in reasons[10]
    assert "did not arrive within 0.5 seconds" in reasons[11]
    assert "could not download" in reasons[12]  # an answer that is not HTTP


# --- Products through the pipeline, and "similar in the shop" -----------------------------------------

def make_product(sku, *, group_category="short_sleeve_top", vector=(1, 0), hidden=False, price=20000):
    product = Product(shop="Shop", sku=sku, name=f"Product {sku}", price=price, url=f"https://s.example.com/{sku}",
                      image_source=f"{sku}.jpg", hidden=hidden)
    from django.core.files.base import ContentFile

    product.original.save("original.jpg", ContentFile(image_bytes()), save=False)
    product.save()
    token, _ = services.claims.claim(Product, pk=product.pk, batch_size=1)
    ProductPhotos().store(key=str(product.pk), token=token,
                          result=fake_result(category=group_category, embedding=unit_vector(*vector)))
    product.refresh_from_db()
    return product


def test_a_processed_product_keeps_what_the_pipeline_saw():
    product = make_product("T1")
    assert product.status == Status.READY and product.category == "short_sleeve_top" and product.group == "tops"
    assert product.embedding_version == "garment-test@v-test" and product.model_versions["garment"] == "garment-test@v-test"
    assert product.thumb_small and product.cutout and product.phash is not None


def test_similar_products_rank_same_group_first_then_by_cosine():
    selectors.forget_tables()
    close_top = make_product("top-close", vector=(1, 0.1))
    far_top = make_product("top-far", vector=(0.2, 1))
    closest_bottom = make_product("jeans", group_category="jeans", vector=(1, 0))
    make_product("hidden", vector=(1, 0), hidden=True)
    found = selectors.similar_products(vector=unit_vector(1, 0), version="garment-test@v-test", group="tops")
    assert [p.sku for p in found] == [close_top.sku, far_top.sku, closest_bottom.sku]
    assert found[0].similarity > found[1].similarity


def test_the_item_page_shows_the_shop_with_links_out(alice_client, user):
    selectors.forget_tables()
    make_product("T1", vector=(1, 0))
    from tests.test_closet_views import ready_item

    item = ready_item(user, category="short_sleeve_top", embedding=unit_vector(1, 0))
    page = alice_client.get(reverse("item-detail", args=[item.pk])).content.decode()
    assert "Similar in the shop" in page and "Product T1" in page
    assert 'href="https://s.example.com/T1" target="_blank" rel="noopener noreferrer"' in page


def test_hidden_products_serve_no_photo(alice_client):
    product = make_product("H1", hidden=True)
    assert alice_client.get(reverse("product-media", args=[product.pk, "small"])).status_code == 404
    Product.objects.filter(pk=product.pk).update(hidden=False)
    assert alice_client.get(reverse("product-media", args=[product.pk, "small"])).status_code == 200


def test_admin_hides_products(admin_client):
    product = make_product("A1")
    response = admin_client.post(reverse("admin:catalog_product_changelist"),
                                 {"action": "hide", "_selected_action": [str(product.pk)]})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.hidden
    listing = admin_client.get(reverse("admin:catalog_product_changelist")).content.decode()
    assert reverse("admin-product-media", args=[product.pk]) in listing


# --- Find it in the shop --------------------------------------------------------------------------

def test_find_it_in_the_shop_from_a_photo_not_in_the_closet(alice_client, user, no_broker,
                                                            django_capture_on_commit_callbacks):
    selectors.forget_tables()
    make_product("T1", vector=(1, 0))
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(reverse("shop-search-start"), {"photo": upload("look.jpg", photo_bytes("tshirt"))})
    search = ShopSearch.objects.get(owner=user)
    assert response.url == reverse("shop-search", args=[search.pk]) and no_broker == [("shop-search", str(search.pk))]
    assert not user.items.exists() and search.photo
    assert alice_client.get(response.url, HTTP_HX_REQUEST="true").status_code == 204  # still pending
    consumer = SearchPhotos()
    batch = consumer.claim(key=str(search.pk), batch_size=1)
    assert consumer.read(key=str(search.pk)) == photo_bytes("tshirt")
    stored = search.photo.name
    with django_capture_on_commit_callbacks(execute=True):
        consumer.store(key=str(search.pk), token=batch.token, result=fake_result(category="short_sleeve_top",
                                                                                 embedding=unit_vector(1, 0)))
    search.refresh_from_db()
    from django.core.files.storage import default_storage

    assert not search.photo and not default_storage.exists(stored)  # analysed, not kept
    page = alice_client.get(response.url).content.decode()
    assert "Product T1" in page and "Short-sleeve top" in page


def test_a_bad_search_photo_is_refused(alice_client):
    response = alice_client.post(reverse("shop-search-start"), {"photo": upload("x.jpg", b"not an image")})
    assert response.status_code == 400 and "not a photo we can read" in response.content.decode()
    assert not ShopSearch.objects.exists()


def test_another_persons_search_answers_404(client, user, other_user):
    search = ShopSearch.objects.create(owner=user)
    client.force_login(other_user)
    assert client.get(reverse("shop-search", args=[search.pk])).status_code == 404


def test_products_show_no_ones_items(client, user, other_user):
    """A product is nobody's item: the shop lists products only, never another closet's items."""
    selectors.forget_tables()
    theirs = make_item(other_user, category="short_sleeve_top", embedding=np.asarray(unit_vector(1, 0),
                       dtype=np.float16).tobytes(), embedding_version="garment-test@v-test")
    make_product("T1", vector=(1, 0))
    found = selectors.similar_products(vector=unit_vector(1, 0), version="garment-test@v-test", group="tops")
    assert [p.sku for p in found] == ["T1"] and all(isinstance(p, Product) for p in found)
    client.force_login(user)
    assert client.get(reverse("product-media", args=[theirs.pk, "small"])).status_code == 404


def test_old_searches_are_swept(user):
    from datetime import timedelta

    from django.utils import timezone

    search = ShopSearch.objects.create(owner=user)
    ShopSearch.objects.filter(pk=search.pk).update(created_at=timezone.now() - timedelta(days=2))
    assert services.sweep_catalog()["searches"]["deleted"] == 1


# --- Shop items in outfits ------------------------------------------------------------------------

def test_a_shop_product_fills_the_slot_the_closet_lacks(user):
    make_item(user, category="short_sleeve_top", colors=[{"name": "white", "hex": "#fff", "share": 0.9}],
              purchase_price=Decimal("20000"))
    jeans = make_product("J1", group_category="jeans", price=30000)
    made = outfits.request_recommendations(owner=user, style="casual", temperature=24, shop_items=1)
    made = outfits.generate_recommendations(request_id=made.pk)
    outfit = made.outfits.first()
    assert outfit is not None
    entries = {entry.slot: entry for entry in outfit.entries.all()}
    assert entries["bottom"].product_id == jeans.pk and entries["top"].item_id
    assert "#from the shop" in outfit.hashtags["en"] and "#₩50,000" in outfit.hashtags["en"]
    assert "from the shop" in outfit.explanation["en"]


def test_without_the_option_no_shop_items(user):
    make_item(user, category="short_sleeve_top")
    make_product("J1", group_category="jeans")
    made = outfits.generate_recommendations(
        request_id=outfits.request_recommendations(owner=user, style="casual").pk)
    assert made.outfits.count() == 0 and "bottoms" in made.message


def test_at_most_the_asked_number_of_shop_items_and_the_budget(user):
    make_item(user, category="short_sleeve_top", purchase_price=Decimal("10000"))
    make_product("J1", group_category="jeans", price=30000)
    make_product("S1", group_category="shoes", price=50000)
    made = outfits.generate_recommendations(request_id=outfits.request_recommendations(
        owner=user, style="casual", temperature=24, shop_items=1, budget=Decimal("45000")).pk)
    for outfit in made.outfits.all():
        assert sum(1 for entry in outfit.entries.all() if entry.product_id) <= 1
        assert outfit.price <= 45000


def test_evaluate_product_search_prints_the_contract_keys(capsys):
    call_command("evaluate_product_search", "--data", str(FIXTURES / "product-search"), "--json")
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"recall_at_1", "recall_at_5", "queries"} <= set(report)
    assert report["queries"] == 24 and report["recall_at_5"] >= report["recall_at_1"] > 0
