"""The HTTP interface: health and the notes resource."""

import logging
from typing import Annotated

from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StringConstraints

from notes_api.settings import Settings
from notes_api.store import Note, NoteStore, StorageUnavailableError

logger = logging.getLogger(__name__)


class NewNote(BaseModel):
    """The body of a note to create."""

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ]


def create_app(settings: Settings) -> FastAPI:
    """Build the API over the notes kept in `settings.data_dir`."""
    store = NoteStore(settings.data_dir)
    app = FastAPI(title="slipway notes")
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type"],
    )

    @app.exception_handler(StorageUnavailableError)
    async def storage_unavailable(
        request: Request, error: StorageUnavailableError
    ) -> JSONResponse:
        logger.error("%s %s: %s", request.method, request.url.path, error)
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={"detail": "notes storage is unavailable"},
        )

    @app.get("/healthz")
    def health(response: Response) -> dict[str, str]:
        try:
            store.check_writable()
        except StorageUnavailableError as error:
            logger.warning("health check failed: %s", error)
            response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
            return {"status": "unavailable", "detail": "data directory not writable"}
        return {"status": "ok"}

    @app.get("/api/notes")
    def list_notes() -> list[Note]:
        return store.notes()

    @app.post("/api/notes", status_code=status.HTTP_201_CREATED)
    def create_note(new_note: NewNote) -> Note:
        note = store.add(new_note.text)
        logger.info("note %d created", note.id)
        return note

    @app.delete("/api/notes/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
    def delete_note(note_id: int) -> None:
        if not store.delete(note_id):
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"note {note_id} does not exist"
            )
        logger.info("note %d deleted", note_id)

    return app
