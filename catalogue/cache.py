"""Django's Redis cache, with one Redis client per connection pool rather than a new one for every call.

Django's `RedisCacheClient.get_client` builds a `redis.Redis` for each get and set, and redis-py builds its
table of response callbacks in every one: about a third of a millisecond each time, twice for every page
served from the cache. The clients are safe to share between threads (each call takes a connection from
the pool), so each pool gets one, made once.
"""

from django.core.cache.backends import redis as django_redis


class _RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _RedisCacheClient
