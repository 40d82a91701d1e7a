"""A document's record as a PDF, drawn on the server by WeasyPrint from a page of its own.

WeasyPrint lays out HTML and CSS for paper (page numbers, running footers, no breaks inside the citation)
with the machine's fonts; it is imported when a PDF is first asked for, so the rest of the site does not
load Pango. It fetches nothing: everything it draws is in the page and the stylesheet given to it.
"""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

TEMPLATE = "catalogue/document_pdf.html"
STYLESHEET = "css/pdf.css"


def _fetch_nothing(url, *args, **kwargs):
    raise ValueError(f"The PDF draws nothing from outside the page ({url[:80]}).")


class PdfUnavailable(RuntimeError):
    """This server cannot draw PDFs: WeasyPrint or the system libraries it needs (Pango) are missing."""


def _engine():
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: a system library (Pango) that cannot be loaded
        raise PdfUnavailable(str(error)) from error
    return weasyprint


def document_pdf(context, base_url) -> bytes:
    engine = _engine()
    CSS, HTML = engine.CSS, engine.HTML

    page = render_to_string(TEMPLATE, context)
    stylesheet = CSS(filename=finders.find(STYLESHEET), url_fetcher=_fetch_nothing)
    return HTML(string=page, base_url=base_url, url_fetcher=_fetch_nothing).write_pdf(stylesheets=[stylesheet])
