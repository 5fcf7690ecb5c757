"""The per-service digest, read back from synthesized templates."""

from __future__ import annotations

import copy

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam

from slipway.review import digest
from slipway.review.synth import CLI_CONTEXT
from slipway.review.template import read_assembly
from slipway.spec import load_spec, resolve
from stacks.services import ServicesStack
from tests.conftest import BASE_SPEC, make_build_contexts, write_spec

NOTES_BUCKET = "arn:aws:s3:::shop-notes/*"


@pytest.fixture(scope="module")
def digests(tmp_path_factory) -> dict[str, digest.ServiceDigest]:
    """A rich dev, built with CDK directly so that one service gets a grant.

    No spec field grants permissions yet; a grant in the backend's own task policy
    is what a stack adding one (a volume, a bucket) would make.
    """
    import app as slipway_app

    folder = tmp_path_factory.mktemp("project")
    make_build_contexts(folder)
    spec = copy.deepcopy(BASE_SPEC)
    backend = spec["services"]["backend"]
    backend["secrets"] = {"DB_PASSWORD": {"ssm": "/shop/db-password"}}
    backend["health_check"]["command"] = ["CMD-SHELL", "wget -qO- localhost:8080"]
    backend["containers"] = {
        "migrate": {"image": "shop/migrate:1", "essential": False},
    }
    backend["depends_on"] = {"migrate": "SUCCESS"}
    spec["services"]["worker"] = {
        "image": "shop/worker:1",
        "port": 9000,
        "task_role": "own",
    }
    path = write_spec(folder, spec)
    outdir = tmp_path_factory.mktemp("out")
    app = cdk.App(
        context={"env": "dev", "spec": str(path), **CLI_CONTEXT}, outdir=str(outdir)
    )
    slipway_app.build(app)
    stack = next(c for c in app.node.children if isinstance(c, ServicesStack))
    stack.workloads["backend"].add_to_task_policy(
        iam.PolicyStatement(actions=["s3:GetObject"], resources=[NOTES_BUCKET])
    )
    app.synth()
    loaded, _ = load_spec(path)
    found = digest.services(read_assembly(outdir), resolve(loaded, "dev", folder))
    return {service.name: service for service in found}


def test_services_come_in_the_order_of_the_spec(digests):
    assert list(digests) == ["backend", "frontend", "worker"]


def test_a_grant_for_one_service_shows_on_the_other_as_held_only_for_it(digests):
    frontend_role = digests["frontend"].task_role

    (statement,) = frontend_role.statements
    assert frontend_role.shared_with == ("backend", "frontend")
    assert (statement.actions, statement.resources) == (
        ("s3:GetObject",),
        (NOTES_BUCKET,),
    )
    assert statement.granted_for == "backend"


def test_the_digest_names_a_borrowed_permission_in_words(digests):
    from slipway.review.markdown import _role

    lines = _role("Task role", digests["frontend"].task_role, "frontend")

    assert (
        f"- Allow `s3:GetObject` on `{NOTES_BUCKET}`: **held only because backend "
        "needs it**"
    ) in lines


def test_a_service_with_a_role_of_its_own_shares_nothing(digests):
    role = digests["worker"].task_role

    assert role.shared_with == ("worker",)
    assert role.statements == ()


def test_a_secret_is_shown_by_its_reference_only(digests):
    variables = {v.name: v for v in digests["backend"].variables}

    assert variables["DB_PASSWORD"].secret
    assert variables["DB_PASSWORD"].value == "SSM parameter /shop/db-password"
    assert not variables["CORS_ORIGINS"].secret
    assert variables["CORS_ORIGINS"].value == (
        "http://${FrontendEndpoint/LoadBalancer.DNSName}"
    )


def test_container_dependencies_and_checks_are_read_from_the_task(digests):
    containers = {c.name: c for c in digests["backend"].containers}

    assert containers["backend"].depends_on == (("migrate", "SUCCESS"),)
    assert containers["backend"].health_check.startswith(
        "`CMD-SHELL wget -qO- localhost:8080` every"
    )
    assert containers["migrate"].essential is False


def test_the_graph_draws_container_conditions_and_service_order(digests):
    graph = digest.graph(list(digests.values()))

    assert "  backend__backend -->|SUCCESS| backend__migrate" in graph
    assert '  frontend -->|"created after it is stable"| backend' in graph


def test_reach_names_the_cidrs_the_group_and_the_ports(digests):
    balancer = digests["backend"].load_balancer

    assert [(r.cidr, r.ports, r.security_group) for r in balancer.reach] == [
        ("0.0.0.0/0", (80,), "LoadBalancerSecurityGroup")
    ]
    assert balancer.shared_with == ("frontend", "worker")
    assert [(x.port, x.protocol) for x in balancer.listeners] == [(80, "HTTP")]


def test_the_digest_says_how_each_volume_is_kept_and_protected(shipped_review):
    backend, frontend = shipped_review("dev").services

    assert backend.volumes == (
        "`data` at /data in backend (read-write): EFS "
        "`Backend/DataVolume/FileSystem`, encrypted at rest, TLS in transit, IAM "
        "authorization through an access point",
    )
    assert frontend.volumes == ()


def test_the_digest_names_what_each_service_answers_to_inside_the_cluster(
    shipped_review,
):
    backend, frontend = shipped_review("dev").services

    assert backend.service_connect == (
        "answers `http://backend:8080` in namespace `slipway-dev`"
    )
    assert frontend.service_connect == (
        "answers `http://frontend:80` in namespace `slipway-dev`"
    )
