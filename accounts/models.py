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


class PersonalAccessToken(models.Model):
    """A token for scripts and phone apps (`Authorization: Bearer <token>` on /api/v1/).

    Only the SHA-256 of the secret is kept: the secret is shown once, when it is made.
    A random 256-bit secret needs no slow hash; the prefix lets its owner tell tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
