"""The review of one environment: synthesize it once, then digest and check it."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

from slipway import emulator
from slipway.errors import SlipwayError
from slipway.review import checks, digest, pricing, rules
from slipway.review.diff import DiffDigest
from slipway.review.findings import Acknowledgement, Finding, Severity, at_or_above
from slipway.review.synth import synthesize
from slipway.spec import Spec, load_spec, resolve

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
# Where cfn-lint checks and the estimate prices a stack whose region is left open.
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class Report:
    """Everything `slipway review` says about one environment."""

    app: str
    environment: str
    emulator: bool
    region: str
    stacks: tuple[str, ...]
    services: tuple[digest.ServiceDigest, ...]
    graph: str
    findings: tuple[Finding, ...]
    acknowledged: tuple[Acknowledgement, ...]
    cost: pricing.CostSection
    diff: DiffDigest | None

    def failing(self, threshold: Severity) -> list[Finding]:
        return at_or_above(list(self.findings), threshold)

    def counts(self) -> dict[str, int]:
        return {
            severity.value: sum(f.severity is severity for f in self.findings)
            for severity in reversed(Severity)
        }

    def to_dict(self) -> dict:
        """The report as plain JSON data, in the shape review.schema.json describes."""
        data = {
            "schema_version": SCHEMA_VERSION,
            "app": self.app,
            "environment": self.environment,
            "emulator": self.emulator,
            "region": self.region,
            "stacks": list(self.stacks),
            "services": [_plain(asdict(s)) for s in self.services],
            "graph": self.graph,
            "counts": self.counts(),
            "findings": [_plain(asdict(f)) for f in self.findings],
            "acknowledged": [_plain(asdict(a)) for a in self.acknowledged],
            "cost": self.cost.to_dict(),
            "diff": None if self.diff is None else _plain(asdict(self.diff)),
        }
        return data


def check_environment(spec: Spec, env_name: str, label: str) -> None:
    if env_name not in spec.environments:
        allowed = ", ".join(spec.environments)
        raise SlipwayError(
            f"--env: '{env_name}' is not an environment in {label} (allowed: {allowed})"
        )


def default_environment(spec: Spec) -> str:
    """The environment reviewed when none is named: the first one not emulated."""
    return next(
        (name for name, env in spec.environments.items() if not env.emulator),
        next(iter(spec.environments)),
    )


def review(
    *,
    root: Path,
    spec_path: Path,
    env_name: str | None = None,
    diff: bool = False,
    emulator_state: Path | None = None,
    progress=lambda message: None,
) -> Report:
    """Synthesize `env_name` once, and digest and check what would be deployed."""
    from slipway.review import diff as diffing

    spec, path = load_spec(spec_path)
    env_name = env_name or default_environment(spec)
    check_environment(spec, env_name, path.name)
    deployment = resolve(spec, env_name, path.resolve().parent)
    env = deployment.env
    if env.emulator:
        account, region = emulator.ACCOUNT, emulator.REGION
    else:
        account, region = env.account, env.region
    note = None
    if region is None:
        note = f"environments.{env_name} names no region: priced as {DEFAULT_REGION}."

    with tempfile.TemporaryDirectory(prefix="slipway-review-") as tmp:
        progress(f"synthesizing {env_name}")
        synthesis = synthesize(
            root=root,
            spec_path=path,
            deployment=deployment,
            outdir=Path(tmp) / "cdk.out",
            account=account,
            region=region,
        )
        stacks = synthesis.stacks
        progress("checking with slipway's rules, cfn-lint and cdk-nag")
        findings = [
            *rules.check(stacks),
            *checks.cfn_lint(stacks, region or DEFAULT_REGION),
            *checks.cdk_nag(synthesis.validation_report, stacks),
        ]
        services = digest.services(stacks, deployment)
        cost = pricing.section(synthesis.templates, region or DEFAULT_REGION, note=note)
        changes = None
        if diff:
            progress(f"comparing with the deployed {env_name}")
            changes = diffing.against_deployed(
                root=root,
                spec_path=path.resolve(),
                deployment=deployment,
                stacks=stacks,
                workdir=Path(tmp),
                emulator_state=emulator_state or emulator.state_dir(root),
            )

    return Report(
        app=spec.app,
        environment=env_name,
        emulator=env.emulator,
        region=region or DEFAULT_REGION,
        stacks=tuple(stack.name for stack in stacks),
        services=tuple(services),
        graph=digest.graph(services),
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        acknowledged=tuple(sorted(synthesis.acknowledged, key=lambda a: a.sort_key)),
        cost=cost,
        diff=changes,
    )


def _plain(value):
    """Dataclass dicts made JSON-ready: enums by value, tuples as lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    return value
