"""Records for tests to make, with sensible defaults: say only what a test is about."""

import factory
from django.contrib.auth.models import Group, User
from django.utils.text import slugify
from factory.django import DjangoModelFactory

from catalogue.models import Document, DocumentText, Person, Status

PASSWORD = "a-long-test-password"


class DocumentFactory(DjangoModelFactory):
    """A draft letter of 1957; `published=True` publishes it; `people=[...]` (and places...) tags it."""

    class Meta:
        model = Document
        skip_postgeneration_save = True  # tags are links, set after the document is saved

    class Params:
        published = factory.Trait(status=Status.PUBLISHED)

    title = factory.Sequence(lambda n: f"Newly found letter {n}")
    summary = "A letter."
    date = "1957"
    status = Status.DRAFT

    @factory.post_generation
    def people(self, create, extracted, **kwargs):
        if extracted:
            self.people.set(extracted)

    @factory.post_generation
    def places(self, create, extracted, **kwargs):
        if extracted:
            self.places.set(extracted)

    @factory.post_generation
    def text(self, create, extracted, **kwargs):
        """`text="..."`: its English translation."""
        if extracted:
            DocumentText.objects.create(document=self, kind=DocumentText.Kind.TRANSLATION, body=extracted)


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.LazyAttribute(lambda person: slugify(person.name))
    sort_name = factory.LazyAttribute(lambda person: person.name)


class UserFactory(DjangoModelFactory):
    """A member of staff (`is_staff`), in the groups named by `roles` ("Archivist", "Editor")."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"curator{n}")
    is_staff = True
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get(name=name))
