"""Command-line values that are checked before a command starts any work."""

from __future__ import annotations

import argparse
from pathlib import Path

from slipway.errors import SlipwayError
from slipway.spec import DEFAULT_SPEC_FILE

PORT_MIN = 1
PORT_MAX = 65535


def port(text: str) -> int:
    """An argparse type: a TCP port number."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a port number (allowed: {PORT_MIN} to {PORT_MAX})"
        ) from None
    if not PORT_MIN <= number <= PORT_MAX:
        raise argparse.ArgumentTypeError(
            f"{number} is out of range (allowed: {PORT_MIN} to {PORT_MAX})"
        )
    return number


def check_output_file(path: Path | None, flag: str) -> None:
    """Refuse a file that could not be written, before the work that fills it."""
    if path is None:
        return
    if path.is_dir():
        raise SlipwayError(
            f"{flag}: {path} is a directory (allowed: a file in an existing directory)"
        )
    if not path.parent.is_dir():
        raise SlipwayError(
            f"{flag}: {path}: {path.parent} is not an existing directory (allowed: a "
            "file in an existing directory)"
        )


def spec_option() -> argparse.ArgumentParser:
    """A parent parser that lets a subcommand take --spec after its own name.

    The default is SUPPRESS so that a subcommand without --spec keeps what the
    top-level parser set, whether given there or its default.
    """
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "--spec",
        type=Path,
        default=argparse.SUPPRESS,
        help=f"the deployment spec (default: {DEFAULT_SPEC_FILE})",
    )
    return parent
