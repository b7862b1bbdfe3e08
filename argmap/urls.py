from django.contrib import admin
from django.urls import include, path, reverse_lazy

from argmap.accounts.views import PasswordChangeView
from argmap.core import views as core_views

# The admin's "change password" checks the old password through the one log-in limiter
# (argmap.accounts.backends), like every other way of proving a password.
admin_password_change = admin.site.admin_view(
    PasswordChangeView.as_view(success_url=reverse_lazy("admin:password_change_done"))
)

urlpatterns = [
    path("", include("argmap.api.urls")),
    path("", include("argmap.debates.urls")),
    path("", include("argmap.pages.urls")),
    path("", include("argmap.annotations.urls")),
    path("", include("argmap.evaluation.urls")),
    path("accounts/", include("argmap.accounts.urls")),
    path("admin/password_change/", admin_password_change),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
]

handler400 = "argmap.core.views.bad_request"
handler403 = "argmap.core.views.permission_denied"
handler404 = "argmap.core.views.page_not_found"
handler500 = "argmap.core.views.server_error"
