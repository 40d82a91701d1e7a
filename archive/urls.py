from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from catalogue import languages
from catalogue.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("language/", languages.choose, name="choose-language"),
    # The public site in each interface language: English at /documents/..., the others at /ru/documents/...
    *i18n_patterns(path("", include("catalogue.urls")), prefix_default_language=False),
]

handler500 = "catalogue.middleware.server_error"
