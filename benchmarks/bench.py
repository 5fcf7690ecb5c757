"""Prints slipway's speed figures: synth time against a baseline, and `make up`."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BASELINE = Path(__file__).resolve().parent / "baseline_app.py"
SYNTH_TARGET = 1.15
UP_TARGET_S = 30.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--rounds", type=int, default=5, help="synth rounds (default: %(default)s)"
    )
    parser.add_argument(
        "--up-rounds",
        type=int,
        default=3,
        help="`make up` rounds (default: %(default)s)",
    )
    args = parser.parse_args()

    ours, baseline = synth_times(args.rounds)
    ratios = [a / b for a, b in zip(ours, baseline, strict=True)]
    print(
        f"synth, env dev, {args.rounds} alternating rounds: slipway median "
        f"{statistics.median(ours):.2f} s, baseline (two ecs_patterns services) "
        f"median {statistics.median(baseline):.2f} s"
    )
    ratio = statistics.median(ratios)
    print(f"synth ratio, median of rounds: {ratio:.2f} (target {SYNTH_TARGET} or less)")

    if _emulator_running():
        print(
            "make up: skipped, an emulator is already running here; "
            "`make down` first so each round starts a fresh one",
            file=sys.stderr,
        )
        return 1
    ups = up_times(args.up_rounds)
    print(
        f"make up, fresh emulator, {args.up_rounds} rounds: "
        + ", ".join(f"{t:.1f} s" for t in ups)
        + f"; median {statistics.median(ups):.1f} s (target {UP_TARGET_S:.0f} s "
        "or less)"
    )
    return 0


def synth_times(rounds: int) -> tuple[list[float], list[float]]:
    """Wall time of each app process as `cdk synth` runs it, alternating."""
    ours, baseline = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for index in range(rounds):
            ours.append(_synth([str(REPO / "app.py")], Path(scratch, f"ours{index}")))
            baseline.append(_synth([str(BASELINE)], Path(scratch, f"base{index}")))
    return ours, baseline


def up_times(rounds: int) -> list[float]:
    """Wall time of `make up` from a stopped emulator, each round torn down after."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        _run(["make", "up"])
        times.append(time.perf_counter() - started)
        _run(["make", "down"])
    return times


def _synth(command: list[str], outdir: Path) -> float:
    # The same context the CDK CLI would pass: cdk.json's feature flags, plus env.
    context = json.loads((REPO / "cdk.json").read_text())["context"] | {"env": "dev"}
    env = dict(os.environ, CDK_OUTDIR=str(outdir), CDK_CONTEXT_JSON=json.dumps(context))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *command], cwd=REPO, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def _run(command: list[str]) -> None:
    result = subprocess.run(
        command, cwd=REPO, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")


def _emulator_running() -> bool:
    slipway = Path(sys.executable).parent / "slipway"
    result = subprocess.run(
        [str(slipway), "emulator", "status"],
        cwd=REPO,
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


if __name__ == "__main__":
    sys.exit(main())
