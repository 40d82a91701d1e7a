from django.contrib import admin
from django.urls import include, path

from catalogue.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("catalogue.urls")),
]

handler500 = "catalogue.middleware.server_error"
