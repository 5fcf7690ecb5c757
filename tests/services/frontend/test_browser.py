"""The built page in headless Chromium, against backends running on this machine."""

from collections.abc import Callable

import httpx2
from playwright.sync_api import Locator, Page, expect

from tests.services.support import REPO, Server, free_port

SCREENSHOTS = REPO / "test-output"
UNREACHABLE = "Cannot reach the backend at {url}. Check that it is running"

StartBackend = Callable[..., Server]
ServeFrontend = Callable[[str], Server]


def add_note(page: Page, text: str) -> None:
    page.get_by_label("New note").fill(text)
    page.get_by_role("button", name="Add").click()


def listed_notes(page: Page) -> Locator:
    return page.get_by_role("list", name="Notes").get_by_role("listitem")


def stored_texts(backend: Server) -> list[str]:
    return [note["text"] for note in httpx2.get(f"{backend.url}/api/notes").json()]


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def test_a_note_added_in_the_page_survives_a_backend_restart(
    page: Page, start_backend: StartBackend, serve_frontend: ServeFrontend, tmp_path
):
    api_port = free_port()
    frontend = serve_frontend(f"http://127.0.0.1:{api_port}")
    backend = start_backend(tmp_path / "data", port=api_port, cors_origins=frontend.url)
    page.goto(frontend.url)
    expect(page.get_by_text("No notes yet.")).to_be_visible()

    add_note(page, "survives restarts")
    expect(listed_notes(page)).to_contain_text(["survives restarts"])
    backend.stop()
    start_backend(tmp_path / "data", port=api_port, cors_origins=frontend.url)
    page.reload()

    expect(listed_notes(page)).to_contain_text(["survives restarts"])
    expect(page.get_by_role("alert")).to_be_hidden()
    screenshot(page, "notes-after-backend-restart")


def test_a_note_deleted_in_the_page_is_gone_from_the_backend(
    page: Page, start_backend: StartBackend, serve_frontend: ServeFrontend, tmp_path
):
    api_port = free_port()
    frontend = serve_frontend(f"http://127.0.0.1:{api_port}")
    backend = start_backend(tmp_path / "data", port=api_port, cors_origins=frontend.url)
    for text in ("keep me", "drop me"):
        httpx2.post(f"{backend.url}/api/notes", json={"text": text})
    page.goto(frontend.url)

    page.get_by_role("button", name='Delete "drop me"').click()

    expect(listed_notes(page)).to_contain_text(["keep me"])
    expect(listed_notes(page)).to_have_count(1)
    assert stored_texts(backend) == ["keep me"]


def test_the_same_bundle_talks_to_whichever_backend_api_url_names(
    page: Page, start_backend: StartBackend, serve_frontend: ServeFrontend, tmp_path
):
    first_port, second_port = free_port(), free_port()
    first_page = serve_frontend(f"http://127.0.0.1:{first_port}")
    second_page = serve_frontend(f"http://127.0.0.1:{second_port}")
    first = start_backend(
        tmp_path / "first", port=first_port, cors_origins=first_page.url
    )
    second = start_backend(
        tmp_path / "second", port=second_port, cors_origins=second_page.url
    )
    page.goto(first_page.url)
    add_note(page, "only in the first")
    expect(listed_notes(page)).to_contain_text(["only in the first"])

    page.goto(second_page.url)
    expect(page.get_by_text("No notes yet.")).to_be_visible()
    expect(page.get_by_text(f"Backend: {second.url}")).to_be_visible()
    add_note(page, "only in the second")
    expect(listed_notes(page)).to_contain_text(["only in the second"])

    assert stored_texts(first) == ["only in the first"]
    assert stored_texts(second) == ["only in the second"]


def test_the_page_says_it_cannot_reach_a_backend_that_is_not_running(
    page: Page, serve_frontend: ServeFrontend
):
    closed = f"http://127.0.0.1:{free_port()}"
    frontend = serve_frontend(closed)

    page.goto(frontend.url)

    expect(page.get_by_role("alert")).to_contain_text(UNREACHABLE.format(url=closed))
    screenshot(page, "backend-unreachable")


def test_the_page_says_it_cannot_reach_a_backend_that_refuses_its_origin(
    page: Page, start_backend: StartBackend, serve_frontend: ServeFrontend, tmp_path
):
    api_port = free_port()
    frontend = serve_frontend(f"http://127.0.0.1:{api_port}")
    backend = start_backend(
        tmp_path / "data", port=api_port, cors_origins="http://elsewhere.test"
    )

    page.goto(frontend.url)

    expect(page.get_by_role("alert")).to_contain_text(
        UNREACHABLE.format(url=backend.url)
    )
