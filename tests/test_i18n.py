"""The interface in Korean and English: the committed catalogue and how a page picks its language."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

KO_DIR = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"
PO_PATH = KO_DIR / "django.po"
MO_PATH = KO_DIR / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|<[^>]+>")


# --- A small .po reader (stdlib only) -----------------------------------------

@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


def read_po(path: Path) -> list[Entry]:
    entries, entry, target = [], None, None

    def finish():
        if entry is not None and (entry.msgid or entry.msgstr):
            entries.append(entry)

    keyword = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            entry, target = None, None
            continue
        if line.startswith("#"):
            if entry is not None and target is not None:  # comments open the next entry
                finish()
                entry, target = None, None
            entry = entry or Entry(line=number)
            if line.startswith("#,"):
                entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = keyword.match(line)
        if match:
            name, index, quoted = match.groups()
            if name in ("msgid", "msgctxt") and target is not None and target[0] not in ("msgid", "msgctxt"):
                finish()  # an entry without a blank line before it
                entry = None
            entry = entry or Entry(line=number)
            entry.obsolete = entry.obsolete or obsolete
            text = ast.literal_eval(quoted)
            if name.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = text
            else:
                target = (name, None)
                setattr(entry, name, text)
        elif line.startswith('"') and target is not None:
            text = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
        else:
            raise AssertionError(f"{path.name}:{number}: cannot read {raw!r}")
    finish()
    return entries


def po_messages() -> list[Entry]:
    return [entry for entry in read_po(PO_PATH) if not entry.is_header and not entry.obsolete]


def po_header() -> dict[str, str]:
    header = next(entry for entry in read_po(PO_PATH) if entry.is_header)
    pairs = (line.partition(":") for line in header.msgstr[0].splitlines() if line.strip())
    return {key.strip().lower(): value.strip() for key, _, value in pairs}


def message_key(entry: Entry) -> str:
    return f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid


# --- The catalogue -------------------------------------------------------------

def test_the_po_reader_understands_wrapped_plural_and_flagged_entries(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: ko\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid ""\n"Hello "\n"%(name)s"\nmsgstr "%(name)s님 \\"안녕\\""\n\n'
        'msgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] "%(n)s개"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "없음"\n',
        encoding="utf-8",
    )
    header, hello, items, gone = read_po(po)
    assert header.is_header and header.msgstr == {0: "Language: ko\n"}
    assert hello.msgid == "Hello %(name)s" and hello.msgstr == {0: '%(name)s님 "안녕"'}
    assert hello.flags == {"fuzzy", "python-format"}
    assert items.msgid_plural == "%(n)s items" and items.msgstr == {0: "%(n)s개"}
    assert gone.obsolete and gone.msgid == "Gone"


def test_the_catalogue_is_korean_with_one_plural_form():
    header = po_header()
    assert header["language"] == "ko"
    assert "charset=UTF-8" in header["content-type"]
    assert header["plural-forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "fuzzy" not in next(entry for entry in read_po(PO_PATH) if entry.is_header).flags


def test_every_message_has_a_korean_translation_and_none_is_fuzzy():
    messages = po_messages()
    assert len(messages) > 100  # the whole interface, not a stub
    untranslated = [entry.msgid for entry in messages if not all(entry.msgstr.values()) or not entry.msgstr]
    fuzzy = [entry.msgid for entry in messages if "fuzzy" in entry.flags]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    plurals = [entry for entry in messages if entry.msgid_plural is not None]
    assert plurals, "the closet counts use plural forms"
    for entry in plurals:
        assert set(entry.msgstr) == {0}, f"Korean has one plural form: {entry.msgid!r}"


def test_translations_keep_every_placeholder_and_tag():
    for entry in po_messages():
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for index, text in entry.msgstr.items():
            assert sorted(PLACEHOLDER.findall(text)) == expected, f"{entry.msgid!r} -> {text!r}"
            if "python-format" in entry.flags:
                # No stray % that would break "... % {...}" formatting.
                assert text.count("%") == entry.msgid.count("%"), f"{entry.msgid!r} -> {text!r}"


def test_the_committed_mo_matches_the_po():
    assert MO_PATH.exists(), "run: python manage.py compilemessages --ignore=.venv"
    with MO_PATH.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    assert catalog.info().get("language") == "ko"
    assert catalog.plural(1) == catalog.plural(2) == catalog.plural(11) == 0

    stale = []
    expected_keys = set()
    for entry in po_messages():
        key = message_key(entry)
        if entry.msgid_plural is None:
            expected_keys.add(key)
            got = catalog.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else catalog.gettext(entry.msgid)
            if got != entry.msgstr[0]:
                stale.append((entry.msgid, entry.msgstr[0], got))
        else:
            expected_keys.update((key, index) for index in entry.msgstr)
            for count in (0, 1, 2, 5):
                got = (catalog.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count) if entry.msgctxt
                       else catalog.ngettext(entry.msgid, entry.msgid_plural, count))
                if got != entry.msgstr[0]:
                    stale.append((entry.msgid, entry.msgstr[0], got))
    assert not stale, f"django.mo is out of date; run compilemessages. Differences: {stale[:10]}"
    # Nothing left over in the .mo that the .po no longer has (the header is stored under "").
    extra = set(catalog._catalog) - expected_keys - {""}
    assert not extra, f"django.mo has messages the .po lacks: {sorted(map(str, extra))[:10]}"


# --- Pages ---------------------------------------------------------------------

def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_an_anonymous_korean_browser_gets_the_login_page_in_korean(client):
    page = html(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5"))
    assert '<html lang="ko">' in page
    assert "<h1>로그인</h1>" in page
    assert "비밀번호를 잊으셨나요?" in page and "회원가입" in page
    assert "Log in" not in page and "Forgot your password?" not in page


@pytest.mark.django_db
def test_an_anonymous_english_browser_gets_the_login_page_in_english(client):
    page = html(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="en">' in page
    assert "<h1>Log in</h1>" in page and "Forgot your password?" in page
    assert "로그인" not in page
    # The switch offers Korean, written in Korean.
    assert 'value="ko" lang="ko">한국어</button>' in page


@pytest.mark.django_db
def test_a_korean_users_saved_language_beats_the_browsers(client, make_user):
    client.force_login(make_user("minji", nickname="민지", language="ko"))
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    page = html(response)
    assert '<html lang="ko">' in page
    assert "안녕하세요, 민지님" in page
    assert "옷장에 아이템 0개" in page  # a plural entry, msgstr[0]
    assert "마이페이지" in page and "로그아웃" in page
    assert "Hello," not in page and "My page" not in page
    assert response["Content-Language"] == "ko"


@pytest.mark.django_db
def test_an_english_users_saved_language_beats_a_korean_browser(client, make_user):
    client.force_login(make_user("sam", nickname="Sam", language="en"))
    page = html(client.get("/", HTTP_ACCEPT_LANGUAGE="ko"))
    assert '<html lang="en">' in page
    assert "Hello, Sam" in page and "0 items in your closet" in page
    assert "안녕하세요" not in page


@pytest.mark.django_db
def test_set_language_saves_the_choice_for_a_signed_in_user(alice_client, user):
    assert user.language == "en"
    response = alice_client.post(reverse("set-language"), {"language": "ko", "next": "/closet/"})
    assert response.status_code == 302 and response.url == "/closet/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    user.refresh_from_db()
    assert user.language == "ko"
    assert '<html lang="ko">' in html(alice_client.get("/closet/", HTTP_ACCEPT_LANGUAGE="en"))


@pytest.mark.django_db
def test_set_language_for_a_visitor_sets_the_cookie_that_later_pages_follow(client):
    response = client.post(reverse("set-language"), {"language": "ko", "next": reverse("login")})
    assert response.status_code == 302 and response.url == reverse("login")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    page = html(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="ko">' in page and "<h1>로그인</h1>" in page and "비밀번호를 잊으셨나요?" in page


@pytest.mark.django_db
@pytest.mark.parametrize("unsafe", ["https://evil.example/", "//evil.example/closet/", "javascript:alert(1)"])
def test_set_language_never_redirects_off_site(alice_client, unsafe):
    response = alice_client.post(reverse("set-language"), {"language": "ko", "next": unsafe})
    assert response.status_code == 302 and response.url == "/"


@pytest.mark.django_db
def test_set_language_ignores_an_unknown_language(alice_client, user):
    response = alice_client.post(reverse("set-language"), {"language": "fr", "next": "/closet/"})
    assert response.status_code == 302 and response.url == "/closet/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user.refresh_from_db()
    assert user.language == "en"


@pytest.mark.django_db
def test_set_language_needs_a_post(alice_client):
    assert alice_client.get(reverse("set-language"), {"language": "ko"}).status_code == 405


@pytest.mark.django_db
def test_the_closet_filter_names_categories_and_choices_in_korean(client, make_user):
    client.force_login(make_user("minji", language="ko"))
    page = html(client.get(reverse("closet")))
    assert '<html lang="ko">' in page
    # Taxonomy names (inference/taxonomy.py) and the form's own choices from the .mo.
    for text in ("후드티", "상의", "전체 분류", "전체 카테고리", "전체 색상", "전체 계절", "전체 스타일",
                 "대기 중", "분석 중", "완료", "실패", "필터", "업로드"):
        assert text in page, text
    assert "Hoodie" not in page and "All categories" not in page


@pytest.mark.django_db
def test_the_closet_filter_stays_english_for_an_english_user(alice_client):
    page = html(alice_client.get(reverse("closet"), HTTP_ACCEPT_LANGUAGE="ko"))
    assert "Hoodie" in page and "All categories" in page and "Queued" in page
    assert "후드티" not in page
