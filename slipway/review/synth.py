"""One in-process synth of an environment, with cdk-nag's AwsSolutions checks."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from slipway.review.findings import Acknowledgement
from slipway.review.template import StackTemplate, read_assembly
from slipway.spec import Deployment

logger = logging.getLogger(__name__)

# Where CDK writes the validation plugins' findings inside the cloud assembly.
VALIDATION_REPORT = "validation-report.json"
# What the CDK CLI adds to the context of every synth, so templates match a deploy's.
CLI_CONTEXT = {"aws:cdk:enable-path-metadata": True}
# NOTE: findings are collected from the report, so a failed check must neither stop
# the synth nor print the report to the terminal.
REVIEW_CONTEXT = {"@aws-cdk/core:failSynthOnValidationErrors": False}
_DEFAULT_ENV = ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")


@dataclass(frozen=True)
class Synthesis:
    """What one synth produced: the stacks and the validation report."""

    outdir: Path
    stacks: list[StackTemplate]
    validation_report: Mapping
    acknowledged: list[Acknowledgement]

    @property
    def templates(self) -> dict[str, Mapping]:
        return {stack.name: stack.template for stack in self.stacks}


def synthesize(
    *,
    root: Path,
    spec_path: Path,
    deployment: Deployment,
    outdir: Path,
    account: str | None = None,
    region: str | None = None,
) -> Synthesis:
    """Synthesize `deployment`'s environment from the CDK app in `root`.

    The context is what `cdk synth` would pass (cdk.json, cdk.context.json, path
    metadata), so the templates are those a deploy would send. `account` and
    `region` stand for the ones the CDK CLI would find in the credentials; without
    them stacks whose environment the spec leaves open are environment-agnostic.
    """
    if (Path(sys.prefix) / "bin" / "node").exists():
        os.environ.setdefault("JSII_NODE", str(Path(sys.prefix) / "bin" / "node"))
    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from slipway.review import suppressions

    context = {
        **_project_context(root),
        **CLI_CONTEXT,
        **REVIEW_CONTEXT,
        "env": deployment.env_name,
        "spec": str(spec_path.resolve()),
    }
    module = _load_app(root)
    with _default_environment(account, region):
        app = cdk.App(context=context, outdir=str(outdir))
        module.build(app)
        acknowledged = suppressions.acknowledge(app, deployment)
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        app.synth()
    report_path = outdir / VALIDATION_REPORT
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    logger.debug("synthesized %s into %s", deployment.env_name, outdir)
    return Synthesis(
        outdir=outdir,
        stacks=read_assembly(outdir),
        validation_report=report,
        acknowledged=acknowledged,
    )


def _project_context(root: Path) -> dict:
    context = {}
    cdk_json = root / "cdk.json"
    if cdk_json.is_file():
        context.update(json.loads(cdk_json.read_text()).get("context", {}))
    saved = root / "cdk.context.json"
    if saved.is_file():
        context.update(json.loads(saved.read_text()))
    return context


def _load_app(root: Path):
    """The project's app.py as a module, for its `build(app)`."""
    path = root / "app.py"
    spec = importlib.util.spec_from_file_location("slipway_review_app", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def _default_environment(account: str | None, region: str | None) -> Iterator[None]:
    """CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION as the CDK CLI would set them."""
    saved = {name: os.environ.get(name) for name in _DEFAULT_ENV}
    for name, value in zip(_DEFAULT_ENV, (account, region), strict=True):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
