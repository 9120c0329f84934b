from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Language(models.TextChoices):
        KOREAN = "ko", "한국어"
        ENGLISH = "en", "English"

    email = models.EmailField(_("email address"))
    nickname = models.CharField(_("nickname"), max_length=40)
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, default=Language.KOREAN)
    city = models.CharField(_("city"), max_length=100, blank=True, help_text=_("Used for weather-aware outfits."))
    # The closet shows each garment's cut-out; this keeps the photos instead.
    show_photos = models.BooleanField(_("show photos instead of cut-outs"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="unique_email_ignoring_case")]

    def __str__(self):
        return self.nickname or self.username
