"""Named volumes: what the services template holds for each one, per environment."""

from __future__ import annotations

import copy

import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import (
    BASE_SPEC,
    only_logical_id,
    synth_environments,
)

VOLUME_SPEC = copy.deepcopy(BASE_SPEC)
VOLUME_SPEC["environments"]["prod"] = {"removal_policy": "retain"}
VOLUME_SPEC["services"]["backend"].update(
    {
        "volumes": {
            "data": {"path": "/data"},
            "seed": {"path": "/seed", "read_only": True},
        },
        "containers": {
            "backup": {
                "image": "shop/backup:1",
                "volumes": {"data": {"path": "/backup", "read_only": True}},
            }
        },
    }
)
VOLUME_SPEC["services"]["frontend"]["volumes"] = {
    "cache": {"path": "/var/cache/shop", "uid": 101, "gid": 101}
}

MOUNT = "elasticfilesystem:ClientMount"
WRITE = "elasticfilesystem:ClientWrite"


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Template]:
    return synth_environments(tmp_path_factory, VOLUME_SPEC, ("dev", "prod"))


@pytest.fixture(scope="module")
def dev(templates) -> Template:
    return templates["dev"]


def _volume(template: Template, name: str) -> tuple[str, str]:
    """The logical IDs of a volume's file system and access point."""
    access_point = only_logical_id(
        template, "AWS::EFS::AccessPoint", {"RootDirectory": {"Path": f"/{name}"}}
    )
    resource = template.find_resources("AWS::EFS::AccessPoint")[access_point]
    return resource["Properties"]["FileSystemId"]["Ref"], access_point


def _group_id(template: Template, description: str) -> dict:
    group = only_logical_id(
        template,
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": Match.string_like_regexp(description)},
    )
    return {"Fn::GetAtt": [group, "GroupId"]}


def test_every_volume_of_a_task_is_one_encrypted_file_system(dev):
    systems = dev.find_resources("AWS::EFS::FileSystem")

    assert len(systems) == 3
    assert [s["Properties"]["Encrypted"] for s in systems.values()] == [True] * 3


@pytest.mark.parametrize(
    ("volume", "owner"), [("data", "10001"), ("seed", "10001"), ("cache", "101")]
)
def test_the_access_point_acts_as_the_volume_owner_in_a_directory_it_creates(
    dev, volume, owner
):
    file_system, _ = _volume(dev, volume)

    dev.has_resource_properties(
        "AWS::EFS::AccessPoint",
        {
            "FileSystemId": {"Ref": file_system},
            "PosixUser": {"Uid": owner, "Gid": owner},
            "RootDirectory": {
                "Path": f"/{volume}",
                "CreationInfo": {
                    "OwnerUid": owner,
                    "OwnerGid": owner,
                    "Permissions": "750",
                },
            },
        },
    )


@pytest.mark.parametrize(
    ("container", "volume"), [("backend", "data"), ("backend", "seed")]
)
def test_the_task_mounts_a_volume_through_its_access_point_over_tls_as_its_role(
    dev, container, volume
):
    file_system, access_point = _volume(dev, volume)

    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [Match.object_like({"Name": container})]
            ),
            "Volumes": Match.array_with(
                [
                    {
                        "Name": volume,
                        "EFSVolumeConfiguration": {
                            "FilesystemId": {"Ref": file_system},
                            "TransitEncryption": "ENABLED",
                            "AuthorizationConfig": {
                                "AccessPointId": {"Ref": access_point},
                                "IAM": "ENABLED",
                            },
                        },
                    }
                ]
            ),
        },
    )


@pytest.mark.parametrize(
    ("container", "mounts"),
    [
        ("backend", [("/data", False, "data"), ("/seed", True, "seed")]),
        ("backup", [("/backup", True, "data")]),
        ("frontend", [("/var/cache/shop", False, "cache")]),
    ],
)
def test_each_container_mounts_the_volumes_it_names_at_their_paths(
    dev, container, mounts
):
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": container,
                            "MountPoints": [
                                {
                                    "ContainerPath": path,
                                    "ReadOnly": read_only,
                                    "SourceVolume": volume,
                                }
                                for path, read_only, volume in mounts
                            ],
                        }
                    )
                ]
            )
        },
    )


def test_volumes_shared_by_containers_of_a_task_appear_once_in_it(dev):
    tasks = dev.find_resources(
        "AWS::ECS::TaskDefinition",
        {
            "Properties": {
                "ContainerDefinitions": Match.array_with(
                    [Match.object_like({"Name": "backup"})]
                )
            }
        },
    )

    (task,) = tasks.values()
    assert [v["Name"] for v in task["Properties"]["Volumes"]] == ["data", "seed"]


@pytest.mark.parametrize(
    ("service", "volume", "actions"),
    [
        ("Backend", "data", [MOUNT, WRITE]),
        ("Backend", "seed", MOUNT),
        ("Frontend", "cache", [MOUNT, WRITE]),
    ],
)
def test_the_task_role_may_mount_a_file_system_only_through_its_access_point(
    dev, service, volume, actions
):
    file_system, access_point = _volume(dev, volume)
    role = only_logical_id(
        dev, "AWS::IAM::Role", {"Description": Match.string_like_regexp("^Shared")}
    )

    dev.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "PolicyDocument": {
                "Statement": [
                    {
                        "Sid": f"{service}Mounts{volume.capitalize()}",
                        "Effect": "Allow",
                        "Action": actions,
                        "Resource": {"Fn::GetAtt": [file_system, "Arn"]},
                        "Condition": {
                            "StringEquals": {
                                "elasticfilesystem:AccessPointArn": {
                                    "Fn::Join": [
                                        "",
                                        Match.array_with([{"Ref": access_point}]),
                                    ]
                                }
                            }
                        },
                    }
                ],
                "Version": "2012-10-17",
            },
            "Roles": [{"Ref": role}],
        },
    )


def test_no_other_policy_grants_access_to_a_file_system(dev):
    policies = dev.find_resources("AWS::IAM::Policy")

    granting = [
        statement["Sid"]
        for policy in policies.values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "elasticfilesystem" in str(statement["Action"])
    ]

    assert sorted(granting) == [
        "BackendMountsData",
        "BackendMountsSeed",
        "FrontendMountsCache",
    ]


def test_the_file_system_admits_only_the_task_role_and_only_over_tls(dev):
    file_system, _ = _volume(dev, "data")
    role = only_logical_id(
        dev, "AWS::IAM::Role", {"Description": Match.string_like_regexp("^Shared")}
    )

    policy = dev.find_resources("AWS::EFS::FileSystem")[file_system]["Properties"][
        "FileSystemPolicy"
    ]

    assert policy["Statement"] == [
        {
            "Sid": "TaskRoleThroughMountTargets",
            "Effect": "Allow",
            "Principal": {"AWS": {"Fn::GetAtt": [role, "Arn"]}},
            "Action": [MOUNT, WRITE],
            "Condition": {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}},
        },
        {
            "Sid": "TlsOnly",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]


@pytest.mark.parametrize(
    ("service", "volume"),
    [("backend", "data"), ("backend", "seed"), ("frontend", "cache")],
)
def test_nfs_reaches_a_file_system_only_from_the_tasks_of_its_service(
    dev, service, volume
):
    own = _group_id(dev, f"^{service} volume {volume}:")
    tasks = _group_id(dev, f"^{service} tasks")

    rules = [
        r["Properties"]
        for r in dev.find_resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == own
    ]
    inline = [
        g["Properties"]
        for g in dev.find_resources("AWS::EC2::SecurityGroup").values()
        if g["Properties"]["GroupDescription"].startswith(f"{service} volume {volume}")
    ]

    assert [
        (r["FromPort"], r["ToPort"], r["SourceSecurityGroupId"]) for r in rules
    ] == [(2049, 2049, tasks)]
    assert "SecurityGroupIngress" not in inline[0]


def test_each_file_system_has_one_mount_target_per_zone_in_the_task_subnets(dev):
    file_system, _ = _volume(dev, "data")

    targets = dev.find_resources(
        "AWS::EFS::MountTarget",
        {"Properties": {"FileSystemId": {"Ref": file_system}}},
    )

    subnets = [str(t["Properties"]["SubnetId"]) for t in targets.values()]
    assert len(subnets) == 2
    assert all("PrivateSubnet" in subnet for subnet in subnets)


@pytest.mark.parametrize(("env", "policy"), [("dev", "Delete"), ("prod", "Retain")])
def test_file_systems_are_kept_or_removed_as_the_environment_says(
    templates, env, policy
):
    systems = templates[env].find_resources("AWS::EFS::FileSystem")

    assert {
        (s["DeletionPolicy"], s["UpdateReplacePolicy"]) for s in systems.values()
    } == {(policy, policy)}


def test_a_service_starts_only_once_its_role_may_mount_its_volumes(dev):
    policies = [
        only_logical_id(
            dev,
            "AWS::IAM::Policy",
            {
                "PolicyDocument": Match.object_like(
                    {"Statement": [Match.object_like({"Sid": sid})]}
                )
            },
        )
        for sid in ("BackendMountsData", "BackendMountsSeed")
    ]
    services = dev.find_resources(
        "AWS::ECS::Service", {"DependsOn": Match.array_with(policies)}
    )

    assert len(services) == 1
