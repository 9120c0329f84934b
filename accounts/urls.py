from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import token_views, views
from accounts.forms import ThrottledAuthenticationForm, ThrottledPasswordResetForm

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", auth_views.LoginView.as_view(
        template_name="accounts/login.html", authentication_form=ThrottledAuthenticationForm,
        redirect_authenticated_user=True,
    ), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.my_page, name="my-page"),
    path("me/tokens/", token_views.create_token, name="access-token-create"),
    path("me/tokens/<int:token_id>/revoke/", token_views.revoke_token, name="access-token-revoke"),
    path("language/", views.set_language, name="set-language"),
    path("password/change/", auth_views.PasswordChangeView.as_view(
        template_name="accounts/password_change.html", success_url=reverse_lazy("password-change-done"),
    ), name="password-change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(
        template_name="accounts/message.html", extra_context={"message_key": "password_changed"},
    ), name="password-change-done"),
    path("password/reset/", auth_views.PasswordResetView.as_view(
        form_class=ThrottledPasswordResetForm, template_name="accounts/password_reset.html",
        email_template_name="accounts/password_reset_email.txt",
        subject_template_name="accounts/password_reset_subject.txt",
        success_url=reverse_lazy("password-reset-done"),
    ), name="password-reset"),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(
        template_name="accounts/message.html", extra_context={"message_key": "reset_sent"},
    ), name="password-reset-done"),
    path("password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_reset_confirm.html", success_url=reverse_lazy("password-reset-complete"),
    ), name="password-reset-confirm"),
    path("password/reset/complete/", auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/message.html", extra_context={"message_key": "reset_complete"},
    ), name="password-reset-complete"),
]
