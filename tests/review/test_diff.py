"""Digesting `cdk diff`: hash-only changes hidden, rolling services and why."""

from __future__ import annotations

import copy

import pytest

from slipway.review import diff

OLD_HASH = "a" * 64
NEW_HASH = "b" * 64

OUTPUT = f"""\
Stack shop-dev-network (aws://123456789012/eu-west-1)
There were no differences

Stack shop-dev-services (aws://123456789012/eu-west-1)
Resources
[~] AWS::ECS::TaskDefinition Backend/TaskDefinition BackendTaskDefinition35F63C58 replace
 └─ [~] ContainerDefinitions (requires replacement)
     └─ @@ -20,7 +20,7 @@
        [ ]   }}
        [-] "Image": {{"Fn::Sub": "1.dkr.ecr.eu-west-1.amazonaws.com/cdk:{OLD_HASH}"}},
        [+] "Image": {{"Fn::Sub": "1.dkr.ecr.eu-west-1.amazonaws.com/cdk:{NEW_HASH}"}},
[~] AWS::ECS::TaskDefinition Frontend/TaskDefinition FrontendTaskDefinition423E880D replace
 └─ [~] ContainerDefinitions (requires replacement)
     └─ @@ -20,7 +20,7 @@
        [-] "Image": "shop/frontend:1",
        [+] "Image": "shop/frontend:2",
[+] AWS::IAM::Policy Backend/TaskPolicy BackendTaskPolicy1A2B3C4D

Outputs
[~] Output BackendUrl BackendUrl: {{"Value":"http://x"}}

✨  Number of stacks with differences: 1
"""


def test_changes_that_only_swap_an_asset_hash_are_counted_not_listed():
    changes, hidden = diff.parse(OUTPUT)

    assert hidden == 1
    assert [
        (c.stack, c.action, c.kind, c.name, c.replace, c.properties) for c in changes
    ] == [
        (
            "shop-dev-services",
            "modify",
            "AWS::ECS::TaskDefinition",
            "Frontend/TaskDefinition",
            True,
            ("ContainerDefinitions",),
        ),
        (
            "shop-dev-services",
            "add",
            "AWS::IAM::Policy",
            "Backend/TaskPolicy",
            False,
            (),
        ),
        ("shop-dev-services", "modify", "Output", "BackendUrl", False, ()),
    ]


def test_the_shown_text_leaves_out_the_hash_only_blocks():
    text = diff._without_hash_only(OUTPUT)

    assert OLD_HASH not in text
    assert "Backend/TaskDefinition" not in text
    assert '[+] "Image": "shop/frontend:2",' in text


TEMPLATE = {
    "Resources": {
        "Service": {
            "Type": "AWS::ECS::Service",
            "Properties": {
                "TaskDefinition": {"Ref": "Task"},
                "LoadBalancers": [{"ContainerName": "web", "ContainerPort": 80}],
            },
        },
        "Task": {
            "Type": "AWS::ECS::TaskDefinition",
            "Properties": {
                "Cpu": "256",
                "Memory": "512",
                "ContainerDefinitions": [
                    {
                        "Name": "web",
                        "Image": "shop/web:1",
                        "Environment": [{"Name": "API_URL", "Value": "http://a"}],
                    }
                ],
            },
        },
    }
}


def _changed(path: str, value) -> dict:
    changed = copy.deepcopy(TEMPLATE)
    node = changed["Resources"]["Task"]["Properties"]
    *parents, last = path.split(".")
    for key in parents:
        node = node[int(key)] if key.isdigit() else node[key]
    node[last] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "reasons"),
    [
        (
            "ContainerDefinitions.0.Image",
            "shop/web:2",
            ("container web: image shop/web:1 -> shop/web:2",),
        ),
        (
            "ContainerDefinitions.0.Image",
            {"Fn::Sub": f"x:{NEW_HASH}"},
            ("container web: image rebuilt from changed sources",),
        ),
        (
            "ContainerDefinitions.0.Environment",
            [{"Name": "API_URL", "Value": "http://b"}, {"Name": "DEBUG", "Value": "1"}],
            ("container web: environment: DEBUG added, API_URL changed",),
        ),
        ("Cpu", "512", ("task cpu 256 -> 512",)),
        ("Memory", "1024", ("task memory 512 -> 1024",)),
    ],
)
def test_a_changed_task_definition_rolls_its_service_and_says_why(path, value, reasons):
    (rollout,) = diff.rollouts_between(
        {"shop-dev-services": TEMPLATE}, {"shop-dev-services": _changed(path, value)}
    )

    assert (rollout.service, rollout.reasons) == ("web", reasons)


def test_an_unchanged_task_definition_rolls_nothing():
    assert (
        diff.rollouts_between(
            {"shop-dev-services": TEMPLATE},
            {"shop-dev-services": copy.deepcopy(TEMPLATE)},
        )
        == []
    )


def test_a_service_that_is_not_deployed_yet_is_not_a_rollout():
    assert diff.rollouts_between({}, {"shop-dev-services": TEMPLATE}) == []


def test_a_diff_of_an_aws_environment_without_credentials_is_refused(
    monkeypatch, tmp_path
):
    from slipway.errors import SlipwayError
    from slipway.spec import load_spec, resolve
    from tests.conftest import REPO

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    for name in ("AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    # NOTE: without this boto3 would ask the instance metadata service.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    spec, path = load_spec(REPO / "deploy.yaml")

    with pytest.raises(SlipwayError) as refused:
        diff.against_deployed(
            root=REPO,
            spec_path=path,
            deployment=resolve(spec, "dev", REPO),
            stacks=[],
            workdir=tmp_path,
            emulator_state=tmp_path,
        )

    assert str(refused.value) == (
        "--diff: environment dev is on AWS and no AWS credentials were found "
        "(allowed: a profile, SSO or role in the environment, or review without "
        "--diff)"
    )
