"""Settings of the notes API, read once from the environment."""

from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode


class Settings(BaseSettings):
    """Where the API listens, where it keeps notes and which origins may call it."""

    data_dir: Path = Path("data")
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    host: str = "0.0.0.0"
    port: int = Field(default=8080, ge=1, le=65535)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if not _is_origin(origin):
                raise ValueError(
                    f"{origin!r} is not an origin (allowed: scheme://host[:port], "
                    "http or https, no path)"
                )
        return origins


def _is_origin(value: str) -> bool:
    scheme, host, *path_query_fragment = urlsplit(value)
    return scheme in ("http", "https") and bool(host) and not any(path_query_fragment)
