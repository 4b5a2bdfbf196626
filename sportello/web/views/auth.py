"""Signing in and out, and resetting a forgotten password by email."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from sportello.accounts import logins
from sportello.web.forms import (
    LoginForm,
    NewPasswordForm,
    PasswordResetRequestForm,
    reset_refusal_message,
)
from sportello.web.views import two_factor


class LoginView(auth_views.LoginView):
    """Django's sign-in page; a sign-in refused by the limits (``accounts.logins``) answers
    429 with ``Retry-After``, the form saying how long to wait."""

    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        # Two-factor: the code page finishes the sign-in (``views.two_factor``).
        user = form.get_user()
        second_step = two_factor.after_password(self.request, user, self.get_success_url())
        if second_step is not None:
            return second_step
        response = super().form_valid(form)
        two_factor.mark_enrolment(self.request, user)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        if form.refused is not None:
            response.status_code = 429
            response["Retry-After"] = str(form.refused.retry_after)
        return response


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset request, within limits per address written to and per client
    (``accounts.logins.reset_refusal``): 429 and a sentence once they are reached. Every
    request counts, an account's address or not, so the answer tells nothing."""

    template_name = "web/password_reset/request.html"
    form_class = PasswordResetRequestForm
    email_template_name = "web/password_reset/email.txt"
    subject_template_name = "web/password_reset/subject.txt"
    success_url = reverse_lazy("web:password_reset_sent")

    def form_valid(self, form: Any) -> HttpResponse:
        email = form.cleaned_data["email"]
        address = logins.client_address(self.request)
        refused = logins.reset_refusal(email, address)
        if refused is not None:
            form.add_error(None, reset_refusal_message(refused))
            response = self.form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(refused.retry_after)
            return response
        logins.record_reset_request(email, address)
        return super().form_valid(form)


password_reset = PasswordResetView.as_view()
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
