from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("documents/", views.DocumentListView.as_view(), name="document-list"),
    path("documents/<slug:slug>/", views.DocumentDetailView.as_view(), name="document-detail"),
]
