"""End to end: the real CDK CLI deploys the `local` environment into moto's server."""

from __future__ import annotations

import pytest

from slipway import emulator, inventory, local
from slipway.spec import load_spec
from tests.conftest import REPO


@pytest.fixture(scope="module")
def spec():
    return load_spec(REPO / "deploy.yaml")


@pytest.fixture(scope="module")
def clients(deployed, state):
    return local.clients_for(emulator.running(state))


def test_the_cluster_runs_two_ecs_services(deployed, clients):
    ecs = clients("ecs")
    (cluster,) = ecs.list_clusters()["clusterArns"]

    services = ecs.list_services(cluster=cluster)["serviceArns"]

    assert len(services) == 2


def test_two_load_balancers_carry_the_same_single_security_group(deployed, clients):
    balancers = clients("elbv2").describe_load_balancers()["LoadBalancers"]

    groups = [balancer["SecurityGroups"] for balancer in balancers]

    assert len(balancers) == 2
    assert len(groups[0]) == 1
    assert groups[0] == groups[1]


def test_the_stack_outputs_hold_both_urls(deployed, clients):
    outputs = inventory.stack_outputs(clients, "slipway-local-services")
    balancers = clients("elbv2").describe_load_balancers()["LoadBalancers"]
    dns_names = {f"http://{balancer['DNSName']}" for balancer in balancers}

    assert {outputs["BackendUrl"], outputs["FrontendUrl"]} == dns_names
    assert deployed.urls == {
        "backend": outputs["BackendUrl"],
        "frontend": outputs["FrontendUrl"],
    }


def test_the_frontend_task_gets_the_backend_url_as_api_url(deployed, clients):
    ecs = clients("ecs")
    arns = ecs.list_task_definitions()["taskDefinitionArns"]
    containers = {
        container["name"]: container
        for arn in arns
        for container in ecs.describe_task_definition(taskDefinition=arn)[
            "taskDefinition"
        ]["containerDefinitions"]
    }

    environment = {e["name"]: e["value"] for e in containers["frontend"]["environment"]}

    assert environment["API_URL"] == deployed.urls["backend"]


def test_the_backend_data_dir_is_an_encrypted_file_system_written_as_uid_10001(
    deployed, clients, spec
):
    loaded, _ = spec
    data_dir = loaded.services["backend"].environment["DATA_DIR"]
    efs = clients("efs")
    (system,) = efs.describe_file_systems()["FileSystems"]
    (point,) = efs.describe_access_points(FileSystemId=system["FileSystemId"])[
        "AccessPoints"
    ]
    ecs = clients("ecs")
    mounts = {
        container["name"]: container["mountPoints"]
        for arn in ecs.list_task_definitions()["taskDefinitionArns"]
        for container in ecs.describe_task_definition(taskDefinition=arn)[
            "taskDefinition"
        ]["containerDefinitions"]
    }

    assert (system["Encrypted"], system["NumberOfMountTargets"]) == (True, 2)
    assert point["PosixUser"] == {"Uid": 10001, "Gid": 10001}
    assert point["RootDirectory"]["CreationInfo"]["OwnerUid"] == 10001
    assert mounts == {
        "backend": [
            {"sourceVolume": "data", "containerPath": data_dir, "readOnly": False}
        ],
        "frontend": [],
    }


def test_up_reports_what_exists_read_back_from_the_emulator(deployed):
    kinds = [item.kind for item in deployed.items]

    assert kinds.count("ecs service") == 2
    assert kinds.count("load balancer") == 2
    assert kinds.count("file system") == 1
    assert kinds.count("stack") == 2


def test_up_names_every_variable_a_shell_needs_to_reach_the_emulator(deployed):
    assert deployed.aws_environment == {
        "AWS_ENDPOINT_URL": deployed.endpoint,
        "AWS_REGION": emulator.REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


def test_a_second_up_changes_nothing(deployed, state, spec, clients):
    loaded, path = spec
    before = clients("cloudformation").describe_stacks(
        StackName="slipway-local-services"
    )["Stacks"][0]

    again = local.up(
        root=REPO, state=state, spec=loaded, spec_path=path.resolve(), env_name="local"
    )

    after = clients("cloudformation").describe_stacks(
        StackName="slipway-local-services"
    )["Stacks"][0]
    assert not again.emulator_started
    assert again.urls == deployed.urls
    assert after["StackStatus"] == "CREATE_COMPLETE"
    assert after.get("LastUpdatedTime") == before.get("LastUpdatedTime")


def test_destroy_removes_every_stack_and_leaves_nothing_behind(
    deployed, state, spec, clients
):
    loaded, path = spec

    leftovers = local.destroy(
        root=REPO,
        running=emulator.running(state),
        spec=loaded,
        spec_path=path.resolve(),
        env_name="local",
    )

    assert leftovers == []
    assert clients("elbv2").describe_load_balancers()["LoadBalancers"] == []
    assert clients("elbv2").describe_target_groups()["TargetGroups"] == []
    ecs = clients("ecs")
    for cluster in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])[
        "clusters"
    ]:
        assert cluster["status"] == "INACTIVE"
        services = ecs.list_services(cluster=cluster["clusterArn"])["serviceArns"]
        if services:
            described = ecs.describe_services(
                cluster=cluster["clusterArn"], services=services
            )["services"]
            assert {service["status"] for service in described} <= {"INACTIVE"}
    assert not [
        arn
        for arn in ecs.list_task_definitions()["taskDefinitionArns"]
        if ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]["status"]
        == "ACTIVE"
    ]
    assert clients("efs").describe_file_systems()["FileSystems"] == []
    assert clients("efs").describe_access_points()["AccessPoints"] == []
    vpcs = clients("ec2").describe_vpcs()["Vpcs"]
    assert [vpc["IsDefault"] for vpc in vpcs] == [True]


def test_down_without_an_emulator_says_there_is_nothing_to_do(tmp_path, spec):
    loaded, path = spec

    result = local.down(
        root=REPO,
        state=tmp_path,
        spec=loaded,
        spec_path=path.resolve(),
        env_name="local",
        progress=lambda message: None,
    )

    assert result is None
