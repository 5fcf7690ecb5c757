"""How long `slipway preview up` and `down` take on the emulator, and what one costs.

Run with the project's virtualenv after `make setup`:

    .venv/bin/python benchmarks/preview.py

It runs the installed `slipway` command as a user would, so the times include
the interpreter, the CDK CLI and the app's synthesis. It prints figures and
asserts nothing. It uses the project's emulator, starting it when none runs,
and stops it again only if it started it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from slipway import cost, emulator
from slipway.preview_names import preview_name, stack_name
from slipway.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SLIPWAY = Path(sys.executable).parent / "slipway"
ENV = "local"
TARGET_SECONDS = 20.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=3, help="up and down cycles (default: 3)"
    )
    args = parser.parse_args()
    spec, _ = load_spec(ROOT / "deploy.yaml")
    state = emulator.state_dir(ROOT)
    already_running = emulator.running(state) is not None

    start = time.perf_counter()
    _slipway("emulator", "start")
    print(f"emulator start:          {time.perf_counter() - start:6.1f} s")
    try:
        for number in range(1, args.rounds + 1):
            branch = f"bench/round-{number}"
            up = _slipway("preview", "up", "--branch", branch, "--image-tag", "0123abc")
            down = _slipway("preview", "down", "--branch", branch)
            total = up + down
            verdict = "within" if total <= TARGET_SECONDS else "over"
            first = " (includes bootstrap and network)" if number == 1 else ""
            print(f"round {number}{first}:")
            print(f"  slipway preview up:    {up:6.1f} s")
            print(f"  slipway preview down:  {down:6.1f} s")
            print(
                f"  up + down:             {total:6.1f} s ({verdict} the "
                f"{TARGET_SECONDS:.0f} s target)"
            )
        _print_estimate(state, spec.app, "bench/round-1")
    finally:
        if not already_running:
            emulator.stop(state)


def _slipway(*arguments: str) -> float:
    """Run `slipway ARGUMENTS` in the project; its wall time in seconds."""
    start = time.perf_counter()
    result = subprocess.run(
        [str(SLIPWAY), *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(
            f"`slipway {' '.join(arguments)}` failed:\n{result.stdout}{result.stderr}"
        )
    return elapsed


def _print_estimate(state: Path, app: str, branch: str) -> None:
    name = preview_name(branch)
    stack = stack_name(app, ENV, name)
    template = state / "cdk.out" / f"preview-{name}" / f"{stack}.template.json"
    estimate = cost.estimate(
        {stack: json.loads(template.read_text())}, region=emulator.REGION
    )
    print(
        f"estimated monthly cost of one preview in {estimate.region} "
        f"(prices as of {estimate.as_of}):"
    )
    for line in estimate.lines:
        print(
            f"  {line.item:<46} {line.quantity:>8,.1f} {line.unit:<12} "
            f"x ${line.unit_price:<10.6g} = ${line.monthly:>6,.2f}"
        )
    print(f"  {'total':<46} {'':>8} {'':<12}   {'':<11} = ${estimate.total:>6,.2f}")


if __name__ == "__main__":
    main()
