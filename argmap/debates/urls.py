from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("maps/<slug:slug>/export.json", views.export_page, name="map-export"),
    path("maps/<slug:slug>/download/<slug:fmt>/", views.download_map, name="map-download"),
    path(
        "maps/<slug:slug>/nodes/<slug:key>/download/<slug:fmt>/",
        views.download_branch,
        name="branch-download",
    ),
    path("oembed", views.oembed, name="oembed"),
    path("sources/<slug:slug>/argument/", views.source_argument, name="source-argument"),
    path("search/", views.search_page, name="search"),
]
