"""Notes kept in one SQLite file inside the data directory."""

import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

DATABASE_NAME = "notes.db"
SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
)
"""


class Note(BaseModel):
    """One stored note."""

    id: int
    text: str
    created_at: datetime


class StorageUnavailableError(Exception):
    """The data directory or the database in it cannot be used."""


class NoteStore:
    """Reads and writes notes; opens the database afresh for every operation."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DATABASE_NAME

    def check_writable(self) -> None:
        """Create and remove a file in the data directory, as a write would."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.data_dir, prefix=".healthz-"):
                pass
        except OSError as error:
            raise StorageUnavailableError(
                f"data directory {self.data_dir} is not writable: {error}"
            ) from error

    def notes(self) -> list[Note]:
        with self._database() as database:
            rows = database.execute("SELECT * FROM notes ORDER BY id").fetchall()
        return [Note(**row) for row in rows]

    def add(self, text: str) -> Note:
        created_at = datetime.now(UTC)
        with self._database() as database:
            cursor = database.execute(
                "INSERT INTO notes (text, created_at) VALUES (?, ?)",
                (text, created_at.isoformat()),
            )
        return Note(id=cursor.lastrowid, text=text, created_at=created_at)

    def delete(self, note_id: int) -> bool:
        """Delete one note; False when no note has that id."""
        with self._database() as database:
            cursor = database.execute("DELETE FROM notes WHERE id = ?", (note_id,))
        return cursor.rowcount > 0

    @contextmanager
    def _database(self) -> Iterator[sqlite3.Connection]:
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path)) as database:
                database.row_factory = sqlite3.Row
                with database:
                    database.execute(SCHEMA)
                    yield database
        except (OSError, sqlite3.Error) as error:
            raise StorageUnavailableError(f"database {self.path}: {error}") from error
