from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("maps/<slug:slug>/", views.map_page, name="map"),
    path("maps/<slug:slug>/export.json", views.export_page, name="map-export"),
    path("maps/<slug:slug>/download/<slug:fmt>/", views.download_map, name="map-download"),
    path(
        "maps/<slug:slug>/nodes/<slug:key>/download/<slug:fmt>/",
        views.download_branch,
        name="branch-download",
    ),
    path("maps/<slug:slug>/diagram/", views.diagram_page, name="diagram"),
    path("maps/<slug:slug>/nodes/<slug:key>/", views.node_page, name="node"),
    path("maps/<slug:slug>/nodes/<slug:key>/embed/", views.node_embed, name="node-embed"),
    path("oembed", views.oembed, name="oembed"),
    path("maps/<slug:slug>/tree/<slug:key>/", views.tree_node, name="tree-node"),
    path("sources/<slug:slug>/argument/", views.source_argument, name="source-argument"),
    path("search/", views.search_page, name="search"),
]
