from django import template
from django.utils.html import format_html

from .. import citations

register = template.Library()


@register.simple_tag(takes_context=True)
def coins(context, document):
    """A COinS span so reference managers can save every document on a page of results."""
    url = context["request"].build_absolute_uri(document.get_absolute_url())
    return format_html('<span class="Z3988" title="{}"></span>', citations.coins(document, url))
