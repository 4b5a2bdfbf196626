"""Signing in and out, and resetting a forgotten password by email."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from sportello.web.forms import LoginForm, NewPasswordForm, PasswordResetRequestForm


class LoginView(auth_views.LoginView):
    """Django's sign-in page; a sign-in refused by the limits (``accounts.logins``) answers
    429 with ``Retry-After``, the form saying how long to wait."""

    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.refused is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.refused.retry_after)
        return response


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()

password_reset = auth_views.PasswordResetView.as_view(
    template_name="web/password_reset/request.html",
    form_class=PasswordResetRequestForm,
    email_template_name="web/password_reset/email.txt",
    subject_template_name="web/password_reset/subject.txt",
    success_url=reverse_lazy("web:password_reset_sent"),
)
password_reset_sent = auth_views.PasswordResetDoneView.as_view(
    template_name="web/password_reset/sent.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    template_name="web/password_reset/confirm.html",
    form_class=NewPasswordForm,
    success_url=reverse_lazy("web:password_reset_done"),
)
password_reset_done = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/password_reset/done.html"
)
