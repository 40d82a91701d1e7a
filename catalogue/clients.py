"""Who sent a request: the address to throttle failed logins by, trusting exactly the proxies configured."""

from ipaddress import ip_address

from django.conf import settings


def _address(text):
    try:
        return str(ip_address(text.strip()))
    except ValueError:
        return None


def client_address(request):
    """The client's address: with N proxies in front (`DJANGO_PROXY_COUNT`), the Nth entry of
    X-Forwarded-For counted from the right, since each proxy appends the address it was reached from.

    Anything further left was written by the client and is never read, so a forged header cannot choose
    the address. Without proxies, or when the header has fewer entries than there are proxies (a request
    that did not come through them), the peer's own address is used.
    """
    peer = _address(request.META.get("REMOTE_ADDR", ""))  # a real server always gives one
    proxies = settings.CATALOGUE_PROXY_COUNT
    if not proxies:
        return peer
    hops = [hop for hop in request.headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return peer
    return _address(hops[-proxies]) or peer
