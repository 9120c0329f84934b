"""Bearer tokens for the API, and throttling per token."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, throttling

from accounts import tokens
from accounts.models import PersonalAccessToken


class AccessTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>`, a token made on My page. No CSRF check: a browser
    never adds this header by itself, so another site cannot make it send one."""

    keyword = "bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header should be “Bearer <token>”."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        token = tokens.authenticate(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if token.user.language:
            # The page's language for a browser comes from its profile by the middleware;
            # a script's from its token's owner.
            translation.activate(token.user.language)
            request._request.LANGUAGE_CODE = token.user.language
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'  # a 401, not a 403, for a request without credentials


class ClientRateThrottle(throttling.SimpleRateThrottle):
    """One budget per token (two tokens of one person count apart), per signed-in browser
    session user, and per address for anonymous requests. Counted in the shared cache.
    Rates are read from the settings at each request (API_RATE, API_ANONYMOUS_RATE)."""

    def __init__(self):  # the rate depends on the request: see allow_request
        pass

    def allow_request(self, request, view):
        if isinstance(request.auth, PersonalAccessToken):
            self.scope, ident = "token", request.auth.pk
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", request.user.pk
        else:
            self.scope, ident = "address", self.get_ident(request)
        self.rate = settings.API_ANONYMOUS_RATE if self.scope == "address" else settings.API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.ident = ident
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": f"api-{self.scope}", "ident": self.ident}


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = AccessTokenAuthentication
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "A personal access token made on My page (shown once)."}
