from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AdminUserCreationForm, AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from accounts import throttling
from accounts.models import User


def _email_taken(email: str, exclude_pk=None) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=exclude_pk).exists()


class SignupForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"), max_length=150, regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @/./+/-/_ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    email = forms.EmailField(label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    nickname = forms.CharField(label=_("Nickname"), max_length=40)
    password1 = forms.CharField(label=_("Password"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=password_validation.password_validators_help_text_html())
    password2 = forms.CharField(label=_("Password again"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean_username(self):
        # As the model will store it (NFKC: a fullwidth "ａlice" is "alice"), before comparing.
        username = User.normalize_username(self.cleaned_data["username"])
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("That username is taken."))
        return username

    def clean_email(self):
        email = self.cleaned_data["email"]
        if _email_taken(email):
            raise forms.ValidationError(_("An account with that email already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            probe = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ProfileForm(forms.Form):
    nickname = forms.CharField(label=_("Nickname"), max_length=40)
    email = forms.EmailField(label=_("Email"), max_length=254)
    language = forms.ChoiceField(label=_("Language"), choices=User.Language.choices)
    city = forms.CharField(label=_("City"), max_length=100, required=False,
                           help_text=_("Used for weather-aware outfits."))
    show_photos = forms.BooleanField(label=_("Show my photos instead of cut-outs"), required=False)
    current_password = forms.CharField(
        label=_("Your password"), required=False, strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Needed only to change the email (password resets go there)."))

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_email(self):
        email = self.cleaned_data["email"]
        if _email_taken(email, exclude_pk=self.user.pk):
            raise forms.ValidationError(_("An account with that email already exists."))
        return email

    def clean(self):
        cleaned = super().clean()
        # Whoever holds a session could otherwise send the account's reset mails to themselves.
        email = cleaned.get("email")
        if email and email.lower() != self.user.email.lower() and not self.user.check_password(
                cleaned.get("current_password") or ""):
            self.add_error("current_password", _("Enter your password to change the email."))
        cleaned.pop("current_password", None)
        return cleaned


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "locked": _("Too many failed attempts. Wait a few minutes and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        if throttling.is_locked(username=username, address=address):
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttling.record_failure(username=username, address=address)
            raise
        # Only a real sign-in clears the count: clean() also runs when a field is missing
        # (no password given), and super().clean() then passes without authenticating.
        if self.user_cache is not None:
            throttling.clear_failures(username=username)
        return cleaned


class ThrottledPasswordResetForm(PasswordResetForm):
    def save(self, *args, request=None, **kwargs):
        address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        if throttling.may_send_reset_mail(email=self.cleaned_data["email"], address=address):
            super().save(*args, request=request, **kwargs)


class AdminAddUserForm(AdminUserCreationForm):
    """The admin's "add user" asks for what sign-up asks for: an email (one account each) and a nickname."""

    email = forms.EmailField(label=_("Email"), max_length=254)

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "nickname")

    def clean_email(self):
        email = self.cleaned_data["email"]
        if _email_taken(email):
            raise forms.ValidationError(_("An account with that email already exists."))
        return email
