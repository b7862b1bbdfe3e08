from django.urls import path

from . import views

urlpatterns = [
    path("maps/<slug:slug>/", views.map_page, name="map"),
    path("maps/<slug:slug>/diagram/", views.diagram_page, name="diagram"),
    path("maps/<slug:slug>/nodes/<slug:key>/", views.node_page, name="node"),
    path("maps/<slug:slug>/nodes/<slug:key>/embed/", views.node_embed, name="node-embed"),
    path("maps/<slug:slug>/tree/<slug:key>/", views.tree_node, name="tree-node"),
]
