"""JSON that may be placed in HTML or served beside it: its text can never be read as markup."""

import json
from typing import Any

# "<", ">" and "&" written as JSON escapes: "</script>" cannot close the element holding it, and a browser
# sniffing a JSON error page finds no tag in it.
_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def markup_safe_json(data: object, **dumps_options: Any) -> str:
    return json.dumps(data, ensure_ascii=False, **dumps_options).translate(_ESCAPES)
