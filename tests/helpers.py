from bs4 import BeautifulSoup


def html(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def text_of(node):
    """The visible text of a node with white space folded, as a reader sees it."""
    return " ".join(node.get_text(" ").split()) if node else ""


def result_titles(response):
    return [text_of(a) for a in html(response).select(".results .result__title a")]
