from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from argmap.lib.htmx import HtmxHttpRequest
from argmap.ratelimit import limits as ratelimit

from .forms import LinkSpent, PasswordChangeForm, ResetPasswordForm, SettingsForm, SignUpForm
from .models import Notification, User

BACKEND = "argmap.accounts.backends.RateLimitedModelBackend"


def safe_next(request: HtmxHttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next")
    # Only a path or a URL: redirect() reads a bare word ("?next=a") as a view's name,
    # and a name it cannot find was a 500.
    if (
        target
        and "/" in target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HtmxHttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Counted per address, so one client cannot make accounts by the dozen.
        ratelimit.count(request, "signup", "new accounts", who=ratelimit.client_address(request))
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # a look-alike name was taken a moment ago
            form.add_error("username", "That name looks the same as an existing account's.")
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, f"Welcome, {user.username}. You can now annotate the map.")
            return redirect(safe_next(request))
    context = {"form": form, "next": safe_next(request, "")}
    status = 400 if request.method == "POST" else 200  # a valid POST redirected above
    return render(request, "accounts/signup.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HtmxHttpRequest) -> HttpResponseBase:
    # Wrong passwords are limited in RateLimitedModelBackend, for this and every other log-in.
    response = auth_views.LoginView.as_view(redirect_authenticated_user=True)(request)
    if request.method == "POST" and response.status_code == 200:
        response.status_code = 400  # wrong username or password, shown inline
    return response


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset, counted per address and per email so it cannot flood an inbox."""

    success_url = reverse_lazy("password_reset_done")
    email_template_name = "registration/password_reset_email.txt"  # plain text, not HTML

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = ratelimit.client_address(self.request)
        email = form.cleaned_data["email"].casefold()
        ratelimit.count(self.request, "password-reset", "password resets", who=f"addr:{address}")
        ratelimit.count(self.request, "password-reset", "password resets", who=f"email:{email}")
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, with a link that works once even when submitted twice at once."""

    form_class = ResetPasswordForm

    def form_valid(self, form: "SetPasswordForm[User]") -> HttpResponse:
        try:
            return super().form_valid(form)
        except LinkSpent:
            self.validlink = False  # the page says the link was already used
            return self.render_to_response(self.get_context_data(), status=409)


@require_safe
def profile(request: HtmxHttpRequest, username: str) -> HttpResponse:
    person = get_object_or_404(User, username=username, is_active=True)
    annotations = person.annotations.for_viewer(request.user)
    context = {"person": person, "annotations": annotations}
    if request.user == person:
        context["settings_form"] = SettingsForm(instance=person)
    return render(request, "accounts/profile.html", context)


@require_POST
@login_required
def account_settings(request: HtmxHttpRequest) -> HttpResponse:
    """The reader's own settings: mail on decisions, and credit in the public fixtures."""
    form = SettingsForm(request.POST, instance=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("profile", request.user.username)
    context: dict[str, object] = {
        "person": request.user,
        "annotations": [],
        "settings_form": form,
    }
    return render(request, "accounts/profile.html", context, status=400)


@require_safe
@login_required
def notifications(request: HtmxHttpRequest) -> HttpResponse:
    """The reader's notifications, newest first; those unread until now are marked read
    (the page shows which were new)."""
    shown = list(Notification.objects.filter(user=request.user.pk or 0)[:100])
    unread = [notice.pk for notice in shown if notice.read_at is None]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(
        request, "accounts/notifications.html", {"notifications": shown, "unread": set(unread)}
    )
