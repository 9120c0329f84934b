from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from inference import taxonomy
from wardrobe import daily, webhooks
from wardrobe.models import RecommendationRequest


class ImportForm(forms.Form):
    archive = forms.FileField(label=_("Archive (.zip)"), help_text=_(
        "An export of this app, or a zip with a CSV file and its photos; the CSV's columns: image, "
        "category, colors, brand, size, price, purchase_date, notes."), widget=forms.ClearableFileInput(attrs={"accept": ".zip"}))
    rerun_models = forms.BooleanField(label=_("Analyse the photos again with today's models"), required=False)

    def clean_archive(self):
        archive = self.cleaned_data["archive"]
        if archive.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The archive is larger than %(limit)d MB.") % {
                "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)})
        return archive


class DailyOutfitForm(forms.Form):
    enabled = forms.BooleanField(label=_("Send me today's outfit"), required=False)
    hour = forms.TypedChoiceField(label=_("At"), coerce=int, choices=[(h, f"{h:02d}:00") for h in range(24)])
    time_zone = forms.ChoiceField(label=_("Time zone"))
    by_email = forms.BooleanField(label=_("By email"), required=False)
    webhook_url = forms.URLField(label=_("Webhook URL"), required=False, max_length=500, assume_scheme="https",
                                 help_text=_("Optional: a JSON POST to this address too (ntfy, chat tools)."))
    style = forms.ChoiceField(label=_("Style"), choices=[(s.code, s.label) for s in taxonomy.STYLES])
    occasion = forms.ChoiceField(label=_("Occasion"), choices=RecommendationRequest.Occasion.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in daily.time_zone_names()]

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        if url:
            try:
                webhooks.check_url(url)
            except (webhooks.WebhookRefused, webhooks.WebhookUnavailable) as error:
                raise forms.ValidationError(str(error))
        return url


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(label=_("I understand: every item, photo, outfit and export goes, for good."))


def daily_form_for(user, data=None) -> DailyOutfitForm:
    """The form with the person's current settings."""
    subscription = daily.subscription_of(user)
    return DailyOutfitForm(data, initial={
        "enabled": subscription.enabled, "hour": subscription.hour, "time_zone": subscription.time_zone,
        "by_email": subscription.by_email, "webhook_url": subscription.webhook_url,
        "style": subscription.style, "occasion": subscription.occasion})
