"""Accounts: sign up, log in and out, login throttling, "My page", password change and reset, CSRF."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase-1"
NEW_PASSWORD = "another-long-passphrase-2"
LOCKED = "Too many failed attempts"
BAD_LOGIN = "Please enter a correct username and password"

User = get_user_model()


@pytest.fixture(autouse=True)
def clean_cache():
    """Failure counts live in the shared cache (file or Redis): start and end each test empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def limits(settings):
    """Small limits; a test may change them further."""
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900
    return settings


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_username(client):
    """Who the client is signed in as, as the site sees it, or None."""
    response = client.get(reverse("my-page"))
    if response.status_code == 302:
        assert response.url.startswith(reverse("login"))
        return None
    assert response.status_code == 200
    return response.context["user"].username


def signup_data(**overrides):
    data = {"username": "carol", "email": "carol@example.com", "nickname": "Carol",
            "password1": PASSWORD, "password2": PASSWORD}
    return {**data, **overrides}


# --- Sign up ------------------------------------------------------------------


def test_signup_creates_the_user_logs_them_in_and_goes_home(client):
    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 302 and response.url == reverse("home")
    user = User.objects.get(username="carol")
    assert (user.email, user.nickname) == ("carol@example.com", "Carol")
    assert user.check_password(PASSWORD)
    assert signed_in_username(client) == "carol"


@pytest.mark.parametrize(("accept_language", "expected"), [("ko", "ko"), ("en-US,en;q=0.9", "en"), ("ko-KR", "ko")])
def test_signup_takes_the_language_from_the_request(client, accept_language, expected):
    response = client.post(reverse("signup"), signup_data(), HTTP_ACCEPT_LANGUAGE=accept_language)

    assert response.status_code == 302
    assert User.objects.get(username="carol").language == expected


def test_signup_language_follows_the_language_cookie(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    client.post(reverse("signup"), signup_data(), HTTP_ACCEPT_LANGUAGE="en")

    assert User.objects.get(username="carol").language == "ko"


@pytest.mark.parametrize("username", ["alice", "ALICE", "Alice", "ａlice", "ＡＬＩＣＥ"])  # fullwidth too (NFKC)
def test_signup_refuses_a_taken_username_ignoring_case(client, user, username):
    response = client.post(reverse("signup"), signup_data(username=username))

    assert response.status_code == 200
    assert "That username is taken." in response.content.decode()
    assert User.objects.filter(username__iexact="alice").count() == 1
    assert signed_in_username(client) is None


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.COM"])
def test_signup_refuses_a_taken_email_ignoring_case(client, user, email):
    response = client.post(reverse("signup"), signup_data(email=email))

    assert response.status_code == 200
    assert "An account with that email already exists." in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_signup_refuses_passwords_that_differ(client):
    response = client.post(reverse("signup"), signup_data(password2=PASSWORD + "x"))

    assert response.status_code == 200
    assert "The two passwords differ." in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


@pytest.mark.parametrize(("password", "error"), [
    ("password", "This password is too common."),
    ("83920174650", "This password is entirely numeric."),
    ("ab1", "This password is too short."),
    ("carol123!", "The password is too similar to the username."),
])
def test_signup_applies_the_password_validators(client, password, error):
    response = client.post(reverse("signup"), signup_data(password1=password, password2=password))

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not User.objects.filter(username="carol").exists()


def test_signup_sends_a_signed_in_user_home(alice_client):
    response = alice_client.get(reverse("signup"))
    assert response.status_code == 302 and response.url == reverse("home")

    response = alice_client.post(reverse("signup"), signup_data())
    assert response.status_code == 302 and response.url == reverse("home")
    assert not User.objects.filter(username="carol").exists()
    assert signed_in_username(alice_client) == "alice"


# --- Log in and out -----------------------------------------------------------


def test_login_with_username_and_password(client, user):
    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 302 and response.url == reverse("home")
    assert signed_in_username(client) == "alice"


def test_login_with_a_wrong_password_shows_an_error(client, user):
    response = log_in(client, "alice", "not-the-passphrase")

    assert response.status_code == 200
    assert BAD_LOGIN in response.content.decode()
    assert signed_in_username(client) is None


def test_logout_needs_a_post(alice_client):
    response = alice_client.get(reverse("logout"))

    assert response.status_code == 405
    assert signed_in_username(alice_client) == "alice"


def test_logout_logs_out(alice_client):
    response = alice_client.post(reverse("logout"))

    assert response.status_code == 302 and response.url == reverse("login")
    assert signed_in_username(alice_client) is None


# --- Login throttling ---------------------------------------------------------


def test_a_username_is_locked_after_too_many_failures_even_with_the_right_password(client, user, limits):
    for attempt in range(limits.LOGIN_FAILURE_LIMIT):
        response = log_in(client, "alice", f"wrong-{attempt}", address="10.0.0.1")
        assert BAD_LOGIN in response.content.decode()

    # From another address too: the lock is on the username.
    response = log_in(client, "alice", PASSWORD, address="10.0.0.2")

    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert signed_in_username(client) is None


def test_failures_count_for_a_username_whatever_its_case(client, user, limits):
    for attempt, spelling in enumerate(["ALICE", "Alice", " alice"]):
        log_in(client, spelling, f"wrong-{attempt}", address=f"10.0.1.{attempt}")

    response = log_in(client, "alice", PASSWORD, address="10.0.0.9")

    assert LOCKED in response.content.decode()
    assert signed_in_username(client) is None


def test_one_locked_username_does_not_lock_others(client, user, other_user, limits):
    for attempt in range(limits.LOGIN_FAILURE_LIMIT):
        log_in(client, "alice", f"wrong-{attempt}", address="10.0.0.1")

    response = log_in(client, "bob", PASSWORD, address="10.0.0.2")

    assert response.status_code == 302
    assert signed_in_username(client) == "bob"


def test_an_address_trying_many_usernames_is_locked(client, user, limits):
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 4
    for number in range(limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS):  # one failure per username
        response = log_in(client, f"guess{number}", "wrong", address="10.0.0.66")
        assert BAD_LOGIN in response.content.decode()

    response = log_in(client, "alice", PASSWORD, address="10.0.0.66")
    assert LOCKED in response.content.decode()
    assert signed_in_username(client) is None

    # The same account from another address is fine: only the address is locked.
    response = log_in(client, "alice", PASSWORD, address="10.0.0.7")
    assert response.status_code == 302
    assert signed_in_username(client) == "alice"


def test_a_successful_login_clears_the_usernames_failures(client, user, limits):
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 100
    below_limit = limits.LOGIN_FAILURE_LIMIT - 1
    for attempt in range(below_limit):
        log_in(client, "alice", f"wrong-{attempt}")
    assert log_in(client, "alice", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    # Without the reset these would reach the limit.
    for attempt in range(below_limit):
        log_in(client, "alice", f"wrong-again-{attempt}")
    response = log_in(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert signed_in_username(client) == "alice"


def test_a_post_without_a_password_does_not_clear_the_failures(client, user, limits):
    limits.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 100
    for attempt in range(limits.LOGIN_FAILURE_LIMIT - 1):
        log_in(client, "alice", f"wrong-{attempt}")
    log_in(client, "alice", "")  # invalid form, but no successful login either
    log_in(client, "alice", "wrong-last")

    response = log_in(client, "alice", PASSWORD)

    assert LOCKED in response.content.decode()
    assert signed_in_username(client) is None


@pytest.fixture
def clock(monkeypatch):
    """A clock the file and local-memory caches read their expiry times from."""
    if isinstance(caches["default"], RedisCache):
        pytest.skip("Redis keeps expiry times on the server; the local clock cannot move them")
    now = [time.time()]
    monkeypatch.setattr(time, "time", lambda: now[0])

    def advance(seconds):
        now[0] += seconds

    return advance


@pytest.mark.parametrize("window", [60, 900])
def test_a_lock_lasts_for_the_window_from_the_first_failure(client, user, limits, clock, window):
    limits.LOGIN_FAILURE_WINDOW_SECONDS = window
    for attempt in range(limits.LOGIN_FAILURE_LIMIT):
        log_in(client, "alice", f"wrong-{attempt}")
        clock(1)

    clock(window * 2 // 3)
    assert LOCKED in log_in(client, "alice", PASSWORD).content.decode()

    clock(window // 3)  # now past the window that started with the first failure
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert signed_in_username(client) == "alice"



def test_a_lock_expires_on_the_configured_cache_in_real_time(client, user, limits):
    """The same rule on whatever cache the run uses (Redis in CI), on the real clock:
    Redis keeps expiry times on the server, where the fake clock above cannot reach."""
    limits.LOGIN_FAILURE_WINDOW_SECONDS = 3
    first_failure = time.monotonic()
    for attempt in range(limits.LOGIN_FAILURE_LIMIT):
        log_in(client, "alice", f"wrong-{attempt}")
    assert LOCKED in log_in(client, "alice", PASSWORD).content.decode()

    # touch() rounds the rest of the window up to whole seconds.
    time.sleep(max(0.0, first_failure + 3 + 1.2 - time.monotonic()))
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    assert signed_in_username(client) == "alice"

# --- My page ------------------------------------------------------------------


@pytest.fixture
def profile(user):
    user.nickname, user.city = "Ally", "Seoul"
    user.save()
    return user


def test_my_page_shows_the_profile(alice_client, profile):
    response = alice_client.get(reverse("my-page"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<dd>alice</dd>" in html
    assert 'value="Ally"' in html
    assert 'value="alice@example.com"' in html
    assert 'value="Seoul"' in html
    assert '<option value="en" selected>' in html
    assert 'name="username"' not in html  # shown, not editable


def test_my_page_saves_nickname_email_language_and_city(alice_client, profile):
    changes = {"nickname": "Alicia", "email": "alicia@example.org", "language": "ko", "city": "Busan",
               "username": "mallory"}
    # A new email (where reset mails go) asks for the password: a borrowed session cannot take the account.
    for password in ("", "a wrong one"):
        refused = alice_client.post(reverse("my-page"), {**changes, "current_password": password})
        assert refused.status_code == 200 and "Enter your password to change the email." in refused.content.decode()
        profile.refresh_from_db()
        assert profile.email == "alice@example.com"
    response = alice_client.post(reverse("my-page"), {**changes, "current_password": PASSWORD})

    assert response.status_code == 302 and response.url == reverse("my-page")
    profile.refresh_from_db()
    assert (profile.nickname, profile.email, profile.language, profile.city) == (
        "Alicia", "alicia@example.org", "ko", "Busan")
    assert profile.username == "alice"
    assert not User.objects.filter(username="mallory").exists()

    html = alice_client.get(reverse("my-page")).content.decode()
    assert 'value="Alicia"' in html and 'value="Busan"' in html
    assert '<option value="ko" selected>' in html


def test_my_page_keeps_the_users_own_email(alice_client, profile):
    response = alice_client.post(reverse("my-page"), {
        "nickname": "Ally", "email": "ALICE@example.com", "language": "en", "city": "",
    })

    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.email, profile.city) == ("ALICE@example.com", "")


def test_my_page_refuses_an_email_of_another_account(alice_client, profile, other_user):
    response = alice_client.post(reverse("my-page"), {
        "nickname": "Ally", "email": "BOB@example.com", "language": "en", "city": "Seoul",
    })

    assert response.status_code == 200
    assert "An account with that email already exists." in response.content.decode()
    profile.refresh_from_db()
    assert profile.email == "alice@example.com"


# --- Password change ----------------------------------------------------------


def test_password_change_sets_the_new_password_and_keeps_the_session(alice_client, user):
    response = alice_client.post(reverse("password-change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })

    assert response.status_code == 302 and response.url == reverse("password-change-done")
    assert signed_in_username(alice_client) == "alice"
    assert log_in(Client(), "alice", PASSWORD).status_code == 200
    assert log_in(Client(), "alice", NEW_PASSWORD).status_code == 302


def test_password_change_refuses_a_wrong_old_password(alice_client, user):
    response = alice_client.post(reverse("password-change"), {
        "old_password": "not-the-passphrase", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })

    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password(NEW_PASSWORD)


# --- Password reset -----------------------------------------------------------


def reset_link_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_by_email(client, user):
    response = client.post(reverse("password-reset"), {"email": "Alice@Example.com"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("password-reset-done")
    assert "Check your email" in response.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    link = reset_link_path(mail.outbox[0])

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302 and response.url == reverse("password-reset-complete")
    assert log_in(Client(), "alice", NEW_PASSWORD).status_code == 302
    assert log_in(Client(), "alice", PASSWORD).status_code == 200


def test_a_password_reset_link_works_once(client, user):
    client.post(reverse("password-reset"), {"email": "alice@example.com"})
    link = reset_link_path(mail.outbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    for browser in (client, Client()):
        page = browser.get(link, follow=True)
        assert "This link has expired or was already used." in page.content.decode()
        assert 'name="new_password1"' not in page.content.decode()
        again = page.redirect_chain[-1][0] if page.redirect_chain else link
        browser.post(again, {"new_password1": "a-third-passphrase-3", "new_password2": "a-third-passphrase-3"})

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(client, user):
    known = client.post(reverse("password-reset"), {"email": "alice@example.com"}, follow=True)
    mail.outbox.clear()

    unknown = client.post(reverse("password-reset"), {"email": "nobody@example.com"}, follow=True)

    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain == [(reverse("password-reset-done"), 302)]
    assert "Check your email" in unknown.content.decode()


# --- CSRF ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["login", "signup"])
def test_forms_carry_a_csrf_token_and_posts_without_one_are_refused(name):
    browser = Client(enforce_csrf_checks=True)

    page = browser.get(reverse(name))
    assert page.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()

    response = browser.post(reverse(name), signup_data() | {"password": PASSWORD})
    assert response.status_code == 403
    assert not User.objects.filter(username="carol").exists()


def test_login_with_the_csrf_token_works(user):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(reverse("login"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)

    response = browser.post(reverse("login"), {"username": "alice", "password": PASSWORD,
                                               "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert signed_in_username(browser) == "alice"


def test_an_email_longer_than_the_account_can_hold_is_a_form_error(alice_client):
    email = "a" * 60 + "@" + ".".join(["b" * 60] * 4) + ".com"  # valid, 310 characters; accounts hold 254
    signup = Client().post(reverse("signup"), signup_data(email=email))
    assert signup.status_code == 200 and not User.objects.filter(username="carol").exists()
    profile = alice_client.post(reverse("my-page"), {"nickname": "A", "email": email, "language": "en", "city": ""})
    assert profile.status_code == 200 and "254" in profile.content.decode()


def test_reset_mails_to_one_address_are_limited_and_the_page_says_the_same(client, user, settings):
    settings.PASSWORD_RESET_MAILS_PER_EMAIL = 2
    pages = [client.post(reverse("password-reset"), {"email": user.email}, follow=True) for _ in range(4)]
    assert len(mail.outbox) == 2
    assert all(page.redirect_chain[-1][0] == reverse("password-reset-done") for page in pages)
    client.post(reverse("password-reset"), {"email": "someone-else@example.com"})  # asks for no account's
    settings.PASSWORD_RESET_MAILS_PER_ADDRESS = 6
    make = get_user_model().objects.create_user
    for number in range(3):
        other = make(username=f"u{number}", email=f"u{number}@example.com", password="x-long-passphrase-9")
        client.post(reverse("password-reset"), {"email": other.email})
    assert len(mail.outbox) == 3  # the asking address had its six
