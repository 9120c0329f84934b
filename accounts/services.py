from django.db import transaction

from accounts.models import User


@transaction.atomic
def create_user(*, username: str, email: str, password: str, nickname: str, language: str) -> User:
    user = User(username=username, email=email, nickname=nickname, language=language)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def update_profile(*, user: User, nickname: str, email: str, language: str, city: str,
                   show_photos: bool = False) -> User:
    user.nickname, user.email, user.language, user.city = nickname, email, language, city
    user.show_photos = show_photos
    user.full_clean(exclude=["password"])
    user.save(update_fields=["nickname", "email", "language", "city", "show_photos"])
    return user


def set_language(*, user: User, language: str) -> None:
    if user.is_authenticated and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
