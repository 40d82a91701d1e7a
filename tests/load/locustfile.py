"""`make load`: researchers browsing the catalogue, a mix of listing, search, facets, documents and people."""

import random
import re

from locust import HttpUser, between, task

KEYWORDS = ["delegation", "treaty", "harbour", "zeppelin", "grain steel", '"central committee"', "missiles -navy"]


class Researcher(HttpUser):
    wait_time = between(0.5, 2)
    # Addresses to visit, read once from the sitemaps and shared by every simulated researcher.
    documents = people = None

    def on_start(self):
        cls = type(self)
        if cls.documents is None:
            documents = self.client.get("/sitemap-documents.xml", name="/sitemap (setup)").text
            people = self.client.get("/sitemap-people.xml", name="/sitemap (setup)").text
            # Both at once: another researcher may start while these are being read.
            cls.documents, cls.people = (
                re.findall(r"<loc>https?://[^/]+(/documents/[^<]+)</loc>", documents)[:2000] or ["/"],
                re.findall(r"<loc>https?://[^/]+(/people/[^<]+)</loc>", people)[:500] or ["/people/"],
            )

    @task(3)
    def landing(self):
        self.client.get("/documents/", name="/documents/")

    @task(4)
    def search(self):
        self.client.get("/documents/", params={"q": random.choice(KEYWORDS)}, name="/documents/?q=")

    @task(3)
    def facet(self):
        slug = random.choice(self.people).rstrip("/").rsplit("/", 1)[-1]
        self.client.get("/documents/", params={"person": slug, "sort": "date"}, name="/documents/?person=")

    @task(4)
    def document(self):
        self.client.get(random.choice(self.documents), name="/documents/<slug>/")

    @task(2)
    def person(self):
        self.client.get(random.choice(self.people), name="/people/<slug>/")
