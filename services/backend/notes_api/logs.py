"""Logging set-up: one JSON object per line on stdout, app and uvicorn alike."""

import logging
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

ACCESS_LOGGER = "uvicorn.access"
LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "notes_api.logs.JsonLineFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "uvicorn": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        ACCESS_LOGGER: {"handlers": ["stdout"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["stdout"], "level": "INFO"},
}


class JsonLineFormatter(JsonFormatter):
    """Time, level, logger and message; access records add their request fields."""

    def __init__(self) -> None:
        super().__init__(
            "{levelname}{name}{message}",
            style="{",
            timestamp="time",
            rename_fields={"levelname": "level", "name": "logger"},
            # NOTE: uvicorn attaches an ANSI-coloured copy of some messages.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        if record.name == ACCESS_LOGGER and len(record.args or ()) == 5:
            client, method, path, _http_version, status = record.args
            log_data.update(client=client, method=method, path=path, status=status)
