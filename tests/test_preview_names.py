"""Preview names: any branch name maps to one valid, stable, distinct name."""

from __future__ import annotations

import re

import pytest

from slipway.errors import SlipwayError
from slipway.preview_names import (
    NAME_MAX,
    STACK_NAME_MAX,
    preview_name,
    stack_name,
    tag_value,
)

LONG_BRANCH = ("feature/" + "-".join(["payments-refactor-of-the-checkout-flow"] * 4))[
    :150
]
# Names must never change between releases: a preview deployed under the old name
# would be orphaned. So each is pinned, hash included.
BRANCHES = [
    ("feature/ABC-123_long-name", "feature-abc-123-long-8fd2ac8b"),
    ("Feature/abc-123-long-name", "feature-abc-123-long-38386cdc"),
    ("123-hotfix", "b-123-hotfix-dec3c268"),
    ("fix/ümlaut", "fix-umlaut-704c0fd1"),
    ("release/1.2.3", "release-1-2-3-88ded651"),
    ("dependabot/npm_and_yarn/frontend/vite-7.1.0", "dependabot-npm-and-y-5052c0b5"),
    (LONG_BRANCH, "feature-payments-ref-66edcd25"),
]
VALID_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
LONGEST_APP = "a" * 32
LONGEST_ENV = "e" * 32


def test_the_long_branch_case_is_150_characters():
    assert len(LONG_BRANCH) == 150


@pytest.mark.parametrize(("branch", "name"), BRANCHES)
def test_a_branch_maps_to_its_pinned_name(branch, name):
    assert preview_name(branch) == name


@pytest.mark.parametrize(("branch", "name"), BRANCHES)
def test_every_name_is_lower_case_letters_digits_and_single_inner_dashes(branch, name):
    name = preview_name(branch)

    assert VALID_NAME.match(name), name
    assert len(name) <= NAME_MAX


@pytest.mark.parametrize(("branch", "name"), BRANCHES)
def test_the_stack_name_fits_cloudformation_even_with_the_longest_app_and_env(
    branch, name
):
    name = stack_name(LONGEST_APP, LONGEST_ENV, preview_name(branch))

    assert len(name) <= STACK_NAME_MAX
    assert re.match(r"^[A-Za-z][-A-Za-z0-9]*$", name)


def test_branches_that_differ_only_in_case_and_punctuation_get_different_names():
    first = preview_name("feature/ABC-123_long-name")
    second = preview_name("Feature/abc-123-long-name")

    assert first != second
    assert first.rsplit("-", 1)[0] == second.rsplit("-", 1)[0]


def test_all_seven_cases_get_seven_different_names():
    names = {preview_name(branch) for branch, _ in BRANCHES}

    assert len(names) == len(BRANCHES)


def test_a_branch_with_no_latin_reading_still_gets_a_valid_distinct_name():
    first, second = preview_name("ветка"), preview_name("задача")

    assert VALID_NAME.match(first)
    assert first != second


@pytest.mark.parametrize(
    ("branch", "message"),
    [
        (
            "",
            "--branch: '' is empty (allowed: a git branch name such as feature/login)",
        ),
        (
            "   ",
            "--branch: '   ' is empty (allowed: a git branch name such as "
            "feature/login)",
        ),
        (
            "/-_.-/",
            "--branch: '/-_.-/' has no letter or digit (allowed: a git branch name "
            "with at least one letter or digit, such as feature/login)",
        ),
    ],
)
def test_a_branch_name_without_letters_or_digits_is_an_error_naming_the_flag(
    branch, message
):
    with pytest.raises(SlipwayError) as caught:
        preview_name(branch)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("feature/ABC-123_long-name", "feature/ABC-123_long-name"),
        ("fix/ümlaut", "fix/ümlaut"),
        ("feat/#12 (wip)!", "feat/_12 _wip__"),
        ("x" * 300, "x" * 256),
    ],
)
def test_a_branch_tag_value_keeps_only_what_cloudformation_tags_accept(text, value):
    assert tag_value(text) == value
