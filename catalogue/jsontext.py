"""JSON that may be placed in HTML or served beside it: its text can never be read as markup."""

import json
from typing import Any

# "<", ">" and "&" written as JSON escapes: "</script>" cannot close the element holding it, and a browser
# sniffing a JSON error page finds no tag in it.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def markup_safe_json(data: object, **dumps_options: Any) -> str:
    return json.dumps(data, ensure_ascii=False, **dumps_options).translate(_ESCAPES)


def markup_safe_bytes(encoded: bytes) -> bytes:
    """The same escapes in JSON already encoded as UTF-8 (where "<", ">" and "&" are only ever themselves)."""
    return encoded.replace(b"&", b"\\u0026").replace(b"<", b"\\u003C").replace(b">", b"\\u003E")
