from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods

from argmap.lib.ratelimit import rate_limited, rate_limited_response

from .forms import SignUpForm
from .models import User


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
    context = {"form": form, "next": safe_next(request, "")}
    status = 400 if request.method == "POST" else 200  # a valid POST redirected above
    return render(request, "accounts/signup.html", context, status=status)


@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.method == "POST" and rate_limited(request, "login"):
        return rate_limited_response(request, "login", "log-in attempts")
    response = auth_views.LoginView.as_view(redirect_authenticated_user=True)(request)
    if request.method == "POST" and response.status_code == 200:
        response.status_code = 400  # wrong username or password, shown inline
    return response


@require_GET
def profile(request, username):
    person = get_object_or_404(User, username=username, is_active=True)
    annotations = person.annotations.for_viewer(request.user)
    suggestions = []
    if request.user == person:
        suggestions = person.suggestions.select_related(
            "target__map", "created_node__map", "annotation__source"
        ).defer("annotation__source__text")
    context = {"person": person, "annotations": annotations, "suggestions": suggestions}
    return render(request, "accounts/profile.html", context)
