from django.conf import settings


def catalogue(request):
    return {"catalogue_name": settings.CATALOGUE_NAME}
