"""Names of preview environments, derived from any git branch name."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from slipway.errors import SlipwayError

# The readable part of a preview name; the hash after it keeps names apart.
SLUG_MAX = 20
HASH_LENGTH = 8
# A name fits 29 characters: with the longest app and environment names (32 each)
# the stack name stays far below CloudFormation's 128.
NAME_MAX = SLUG_MAX + 1 + HASH_LENGTH
STACK_NAME_MAX = 128
# CloudFormation and the services it tags accept these in a tag value, beside
# letters, digits and white space of any script.
TAG_VALUE_SYMBOLS = frozenset(" _.:/=+-@")
TAG_VALUE_MAX = 256

_NOT_NAME = re.compile(r"[^a-z0-9]+")


def preview_name(branch: str, *, flag: str = "--branch") -> str:
    """The preview's name: a readable slug of the branch, then a hash of it.

    The hash is of the branch name exactly as given, so branches that differ only
    in case or punctuation get different names.
    """
    if not branch.strip():
        raise SlipwayError(
            f"{flag}: '{branch}' is empty (allowed: a git branch name such as "
            "feature/login)"
        )
    if not any(character.isalnum() for character in branch):
        raise SlipwayError(
            f"{flag}: '{branch}' has no letter or digit (allowed: a git branch name "
            "with at least one letter or digit, such as feature/login)"
        )
    ascii_text = (
        unicodedata.normalize("NFKD", branch).encode("ascii", "ignore").decode()
    )
    # NOTE: a branch in a script with no Latin reading (say, only Cyrillic) keeps a
    # generic slug; the hash alone then tells such branches apart.
    slug = _NOT_NAME.sub("-", ascii_text.lower()).strip("-") or "branch"
    if not slug[0].isalpha():
        slug = f"b-{slug}"
    slug = slug[:SLUG_MAX].rstrip("-")
    digest = hashlib.sha256(branch.encode("utf-8")).hexdigest()[:HASH_LENGTH]
    return f"{slug}-{digest}"


def stack_prefix(app: str, env_name: str) -> str:
    """What every preview stack name of this app and base environment starts with."""
    return f"{app}-{env_name}-preview-"


def stack_name(app: str, env_name: str, name: str) -> str:
    return f"{stack_prefix(app, env_name)}{name}"


def tag_value(text: str) -> str:
    """`text` with every character a tag value may not hold replaced by `_`."""
    kept = (
        character if character.isalnum() or character in TAG_VALUE_SYMBOLS else "_"
        for character in text
    )
    return "".join(kept)[:TAG_VALUE_MAX]
