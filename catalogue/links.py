"""`?query` links that each change one thing in the current query: the listing's facets, chips, timeline and
pages, and the pages of an entity's documents."""

from urllib.parse import quote_plus

from django.http import QueryDict


class QueryLinks:
    """`?query` links that each change one thing in the current query.

    A listing draws a hundred of them (every facet value, chip, timeline bar and page), so the current query
    is encoded and joined once: a link that only adds to it (a value, or a parameter the query does not
    have) joins its own pieces to that. Changing what is shown returns to the first page.
    """

    def __init__(self, params, known=None):
        # Only the parameters the listing reads travel on: anything else in the address is dropped.
        self.pairs = [
            (name, value)
            for name, values in params.lists()
            if name != "page" and (known is None or name in known)
            for value in values
        ]
        self.encoded = [_encoded(name, value) for name, value in self.pairs]
        self.joined = "&".join(self.encoded)
        self.names = {name for name, _value in self.pairs}
        self.held = set(self.pairs)

    def params(self):
        """The current query as a QueryDict, for links the template builds itself."""
        query = QueryDict(mutable=True)
        for name, value in self.pairs:
            query.appendlist(name, value)
        return query

    def url(self, add=None, remove=None, **replace):
        """The query with `add` (a (name, value) pair) added, `remove` (one) taken away, and each `replace`d
        name given its new value (None drops it)."""
        if remove or not self.names.isdisjoint(replace):
            pieces = []
            replaced = set()
            for pair, piece in zip(self.pairs, self.encoded, strict=True):
                name = pair[0]
                if pair == remove:
                    continue
                if name in replace:
                    # A replaced name keeps its place in the query, as QueryDict would.
                    if name not in replaced and replace[name] is not None:
                        pieces.append(_encoded(name, replace[name]))
                    replaced.add(name)
                    continue
                pieces.append(piece)
        else:
            pieces, replaced = [self.joined] if self.joined else [], set()
        pieces += [_encoded(name, value) for name, value in replace.items()
                   if value is not None and name not in replaced]  # fmt: skip
        if add and add not in self.held:
            pieces.append(_encoded(*add))
        return "?" + "&".join(pieces)


def in_html(url):
    """A `QueryLinks` address written into HTML: every name and value in it is percent-encoded, so `&` is the one
    character of it that HTML needs escaped (a facet writes a hundred)."""
    return url.replace("&", "&amp;")


def _encoded(name, value):
    """`urlencode({name: value})`, without its work for many pairs (a listing encodes a hundred, one at a time)."""
    return f"{quote_plus(str(name))}={quote_plus(str(value))}"
