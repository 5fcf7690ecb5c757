"""Serve the notes API: `python -m notes_api`, configured by the environment."""

import sys

import uvicorn
from pydantic import ValidationError

from notes_api.api import create_app
from notes_api.logs import LOG_CONFIG
from notes_api.settings import Settings


def main() -> int:
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"notes_api: {describe(error)}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=LOG_CONFIG,
        server_header=False,
    )
    return 0


def describe(error: ValidationError) -> str:
    """One sentence naming each bad environment variable and the value it had."""
    problems = [
        f"{'.'.join(map(str, problem['loc'])).upper()}={problem['input']!r}: "
        f"{problem['msg']}"
        for problem in error.errors()
    ]
    return "; ".join(problems)


if __name__ == "__main__":
    sys.exit(main())
