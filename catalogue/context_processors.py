from django.conf import settings
from django.urls import get_script_prefix


def catalogue(request):
    # The address the site is served under: what the kept header and footer vary on beside the language.
    return {"catalogue_name": settings.CATALOGUE_NAME, "script_prefix": get_script_prefix()}
