"""A curator starts a new debate in the admin: its documents uploaded or pasted (stored byte
for byte with their SHA-256, refused with a reason when they cannot be), its question and
thesis, or a whole map imported from a file with import_map's rules."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from argmap.debates.admin import SOURCE_MAX_BYTES
from argmap.debates.models import ArgumentMap, Node, Source

pytestmark = pytest.mark.django_db

ADD_SOURCE = "/admin/debates/source/add/"
FIELDS = {"title": "A new essay", "title_by": "curators", "slug": "new-essay", "kind": "essay"}
FIELDS |= {"tags": "[]"}
TEXT = "Line one — with a dash.\r\nLine two: “quoted”.\n\nÉnd, naïve café 🙂\n"


def upload(data, name="essay.txt"):
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_an_uploaded_document_is_stored_byte_for_byte_with_its_sha256(curator_client):
    data = TEXT.encode("utf-8")
    response = curator_client.post(ADD_SOURCE, {**FIELDS, "upload": upload(data)})
    assert response.status_code == 302
    source = Source.objects.get(slug="new-essay")
    assert source.text.encode("utf-8") == data
    assert source.sha256 == hashlib.sha256(data).hexdigest()
    assert source.file == "essay.txt"


def test_a_pasted_document_is_stored_as_sent(curator_client):
    response = curator_client.post(ADD_SOURCE, {**FIELDS, "pasted": TEXT})
    assert response.status_code == 302
    assert Source.objects.get(slug="new-essay").text == TEXT


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"caf\xe9 latin-1", "not valid UTF-8 (byte 3"),
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"x" * (SOURCE_MAX_BYTES + 1), "over 1,024 KB"),
    ],
    ids=["latin-1", "nothing", "blank", "oversize"],
)
def test_a_document_that_cannot_be_a_source_is_refused_with_the_reason(
    curator_client, data, reason
):
    response = curator_client.post(ADD_SOURCE, {**FIELDS, "upload": upload(data)})
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Source.objects.filter(slug="new-essay").exists()


def test_a_new_map_has_its_question_and_thesis(curator_client):
    response = curator_client.post(
        "/admin/debates/argumentmap/add/",
        {"slug": "second", "title": "Second", "question": "Is it?", "thesis": "It is."},
    )
    assert response.status_code == 302
    argmap = ArgumentMap.objects.get(slug="second")
    assert (argmap.question, argmap.thesis.text, argmap.thesis.kind) == (
        "Is it?",
        "It is.",
        "thesis",
    )
    assert argmap.is_curated


def test_a_map_file_is_imported_whole_or_not_at_all(curator_client, seeded_map):
    out = StringIO()
    call_command("export_map", seeded_map.slug, "--format", "aif", stdout=out)
    url = "/admin/debates/argumentmap/import/"
    assert (
        "Import a map from a file"
        in curator_client.get("/admin/debates/argumentmap/").content.decode()
    )
    bad = curator_client.post(url, {"slug": "broken", "file": upload(b'{"nodes": [}', "x.json")})
    assert bad.status_code == 400 and 'role="alert"' in bad.content.decode()
    assert not ArgumentMap.objects.filter(slug="broken").exists()
    good = curator_client.post(
        url, {"slug": "from-aif", "file": upload(out.getvalue().encode(), "m.json")}
    )
    assert good.status_code == 302 and good["Location"] == "/maps/from-aif/"
    imported = ArgumentMap.objects.get(slug="from-aif")
    assert Node.objects.filter(map=imported).count() == seeded_map.nodes.count()


def exported_argmap_with_text(seeded_map, text):
    out = StringIO()
    call_command("export_map", seeded_map.slug, "--format", "argmap", stdout=out)
    document = json.loads(out.getvalue())
    document["nodes"][1]["text"] = text
    return json.dumps(document).encode()  # escaped: \\u0000, \\ud800


# What json.loads raises on (nesting past Python's stack, a number of 5,000 digits) or lets
# through to a database that refuses it (an escaped NUL, half a surrogate pair), and front
# matter that is JSON but not of the shape read.
HOSTILE_FILES = {
    "deep array": lambda _: b"[" * 100_000,
    "deep object": lambda _: b'{"a":' * 100_000,
    "long number": lambda _: b'{"format": "argmap/2", "map": ' + b"9" * 5000 + b"}",
    "aif id": lambda _: b'{"nodes": [{"nodeID": ' + b"9" * 5000 + b', "type": "I"}], "edges": []}',
    "nul": lambda seeded_map: exported_argmap_with_text(seeded_map, "a\x00b"),
    "surrogate": lambda seeded_map: exported_argmap_with_text(seeded_map, "a\ud800b"),
    "argdown front matter": lambda _: b"===\n" + b"[" * 100_000 + b"\n===\n\n[T]: A thesis.\n",
    "argdown data": lambda _: b'[T]: A thesis. {"weight": ' + b"9" * 5000 + b"}\n",
    "argdown front matter list": lambda _: b"===\n[]\n===\n\n[T]: A thesis.\n",
    "argdown front matter map": lambda _: b'===\n{"argmap": {"map": "x"}}\n===\n\n[T]: A thesis.\n',
}


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_a_hostile_map_file_is_refused_with_its_problem_not_a_500(curator_client, seeded_map, name):
    url = "/admin/debates/argumentmap/import/"
    data = HOSTILE_FILES[name](seeded_map)
    curator_client.raise_request_exception = False
    response = curator_client.post(url, {"slug": "hostile", "file": upload(data, "m.json")})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    assert not ArgumentMap.objects.filter(slug="hostile").exists()


def test_a_reader_cannot_import(client, seeded_map):
    from ..factories import UserFactory

    client.force_login(UserFactory())
    response = client.get("/admin/debates/argumentmap/import/")
    assert response.status_code == 302  # to the admin's log-in
