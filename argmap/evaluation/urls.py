from django.urls import path

from . import views

urlpatterns = [
    path("maps/<slug:slug>/nodes/<slug:key>/vote/", views.vote, name="vote"),
    path("strength/", views.how_strength, name="strength-how"),
]
