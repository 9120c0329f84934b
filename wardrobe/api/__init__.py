"""The JSON API, /api/v1/ (Django REST framework): the closet's and the outfits' services
and selectors behind serializers; session auth (with CSRF) for the browser, personal access
tokens (accounts.tokens) for scripts and phone apps; an OpenAPI schema and a docs page."""
