"""Django's JSON fixtures with timestamps kept to the microsecond, and history that outlives its rows.

Django's own encoder cuts times to the millisecond, so a backup made with `dumpdata` would restore
every `added` and `modified` a little earlier than it was, and keyset pages and harvest datestamps
built on them would shift. Registered for the "json" format, so `dumpdata`, `loaddata`, `backup` and
`restore` all read and write exact times; the reading side is Django's, which parses either form.
"""

import datetime

from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers import json as django_json


class ExactJSONEncoder(django_json.DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text.removesuffix("+00:00") + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        super()._init_options()
        if self.json_kwargs.get("cls") is django_json.DjangoJSONEncoder:
            self.json_kwargs["cls"] = ExactJSONEncoder

    def _resolve_fk_natural_key(self, obj, field):
        # History keeps naming a person merged away or an entity deleted since: that row has no natural
        # key any more, so its id is written as it is (history's references are not constraints).
        try:
            return super()._resolve_fk_natural_key(obj, field)
        except ObjectDoesNotExist:
            return None


Deserializer = django_json.Deserializer
