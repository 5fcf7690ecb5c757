"""The notes API in process: notes, health and CORS."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from notes_api.api import create_app
from notes_api.settings import Settings

LISTED_ORIGIN = "http://localhost:5173"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=data_dir, cors_origins=[LISTED_ORIGIN])
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_created_note_is_answered_with_201_and_then_listed(client: TestClient):
    created = client.post("/api/notes", json={"text": "  buy milk "})

    assert created.status_code == 201
    assert created.json()["text"] == "buy milk"
    assert client.get("/api/notes").json() == [created.json()]


def test_notes_are_listed_in_the_order_they_were_created(client: TestClient):
    for text in ("first", "second", "third"):
        client.post("/api/notes", json={"text": text})

    texts = [note["text"] for note in client.get("/api/notes").json()]

    assert texts == ["first", "second", "third"]


def test_deleting_a_note_answers_204_and_removes_it(client: TestClient):
    kept = client.post("/api/notes", json={"text": "keep"}).json()
    dropped = client.post("/api/notes", json={"text": "drop"}).json()

    deleted = client.delete(f"/api/notes/{dropped['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert client.get("/api/notes").json() == [kept]


def test_deleting_an_unknown_note_answers_404(client: TestClient):
    answer = client.delete("/api/notes/404")

    assert answer.status_code == 404
    assert answer.json() == {"detail": "note 404 does not exist"}


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "   "}, {"text": "x" * 2001}, {"text": 7}],
    ids=["no text", "empty", "blank", "too long", "not a string"],
)
def test_a_note_without_usable_text_is_refused_with_422(client: TestClient, body):
    assert client.post("/api/notes", json=body).status_code == 422
    assert client.get("/api/notes").json() == []


def test_notes_outlive_the_app_that_stored_them(client: TestClient, data_dir: Path):
    note = client.post("/api/notes", json={"text": "persisted"}).json()

    with TestClient(create_app(Settings(data_dir=data_dir))) as restarted:
        assert restarted.get("/api/notes").json() == [note]
    assert (data_dir / "notes.db").is_file()


def test_health_is_ok_when_the_data_directory_is_writable(client: TestClient):
    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.json() == {"status": "ok"}


# Tests may run as root, for whom permission bits do not stop a write: a data
# directory under (or being) a regular file cannot take one, whoever asks.
UNWRITABLE = pytest.mark.parametrize(
    "data_dir_under_file",
    ["blocker", "blocker/data"],
    ids=["a regular file", "a path under a regular file"],
)


@UNWRITABLE
def test_health_answers_503_when_the_data_directory_cannot_take_a_file(
    tmp_path: Path, data_dir_under_file: str
):
    (tmp_path / "blocker").write_text("not a directory")
    settings = Settings(data_dir=tmp_path / data_dir_under_file)

    with TestClient(create_app(settings)) as client:
        answer = client.get("/healthz")

    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable"


@UNWRITABLE
def test_notes_answer_503_when_the_data_directory_cannot_take_a_file(
    tmp_path: Path, data_dir_under_file: str
):
    (tmp_path / "blocker").write_text("not a directory")
    settings = Settings(data_dir=tmp_path / data_dir_under_file)

    with TestClient(create_app(settings)) as client:
        listed = client.get("/api/notes")
        created = client.post("/api/notes", json={"text": "lost"})

    assert (listed.status_code, created.status_code) == (503, 503)
    assert listed.json() == {"detail": "notes storage is unavailable"}


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (LISTED_ORIGIN, True),
        ("http://localhost:5174", False),
        ("https://localhost:5173", False),
        ("http://evil.example", False),
    ],
)
def test_cors_preflight_is_allowed_only_for_listed_origins(
    client: TestClient, origin: str, allowed: bool
):
    answer = client.options(
        "/api/notes",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert (answer.status_code == 200) is allowed
    assert answer.headers.get("access-control-allow-origin") == (
        origin if allowed else None
    )
