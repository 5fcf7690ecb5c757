"""`slipway preview`: one environment per branch, on the emulator or on AWS."""

from __future__ import annotations

import argparse
import functools
import os
import re
import shlex
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.table import Table

from slipway import arguments, emulator, preview_lifecycle
from slipway.durations import DurationError, parse_duration
from slipway.errors import SlipwayError
from slipway.preview import (
    expiry,
    format_expires_at,
    lean_deployment,
    make_preview,
)
from slipway.preview_lifecycle import Target, TargetKind
from slipway.preview_names import preview_name
from slipway.spec import Spec, load_spec, resolve

EXIT_OK = 0
EXIT_FAILED = 1

# What preview_names.preview_name makes: a slug, a dash and eight hex digits.
_PREVIEW_NAME = re.compile(r"^[a-z][a-z0-9-]*-[0-9a-f]{8}$")

LIMITS = """\
known limits:
  On the emulator (the default target) previews are records: no container runs
  and the URLs printed resolve nowhere. On AWS (--target aws) the account must
  be bootstrapped once (`npx cdk bootstrap`), and the ambient credentials are
  used. The leftover check after `down` asks the resource groups tagging API and
  describes each resource the stack owned; on the emulator the tagging API sees
  only the stack, security groups and log groups.
"""


def add_commands(commands: argparse._SubParsersAction) -> None:
    """Add `preview up/down/list/gc` to the `slipway` command."""
    preview = commands.add_parser(
        "preview",
        help="preview environments, one per branch",
        description=textwrap.fill(
            "Preview environments: one lean copy of the services per branch, on "
            "the network and cluster of a base environment."
        ),
        epilog=LIMITS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = preview.add_subparsers(dest="action", required=True)

    up = _action(
        actions,
        "up",
        "deploy or update the preview of a branch, and print its URLs and cost",
    )
    _branch(up)
    up.add_argument("--pr", help="the pull request number, kept as a tag")
    up.add_argument(
        "--image-tag",
        help="deploy REPO:TAG for each service, REPO from previews.repositories",
    )
    up.add_argument(
        "--ttl",
        help="how long after this deploy the preview expires, such as 12h or 3d "
        "(default: previews.ttl of the spec)",
    )
    up.add_argument(
        "--markdown",
        type=Path,
        help="also write the URLs and the cost as Markdown to this file",
    )
    up.set_defaults(handler=_up)

    down = _action(
        actions,
        "down",
        "destroy the preview of a branch and check nothing is left",
    )
    which = down.add_mutually_exclusive_group(required=True)
    which.add_argument("--branch", help="the git branch name, as it is")
    which.add_argument(
        "--name",
        help="the preview's name, as `slipway preview list` shows it, for a "
        "branch whose exact name is not known",
    )
    down.set_defaults(handler=_down)

    listing = _action(actions, "list", "list the previews that exist")
    listing.set_defaults(handler=_list)

    gc = _action(
        actions,
        "gc",
        "destroy the previews that have expired",
        description="Destroy every preview whose expires-at has passed, or that has "
        "not been deployed again for longer than --max-age. Only stacks with the "
        "preview name prefix and matching app and preview tags are considered.",
    )
    gc.add_argument(
        "--max-age",
        required=True,
        help="the longest a preview may go without a deploy, such as 30m, 12h, 7d",
    )
    gc.add_argument(
        "--dry-run", action="store_true", help="list what would be destroyed, only"
    )
    gc.set_defaults(handler=_gc)


def _action(actions, name: str, summary: str, description: str | None = None):
    parser = actions.add_parser(
        name,
        parents=[arguments.spec_option()],
        help=summary,
        description=textwrap.fill(description or f"{summary[0].upper()}{summary[1:]}."),
        epilog=LIMITS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--target",
        choices=[kind.value for kind in TargetKind],
        default=TargetKind.EMULATOR.value,
        help="where previews live (default: %(default)s)",
    )
    parser.add_argument(
        "--env",
        help="the base environment (default: the emulator environment, or "
        "previews.base on AWS)",
    )
    parser.add_argument(
        "--port",
        type=arguments.port,
        help="the emulator's port when it starts (default: 5000, or a free one when "
        "5000 is taken)",
    )
    return parser


def down_command(branch: str) -> str:
    """The command that takes a branch's preview down, ready to paste in a shell."""
    return f"slipway preview down --branch {shlex.quote(branch)}"


def _aws_errors(handler):
    """An AWS call that fails becomes one error line, not a traceback."""

    @functools.wraps(handler)
    def handle(args: argparse.Namespace, console: Console) -> int:
        try:
            return handler(args, console)
        except (BotoCoreError, ClientError) as error:
            raise SlipwayError(
                f"--target {args.target}: the AWS call failed: {error}"
            ) from None

    return handle


def _branch(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--branch", required=True, help="the git branch name, as it is")


@_aws_errors
def _up(args: argparse.Namespace, console: Console) -> int:
    arguments.check_output_file(args.markdown, "--markdown")
    spec, path = load_spec(args.spec)
    env_name = _base_environment(spec, path.name, args)
    ttl = _duration(args.ttl, "--ttl") if args.ttl else spec.previews.ttl_delta
    preview = make_preview(
        app=spec.app,
        env_name=env_name,
        branch=args.branch,
        expires_at=expiry(_now(), ttl),
        pull_request=args.pr,
        image_tag=args.image_tag,
    )
    root = _root()
    # Problems in the spec for previews surface here, before anything starts.
    lean_deployment(
        resolve(spec, env_name, path.resolve().parent),
        spec.previews,
        preview.image_tag,
        label=path.name,
    )
    state = emulator.state_dir(root)
    target = _target(args, spec, env_name, state, console)
    deployed = preview_lifecycle.up(
        target=target,
        root=root,
        spec=spec,
        spec_path=path.resolve(),
        preview=preview,
        output=state / "cdk.out" / f"preview-{preview.name}",
        progress=_progress(console),
    )

    console.print(f"preview {preview.name} of branch {preview.branch}:")
    for name, url in deployed.urls.items():
        console.print(f"  {name}: {url}", soft_wrap=True)
    console.print(_cost_table(deployed.estimate, env_name))
    if args.markdown:
        args.markdown.write_text(_markdown(deployed, env_name), encoding="utf-8")
    console.print(
        f"It expires at {format_expires_at(preview.expires_at)} unless deployed again; "
        f"`{down_command(preview.branch)}` removes it now."
    )
    return EXIT_OK


@_aws_errors
def _down(args: argparse.Namespace, console: Console) -> int:
    spec, path = load_spec(args.spec)
    env_name = _base_environment(spec, path.name, args)
    if args.branch is not None:
        name, which = preview_name(args.branch), args.branch
    else:
        name, which = _checked_name(args.name), f"name {args.name}"
    target = _existing_target(args, spec, env_name, console)
    if target is None:
        console.print(
            f"The emulator is not running, so no preview of {which} exists: "
            "nothing to destroy."
        )
        return EXIT_OK
    console.print(f"[bold]slipway:[/] looking for the preview of {which}")
    teardown = preview_lifecycle.down(
        target=target, app=spec.app, env_name=env_name, name=name
    )
    if not teardown.existed:
        console.print(
            f"No preview of {which} exists (no stack {teardown.stack_name}): "
            "nothing to destroy."
        )
        return EXIT_OK
    return _report_teardown(teardown, console)


@_aws_errors
def _list(args: argparse.Namespace, console: Console) -> int:
    spec, path = load_spec(args.spec)
    env_name = _base_environment(spec, path.name, args)
    target = _existing_target(args, spec, env_name, console)
    if target is None:
        console.print("The emulator is not running, so no preview exists.")
        return EXIT_OK
    found = preview_lifecycle.list_previews(
        target=target, app=spec.app, env_name=env_name
    )
    if not found:
        console.print(f"No preview of {spec.app} on {env_name} exists.")
        return EXIT_OK
    table = Table(title=f"Previews of {spec.app} on {env_name}")
    for column in ("preview", "branch", "pull request", "expires at", "status"):
        table.add_column(column, overflow="fold")
    inexact = [listed for listed in found if not _branch_is_exact(listed)]
    for listed in found:
        table.add_row(
            listed.name,
            listed.branch if listed not in inexact else f"{listed.branch} (as tagged)",
            listed.pull_request or "",
            format_expires_at(listed.expires_at) if listed.expires_at else "unknown",
            listed.status,
        )
    console.print(table)
    if inexact:
        # Tag values cannot hold every character a branch name can: the tag then
        # no longer names the branch, but the preview name still names the stack.
        console.print(
            "A branch shown (as tagged) had characters a tag cannot hold; take its "
            "preview down by name: `slipway preview down --name PREVIEW`."
        )
    return EXIT_OK


@_aws_errors
def _gc(args: argparse.Namespace, console: Console) -> int:
    max_age = _duration(args.max_age, "--max-age")
    spec, path = load_spec(args.spec)
    env_name = _base_environment(spec, path.name, args)
    target = _existing_target(args, spec, env_name, console)
    if target is None:
        console.print("The emulator is not running, so no preview exists.")
        return EXIT_OK
    collected = preview_lifecycle.gc(
        target=target,
        app=spec.app,
        env_name=env_name,
        now=_now(),
        max_age=max_age,
        dry_run=args.dry_run,
        progress=_progress(console),
    )
    verb = "would destroy" if args.dry_run else "destroyed"
    for listed in collected.expired:
        console.print(f"{verb}: {listed.stack_name} (branch {listed.branch})")
    failed = [t for t in collected.teardowns if t.failure or t.leftovers]
    for teardown in failed:
        _report_teardown(teardown, console)
    console.print(
        f"{len(collected.expired)} expired, {len(collected.kept)} kept, at "
        f"{format_expires_at(collected.now)}."
        + (" Run again without --dry-run to destroy them." if args.dry_run else "")
    )
    return EXIT_FAILED if failed else EXIT_OK


def _report_teardown(teardown, console: Console) -> int:
    if teardown.failure:
        console.print(
            f"[red]{teardown.stack_name} was not deleted:[/] {teardown.failure}"
        )
    for item in teardown.leftovers:
        console.print(
            f"[yellow]left behind:[/] {item.kind} {item.name} ({item.detail})"
        )
    if teardown.failure or teardown.leftovers:
        console.print(
            "Delete what is listed above by hand, or run the same command again."
        )
        return EXIT_FAILED
    console.print(
        f"Destroyed {teardown.stack_name}; nothing carries its tags any more."
    )
    return EXIT_OK


def _base_environment(spec: Spec, label: str, args: argparse.Namespace) -> str:
    """The environment previews sit on: given, or the default for the target."""
    wanted = args.target == TargetKind.EMULATOR
    allowed = [
        name for name, env in spec.environments.items() if env.emulator == wanted
    ]
    kind = "an emulator environment" if wanted else "an environment deployed to AWS"
    env_name = args.env
    if env_name is None and not wanted:
        env_name = spec.previews.base
        if env_name is None:
            raise SlipwayError(
                f"{label}: previews.base: is missing, so --target aws has no base "
                f"environment (allowed: {', '.join(allowed) or 'none'}; or pass --env)"
            )
    if env_name is None:
        if not allowed:
            raise SlipwayError(
                f"{label}: environments: none has emulator: true, which --target "
                "emulator needs"
            )
        env_name = allowed[0]
    if env_name not in allowed:
        raise SlipwayError(
            f"--env: '{env_name}' is not {kind} in {label} (allowed: "
            f"{', '.join(allowed) or 'none'})"
        )
    return env_name


def _target(
    args: argparse.Namespace, spec: Spec, env_name: str, state: Path, console: Console
) -> Target:
    if args.target == TargetKind.AWS:
        region = spec.environments[env_name].region or os.environ.get("AWS_REGION")
        return preview_lifecycle.aws_target(region, env_name=env_name)
    return preview_lifecycle.emulator_target(state, args.port, _progress(console))


def _existing_target(
    args: argparse.Namespace, spec: Spec, env_name: str, console: Console
) -> Target | None:
    """Where previews may already exist; None for an emulator that is not running,
    which holds none and is not started just to say so."""
    state = emulator.state_dir(_root())
    if args.target == TargetKind.EMULATOR and emulator.running(state) is None:
        return None
    return _target(args, spec, env_name, state, console)


def _checked_name(name: str) -> str:
    if not _PREVIEW_NAME.match(name):
        raise SlipwayError(
            f"--name: '{name}' is not a preview name (allowed: a name in the preview "
            "column of `slipway preview list`, such as main-1a2b3c4d)"
        )
    return name


def _branch_is_exact(listed: preview_lifecycle.ListedPreview) -> bool:
    """Whether the branch tag, passed back to --branch, names this preview."""
    try:
        return preview_name(listed.branch) == listed.name
    except SlipwayError:
        return False


def _duration(text: str, flag: str):
    try:
        return parse_duration(text)
    except DurationError as error:
        raise SlipwayError(f"{flag}: {error}") from None


def _cost_table(estimate, env_name: str) -> Table:
    table = Table(
        title=f"Estimated monthly cost in {estimate.region} (prices as of "
        f"{estimate.as_of}; the shared network of {env_name} is not included)"
    )
    for column in ("item", "quantity", "unit", "unit price", "monthly"):
        table.add_column(column, justify="left" if column == "item" else "right")
    for line in estimate.lines:
        table.add_row(
            line.item,
            f"{line.quantity:,.1f}",
            line.unit,
            f"${line.unit_price:.6g}",
            f"${line.monthly:,.2f}",
        )
    table.add_row("total", "", "", "", f"${estimate.total:,.2f}")
    return table


def _markdown(deployed: preview_lifecycle.DeployedPreview, env_name: str) -> str:
    preview, estimate = deployed.preview, deployed.estimate
    lines = [
        f"### Preview `{preview.name}`",
        "",
        "| service | URL |",
        "| --- | --- |",
        *(f"| {name} | {url} |" for name, url in deployed.urls.items()),
        "",
        f"Estimated monthly cost: **${estimate.total:,.2f}** in {estimate.region} "
        f"(prices as of {estimate.as_of}; the shared network of {env_name} is not "
        "included).",
        "",
        "| item | quantity | unit | unit price | monthly |",
        "| --- | ---: | --- | ---: | ---: |",
        *(
            f"| {line.item} | {line.quantity:,.1f} | {line.unit} | "
            f"${line.unit_price:.6g} | ${line.monthly:,.2f} |"
            for line in estimate.lines
        ),
        "",
        f"Expires at {format_expires_at(preview.expires_at)} unless deployed again.",
        "",
    ]
    return "\n".join(lines)


def _progress(console: Console):
    return lambda message: console.print(f"[bold]slipway:[/] {message}")


def _now() -> datetime:
    return datetime.now(UTC)


def _root() -> Path:
    # The project root is found the same way for every command.
    from slipway.cli import _root as project_root

    return project_root(None)
