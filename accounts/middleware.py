from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            request.LANGUAGE_CODE = user.language
            # For this request only: the thread's next piece of work starts from the default.
            with translation.override(user.language):
                response = self.get_response(request)
            response.headers.setdefault("Content-Language", user.language)
            return response
        return self.get_response(request)
