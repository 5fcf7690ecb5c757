"""The `slipway` command: the local emulator and the deploys that use it."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from slipway import arguments, emulator, local, preview_cli
from slipway.cdk import CdkError
from slipway.errors import SlipwayError
from slipway.review import command as review_command
from slipway.spec import DEFAULT_SPEC_FILE, load_spec

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

LIMITS = """\
known limits:
  The emulator (moto) records resources but runs no containers: URLs it prints
  resolve nowhere, and services refer to images by name instead of building them.
  Deploy to a real account with the CDK CLI: `npx cdk deploy --all -c env=dev`.
"""

EMULATOR_ACTIONS = """\
The local AWS emulator (moto's server), run in the background for this project.

actions:
  start   start it unless it runs; print its endpoint and process id
  stop    stop it; what was deployed into it is gone
  status  print its endpoint, or exit 1 when it is not running
"""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(name)s: %(message)s",
    )
    console = Console(highlight=False, soft_wrap=True)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return args.handler(args, console)
    except CdkError as error:
        errors.print(f"[red]error:[/] {escape(str(error))}")
        if error.output:
            errors.print(error.output.rstrip()[-3000:], markup=False)
        errors.print(
            "The CDK CLI's output above says why. Fix it and run the same command again."
        )
        return EXIT_FAILED
    except SlipwayError as error:
        for line in str(error).splitlines():
            errors.print(f"[red]error:[/] {escape(line)}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        errors.print("interrupted")
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slipway",
        description="Deploy a backend API and a single-page frontend to AWS ECS on "
        "Fargate, on AWS or on a local AWS emulator.",
        epilog=LIMITS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--spec",
        type=Path,
        default=Path(DEFAULT_SPEC_FILE),
        help="the deployment spec (default: %(default)s); also accepted after the "
        "subcommand",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", required=True)
    spec_option = arguments.spec_option()

    check = commands.add_parser(
        "check",
        parents=[spec_option],
        help="validate the spec and say what it deploys",
        description="Validate the deployment spec and say which app, services and "
        "environments it describes. Nothing is synthesized or deployed.",
    )
    check.set_defaults(handler=_check)

    up = commands.add_parser(
        "up",
        parents=[spec_option],
        help="deploy an environment to the local emulator, starting it if needed",
        description="Start the local emulator (moto) unless it runs, bootstrap it, "
        "deploy the environment with the real CDK CLI, and show what now exists.",
        epilog=LIMITS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    up.add_argument(
        "--env", default="local", help="an emulator environment (default: %(default)s)"
    )
    up.add_argument(
        "--port",
        type=arguments.port,
        help="the emulator's port when it starts (default: 5000, or a free one)",
    )
    up.set_defaults(handler=_up)

    down = commands.add_parser(
        "down",
        parents=[spec_option],
        help="destroy what `up` deployed and stop the emulator",
        description="Destroy the environment's previews, then the stacks `up` "
        "deployed, list anything they owned that still exists, and stop the "
        "emulator.",
    )
    down.add_argument(
        "--env", default="local", help="an emulator environment (default: %(default)s)"
    )
    down.set_defaults(handler=_down)

    emu = commands.add_parser(
        "emulator",
        parents=[spec_option],
        help="start, stop or inspect the local emulator",
        description=EMULATOR_ACTIONS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    emu.add_argument("action", choices=["start", "stop", "status"])
    emu.add_argument(
        "--port",
        type=arguments.port,
        help="the port to start on (default: 5000, or a free one)",
    )
    emu.set_defaults(handler=_emulator)

    preview_cli.add_commands(commands)
    review_command.register(commands)
    return parser


def _root(args: argparse.Namespace) -> Path:
    """The project: the nearest folder upwards that holds the CDK app's cdk.json."""
    start = Path.cwd().resolve()
    for folder in (start, *start.parents):
        if (folder / "cdk.json").is_file():
            return folder
    raise SlipwayError(
        f"no cdk.json in {start} or above: run slipway inside a slipway project"
    )


def _check(args: argparse.Namespace, console: Console) -> int:
    spec, path = load_spec(args.spec)
    services = ", ".join(f"{name} (port {s.port})" for name, s in spec.services.items())
    console.print(
        f"{path.name} is valid: app {spec.app}; services {services}; "
        f"environments {', '.join(spec.environments)}"
    )
    return EXIT_OK


def _up(args: argparse.Namespace, console: Console) -> int:
    spec, path = load_spec(args.spec)
    deployed = local.up(
        root=_root(args),
        state=emulator.state_dir(_root(args)),
        spec=spec,
        spec_path=path.resolve(),
        env_name=args.env,
        port=args.port,
        progress=lambda message: console.print(f"[bold]slipway:[/] {message}"),
    )
    table = Table(title="What exists in the emulator now (read back with boto3)")
    for column in ("kind", "name", "detail"):
        table.add_column(column, overflow="fold")
    for item in deployed.items:
        table.add_row(item.kind, item.name, item.detail)
    console.print(table)
    console.print(f"emulator endpoint: {deployed.endpoint}")
    for name, url in deployed.urls.items():
        console.print(f"{name}: {url}")
    console.print(
        "Deployed. To look around with the AWS CLI or boto3, set these in your shell "
        "first; `make down` removes the deployment:"
    )
    for name, value in deployed.aws_environment.items():
        console.print(f"  export {name}={value}")
    return EXIT_OK


def _down(args: argparse.Namespace, console: Console) -> int:
    spec, path = load_spec(args.spec)
    destroyed = local.down(
        root=_root(args),
        state=emulator.state_dir(_root(args)),
        spec=spec,
        spec_path=path.resolve(),
        env_name=args.env,
        progress=lambda message: console.print(f"[bold]slipway:[/] {message}"),
    )
    if destroyed is None:
        console.print("The emulator is not running: there is nothing to destroy.")
        return EXIT_OK
    for item in destroyed.leftovers:
        console.print(
            f"[yellow]left behind:[/] {item.kind} {item.name} ({item.detail})"
        )
    what = "the deployment"
    if destroyed.previews:
        what += (
            f" and its {len(destroyed.previews)} preview(s) "
            f"({', '.join(destroyed.previews)})"
        )
    console.print(
        f"Destroyed {what} and stopped the emulator; "
        + (
            "nothing was left behind."
            if not destroyed.leftovers
            else "the emulator held the above until it stopped."
        )
    )
    return EXIT_OK


def _emulator(args: argparse.Namespace, console: Console) -> int:
    state = emulator.state_dir(_root(args))
    if args.action == "start":
        running, started = emulator.start(state, args.port)
        state = "started" if started else "already running"
        console.print(f"emulator {state} at {running.endpoint} (pid {running.pid})")
    elif args.action == "stop":
        stopped = emulator.stop(state)
        console.print("emulator stopped" if stopped else "the emulator was not running")
    else:
        running = emulator.running(state)
        if running is None:
            console.print("the emulator is not running")
            return EXIT_FAILED
        console.print(f"emulator running at {running.endpoint} (pid {running.pid})")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
