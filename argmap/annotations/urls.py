from django.urls import path

from . import views

urlpatterns = [
    path("annotations/new/", views.create_node_annotation, name="annotation-create"),
    path("annotations/<int:pk>/", views.annotation_detail, name="annotation"),
    path("annotations/<int:pk>/edit/", views.edit_annotation, name="annotation-edit"),
    path("annotations/<int:pk>/delete/", views.delete_annotation, name="annotation-delete"),
    path("annotations/<int:pk>/flag/", views.flag_annotation, name="annotation-flag"),
    path("nodes/<int:pk>/annotations/", views.node_annotations, name="node-annotations"),
    path("maps/<slug:slug>/nodes/<slug:key>/propose/", views.propose, name="propose"),
    path(
        "maps/<slug:slug>/nodes/<slug:key>/propose/similar/",
        views.similar_claims,
        name="similar-claims",
    ),
    path("accounts/proposals/", views.my_proposals, name="proposals"),
    path("sources/<slug:slug>/", views.source_page, name="source"),
    path("sources/<slug:slug>/propose/", views.passage_propose, name="passage-propose"),
    path(
        "sources/<slug:slug>/annotations/",
        views.create_passage_annotation,
        name="passage-annotation-create",
    ),
]
