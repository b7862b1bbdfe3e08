"""One app process for tests/debates/test_fleet.py: reads requests on stdin, answers in JSON.

Each line is {"path": ..., "htmx": bool} or {"hit": name}; the answer gives the status, the
body and how many SQL queries the request ran, so the test can tell a render from a cache hit.
Run with the test's database and REDIS_URL in the environment.
"""

import json
import sys

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from argmap.ratelimit import limits as ratelimit  # noqa: E402

# As tests/conftest.py's plain_static_storage: no collectstatic manifest in tests.
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}).enable()
client = Client(HTTP_HOST="localhost")
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    ask = json.loads(line)
    if "hit" in ask:
        print(json.dumps({"count": ratelimit.hit(ask["hit"], 60)[0]}), flush=True)
        continue
    headers = {"HX-Request": "true"} if ask.get("htmx") else {}
    with CaptureQueriesContext(connection) as queries:
        response = client.get(ask["path"], headers=headers)
    answer = {
        "status": response.status_code,
        "queries": len(queries.captured_queries),
        "body": response.content.decode(),
    }
    print(json.dumps(answer), flush=True)
