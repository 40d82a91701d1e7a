from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from catalogue import languages, viewer
from catalogue.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("language/", languages.choose, name="choose-language"),
    # The documents themselves, the same in every interface language: originals, IIIF, texts.
    path("files/<int:pk>/scan-text.txt", viewer.scan_text, name="document-scan-text"),
    path("files/<int:pk>/<str:name>", viewer.original, name="document-file"),
    path("iiif/3/<str:ident>", viewer.image_base, name="iiif-image-base"),
    path("iiif/3/<str:ident>/info.json", viewer.image_info, name="iiif-image-info"),
    path("iiif/3/<str:ident>/<str:region>/<str:size>/<str:rotation>/<str:quality>", viewer.image, name="iiif-image"),
    path("documents/<slug:slug>/manifest.json", viewer.manifest, name="iiif-manifest"),
    path("documents/<slug:slug>/texts/<int:pk>.txt", viewer.text_download, name="document-text"),
    # The public site in each interface language: English at /documents/..., the others at /ru/documents/...
    *i18n_patterns(path("", include("catalogue.urls")), prefix_default_language=False),
]

handler500 = "catalogue.middleware.server_error"
