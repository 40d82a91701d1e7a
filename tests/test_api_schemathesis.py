"""Schemathesis, a client nobody here wrote, against the served OpenAPI document: every operation, with
values the schema allows and values it does not (hostile ones included). No answer may be a server error,
and every answer must be one the document describes: its status, its media type, its headers, its body."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from archive.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_the_test_s_transaction():
    """The app is called as a WSGI server would call it; like Django's test client, it must not close the
    test's database connection at the end of each request (the test's transaction would go with it)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_its_description_says(case, sample, in_the_test_s_transaction):
    # A well-formed value can still name nothing (a slug no one has, a cursor this site never gave out):
    # the answer is a 400 problem, which the check for "schema-valid data is accepted" would count against it.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
