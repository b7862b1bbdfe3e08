from django.contrib import admin
from django.urls import include, path

from argmap.core import views as core_views

urlpatterns = [
    path("", include("argmap.debates.urls")),
    path("", include("argmap.annotations.urls")),
    path("accounts/", include("argmap.accounts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
]

handler400 = "argmap.core.views.bad_request"
handler403 = "argmap.core.views.permission_denied"
handler404 = "argmap.core.views.page_not_found"
handler500 = "argmap.core.views.server_error"
