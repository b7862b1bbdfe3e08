from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from argmap.core.ratelimit import rate_limited

from .forms import SignUpForm


def safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}. You can now annotate the map.")
        return redirect(safe_next(request))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.method == "POST" and rate_limited(request, "login"):
        return render(
            request,
            "accounts/rate_limited.html",
            {"what": "log-in attempts"},
            status=429,
        )
    return auth_views.LoginView.as_view(redirect_authenticated_user=True)(request)


@require_GET
def profile(request, username):
    person = get_object_or_404(User, username=username, is_active=True)
    annotations = person.annotations.visible_to(request.user).for_listing()
    suggestions = person.suggestions.select_related("target__map") if request.user == person else []
    context = {"person": person, "annotations": annotations, "suggestions": suggestions}
    return render(request, "accounts/profile.html", context)
