"""`make load`: researchers browsing the catalogue, a mix of listing, search, facets, documents and people."""

import random
import re

import requests
from locust import HttpUser, between, events, task

KEYWORDS = ["delegation", "treaty", "harbour", "zeppelin", "grain steel", '"central committee"', "missiles -navy"]
# Addresses to visit, read once from the sitemaps before the researchers arrive.
ADDRESSES = {"documents": ["/"], "people": ["/people/"]}


@events.test_start.add_listener
def read_sitemaps(environment, **kwargs):
    for kind in ADDRESSES:
        sitemap = requests.get(f"{environment.host}/sitemap-{kind}.xml", timeout=120).text
        found = re.findall(rf"<loc>https?://[^/]+(/{kind}/[^<]+)</loc>", sitemap)
        ADDRESSES[kind] = found[:2000] or ADDRESSES[kind]


class Researcher(HttpUser):
    wait_time = between(0.5, 2)

    @task(3)
    def landing(self):
        self.client.get("/documents/", name="/documents/")

    @task(4)
    def search(self):
        self.client.get("/documents/", params={"q": random.choice(KEYWORDS)}, name="/documents/?q=")

    @task(3)
    def facet(self):
        slug = random.choice(ADDRESSES["people"]).rstrip("/").rsplit("/", 1)[-1]
        self.client.get("/documents/", params={"person": slug, "sort": "date"}, name="/documents/?person=")

    @task(4)
    def document(self):
        self.client.get(random.choice(ADDRESSES["documents"]), name="/documents/<slug>/")

    @task(2)
    def person(self):
        self.client.get(random.choice(ADDRESSES["people"]), name="/people/<slug>/")
