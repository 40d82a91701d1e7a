import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
django.setup()
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.db import connection
from catalogue import views
from catalogue.models import Person, Place, Document
url = sys.argv[1]
rf = RequestFactory(HTTP_HOST="localhost")
class U: 
    is_authenticated=False
    def has_perm(self,p): return False
req = rf.get(url); req.user=U()
path = url.split("?")[0]
if path.startswith("/people/"):
    v = views.PersonDetailView.as_view(); kw={"slug": path.split("/")[2]}
else:
    v = views.DocumentListView.as_view(); kw={}
v(req, **kw).render()
with CaptureQueriesContext(connection) as c:
    v(req, **kw).render()
for q in c.captured_queries:
    t=time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(q["sql"]); cur.fetchall() if cur.description else None
    print(f"{(time.perf_counter()-t)*1000:8.1f} ms  {q['sql'][:220]}")
