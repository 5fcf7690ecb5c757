"""slipway's own rules: each triggers on the problem it guards against, and the
shipped spec triggers none."""

from __future__ import annotations

import copy

import aws_cdk as cdk
import pytest

from slipway.review import rules
from slipway.review.findings import Severity
from slipway.review.synth import synthesize
from slipway.review.template import StackTemplate, read_assembly
from slipway.spec import load_spec, resolve
from tests.conftest import BASE_SPEC, REPO, make_build_contexts, write_spec

SERVICE = {
    "Type": "AWS::ECS::Service",
    "Properties": {
        "TaskDefinition": {"Ref": "Task"},
        "DeploymentConfiguration": {
            "DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}
        },
        "LoadBalancers": [
            {
                "ContainerName": "web",
                "ContainerPort": 80,
                "TargetGroupArn": {"Ref": "Tg"},
            }
        ],
    },
}
TASK = {
    "Type": "AWS::ECS::TaskDefinition",
    "Properties": {
        "ContainerDefinitions": [
            {"Name": "web", "Image": "shop/web:1", "Essential": True}
        ]
    },
}
TARGET_GROUP = {
    "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
    "Properties": {"Port": 80, "HealthCheckPath": "/"},
}


def _stack(resources: dict, tags: dict | None = None, **kwargs) -> StackTemplate:
    base = {"Service": SERVICE, "Task": TASK, "Tg": TARGET_GROUP}
    return StackTemplate(
        name="shop-dev-services",
        template={"Resources": copy.deepcopy({**base, **resources})},
        tags=tags or {},
        **kwargs,
    )


def _with(resource: dict, path: str, value) -> dict:
    """A copy of `resource` with the dotted `path` under Properties set to value."""
    changed = copy.deepcopy(resource)
    node = changed["Properties"]
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node.setdefault(key, {})
    node[last] = value
    return changed


def _found(stack: StackTemplate, rule: str) -> list[tuple]:
    return [
        (f.severity, f.logical_id, f.message)
        for f in rules.check([stack])
        if f.rule == rule
    ]


@pytest.mark.parametrize(
    ("resources", "rule", "severity", "logical_id", "fragment"),
    [
        pytest.param(
            {"Service": _with(SERVICE, "DeploymentConfiguration", {})},
            "slipway-circuit-breaker",
            Severity.ERROR,
            "Service",
            "ECS service Service has no deployment circuit breaker",
            id="no-circuit-breaker",
        ),
        pytest.param(
            {
                "Service": _with(
                    SERVICE,
                    "DeploymentConfiguration.DeploymentCircuitBreaker.Rollback",
                    False,
                )
            },
            "slipway-circuit-breaker",
            Severity.WARNING,
            "Service",
            "stops a failed rollout but does not roll it back",
            id="breaker-without-rollback",
        ),
        pytest.param(
            {"Tg": _with(TARGET_GROUP, "HealthCheckEnabled", False)},
            "slipway-health-check",
            Severity.ERROR,
            "Service",
            "ECS service Service has no health check",
            id="target-group-check-off",
        ),
        pytest.param(
            {"Service": _with(SERVICE, "LoadBalancers", [])},
            "slipway-health-check",
            Severity.ERROR,
            "Service",
            "no target group checks it and no essential container has a HealthCheck",
            id="no-load-balancer-no-container-check",
        ),
        pytest.param(
            {
                "Task": _with(
                    TASK,
                    "ContainerDefinitions",
                    [
                        {
                            "Name": "web",
                            "Image": "shop/web:1",
                            "DependsOn": [
                                {"ContainerName": "cache", "Condition": "HEALTHY"}
                            ],
                        },
                        {"Name": "cache", "Image": "redis:7"},
                    ],
                )
            },
            "slipway-healthy-dependency",
            Severity.ERROR,
            "Task",
            "container web of Task waits for cache to be HEALTHY, but cache has no "
            "health check",
            id="healthy-without-check",
        ),
        pytest.param(
            {
                "Task": _with(
                    TASK,
                    "ContainerDefinitions.0.Environment",
                    [{"Name": "DB_PASSWORD", "Value": "hunter2"}],
                )
            },
            "slipway-plain-secret",
            Severity.ERROR,
            "Task",
            "a plain value (7 characters, not shown) under the secret-looking name "
            "DB_PASSWORD",
            id="plain-password",
        ),
        pytest.param(
            {"Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {}}},
            "slipway-log-retention",
            Severity.WARNING,
            "Logs",
            "log group Logs keeps its logs forever",
            id="log-group-forever",
        ),
    ],
)
def test_a_template_with_the_problem_triggers_the_rule(
    resources, rule, severity, logical_id, fragment
):
    """Templates as dicts: slipway's stacks cannot produce these from a spec.

    The stacks always set a circuit breaker, a target group health check and a log
    retention, and the spec validation refuses a HEALTHY dependency on a container
    without a check and a plain value under a secret-looking name. A stack edited
    by hand can still do any of these, which is what the rules are for.
    """
    found = _found(_stack(resources), rule)

    assert [(s, i) for s, i, _ in found] == [(severity, logical_id)]
    assert fragment in found[0][2]


@pytest.mark.parametrize(
    "name", ["DB_PASSWORD", "STRIPE_API_KEY", "GITHUB_TOKEN", "CLIENT_SECRET"]
)
def test_a_plain_value_under_any_secret_looking_name_is_flagged(name):
    stack = _stack(
        {
            "Task": _with(
                TASK,
                "ContainerDefinitions.0.Environment",
                [{"Name": name, "Value": "x"}],
            )
        }
    )

    assert len(_found(stack, "slipway-plain-secret")) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("API_URL", "http://localhost:8080"),
        ("CORS_ORIGINS", "https://shop.example"),
        ("TOKEN_URL", {"Fn::GetAtt": ["Lb", "DNSName"]}),
        ("DB_PASSWORD_FILE_FROM_LB", {"Fn::Join": ["", ["x", {"Ref": "Lb"}]]}),
    ],
)
def test_plain_settings_and_computed_values_are_not_flagged_as_secrets(name, value):
    stack = _stack(
        {
            "Task": _with(
                TASK,
                "ContainerDefinitions.0.Environment",
                [{"Name": name, "Value": value}],
            )
        }
    )

    assert _found(stack, "slipway-plain-secret") == []


@pytest.fixture(scope="module")
def narrowed(tmp_path_factory) -> list[StackTemplate]:
    """dev with only the backend narrowed to an office block, synthesized once."""
    folder = tmp_path_factory.mktemp("project")
    make_build_contexts(folder)
    spec = copy.deepcopy(BASE_SPEC)
    spec["environments"]["dev"] = {
        "allowed_cidrs": ["0.0.0.0/0"],
        "services": {"backend": {"allowed_cidrs": ["203.0.113.0/24"]}},
    }
    loaded, path = load_spec(write_spec(folder, spec))
    synthesis = synthesize(
        root=REPO,
        spec_path=path,
        deployment=resolve(loaded, "dev", folder),
        outdir=tmp_path_factory.mktemp("out"),
    )
    return synthesis.stacks


def test_a_restricted_load_balancer_sharing_a_group_with_an_open_twin_is_flagged(
    narrowed,
):
    (services,) = [s for s in narrowed if s.name.endswith("-services")]

    found = _found(services, "slipway-open-twin")

    assert len(found) == 1
    severity, logical_id, message = found[0]
    assert severity is Severity.ERROR
    assert services.label(logical_id) == "BackendEndpoint/LoadBalancer"
    assert message.startswith(
        "load balancer BackendEndpoint/LoadBalancer is meant for 203.0.113.0/24 but "
        "is open to 0.0.0.0/0 on port 80: its security group LoadBalancerSecurityGroup "
        "is shared with FrontendEndpoint/LoadBalancer, which admits the world"
    )


@pytest.fixture(scope="module")
def preview(tmp_path_factory) -> list[StackTemplate]:
    """A retained environment tagged as a preview, built with CDK directly.

    Preview environments come with their own tagging; here the tag is added to the
    app the spec builds, as a preview's would be.
    """
    import app as slipway_app

    folder = tmp_path_factory.mktemp("project")
    make_build_contexts(folder)
    spec = copy.deepcopy(BASE_SPEC)
    spec["environments"]["pr-7"] = {"removal_policy": "retain"}
    path = write_spec(folder, spec)
    outdir = tmp_path_factory.mktemp("out")
    app = cdk.App(
        context={
            "env": "pr-7",
            "spec": str(path),
            "aws:cdk:enable-path-metadata": True,
        },
        outdir=str(outdir),
    )
    slipway_app.build(app)
    cdk.Tags.of(app).add("preview", "pr-7")
    app.synth()
    return read_assembly(outdir)


def test_deletion_protection_on_a_preview_is_flagged(preview):
    (services,) = [s for s in preview if s.name.endswith("-services")]

    found = _found(services, "slipway-preview-protection")

    protected = sorted(services.label(i) for s, i, m in found if s is Severity.ERROR)
    assert protected == [
        "BackendEndpoint/LoadBalancer",
        "FrontendEndpoint/LoadBalancer",
    ]
    assert all(
        "has deletion protection, so destroying the preview fails" in m
        for s, _, m in found
        if s is Severity.ERROR
    )


def test_resources_a_preview_keeps_after_destroy_are_flagged(preview):
    (services,) = [s for s in preview if s.name.endswith("-services")]

    kept = [
        services.label(i)
        for s, i, _ in _found(services, "slipway-preview-protection")
        if s is Severity.WARNING
    ]

    assert sorted(kept) == ["Backend/Logs", "Frontend/Logs"]


@pytest.mark.parametrize(
    ("tags", "preview"),
    [
        ({"preview": "pr-7"}, True),
        ({"kind": "preview"}, True),
        ({"environment": "dev"}, False),
    ],
)
def test_a_stack_is_a_preview_when_a_tag_says_so(tags, preview):
    assert rules.is_preview(_stack({}, tags=tags)) is preview


@pytest.mark.parametrize("env", ["local", "dev", "prod"])
def test_the_shipped_spec_triggers_none_of_slipways_rules(shipped_review, env):
    report = shipped_review(env)

    assert [f for f in report.findings if f.tool == "slipway"] == []
    assert len(report.services) == 2
