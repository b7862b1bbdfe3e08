from django.urls import path, re_path

from . import views
from .api import api

urlpatterns = [
    path("api/v1/", api.urls),
    # Any other address under the API answers in the API's error shape, not an HTML page.
    re_path(r"^api/", views.unknown_address),
]
