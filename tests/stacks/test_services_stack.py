"""The services stack: what each environment's template must contain."""

from __future__ import annotations

import copy

import pytest
from aws_cdk.assertions import Match, Template

from tests.conftest import (
    BASE_SPEC,
    only_logical_id,
    synth_environments,
)

CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/abc"

RICH_SPEC = copy.deepcopy(BASE_SPEC)
RICH_SPEC["environments"]["prod"] = {
    "removal_policy": "retain",
    "log_retention_days": 90,
    "allowed_cidrs": ["203.0.113.0/24", "198.51.100.0/24"],
    "certificate_arn": CERTIFICATE,
    "services": {"backend": {"desired_count": 3}},
}
RICH_SPEC["services"]["backend"].update(
    {
        "health_check": {
            "path": "/healthz",
            "interval": 10,
            "timeout": 4,
            "healthy_threshold": 3,
            "unhealthy_threshold": 4,
            "start_period": 45,
            "command": ["CMD-SHELL", "wget -qO- localhost:8080/healthz"],
        },
        "secrets": {"DB_PASSWORD": {"ssm": "/shop/db-password"}},
        "depends_on": {"migrate": "SUCCESS", "cache": "HEALTHY"},
        "containers": {
            "migrate": {
                "image": "shop/migrate:1",
                "essential": False,
                "command": ["migrate", "up"],
            },
            "cache": {
                "image": "redis:7",
                "port": 6379,
                "health_check": {"command": ["CMD", "redis-cli", "ping"]},
            },
            "exporter": {
                "image": "shop/exporter:1",
                "depends_on": {"backend": "START"},
            },
        },
    }
)
RICH_SPEC["services"]["worker"] = {
    "image": "shop/worker:1",
    "port": 9000,
    "task_role": "own",
    "environment": {"BACKEND_URL": "${backend.internal_url}/jobs"},
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, dict[str, Template]]:
    """The rich spec synthesized for dev and prod, once for the module."""
    return synth_environments(tmp_path_factory, RICH_SPEC, ("dev", "prod"))


@pytest.fixture(scope="module")
def dev(templates) -> Template:
    return templates["dev"]


@pytest.fixture(scope="module")
def prod(templates) -> Template:
    return templates["prod"]


def _service_id(template: Template, container: str) -> str:
    task = only_logical_id(
        template,
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [Match.object_like({"Name": container})]
            )
        },
    )
    return only_logical_id(
        template, "AWS::ECS::Service", {"TaskDefinition": {"Ref": task}}
    )


def _load_balancer_id(template: Template, port: int) -> str:
    """The load balancer whose target group forwards to `port`."""
    group = only_logical_id(
        template, "AWS::ElasticLoadBalancingV2::TargetGroup", {"Port": port}
    )
    listeners = template.find_resources(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Properties": {
                "DefaultActions": [
                    Match.object_like({"TargetGroupArn": {"Ref": group}})
                ]
            }
        },
    )
    (listener,) = listeners.values()
    return listener["Properties"]["LoadBalancerArn"]["Ref"]


def test_both_task_definitions_share_one_task_role(dev):
    role = only_logical_id(
        dev, "AWS::IAM::Role", {"Description": Match.string_like_regexp("^Shared")}
    )

    for container in ("backend", "frontend"):
        dev.has_resource_properties(
            "AWS::ECS::TaskDefinition",
            {
                "ContainerDefinitions": Match.array_with(
                    [Match.object_like({"Name": container})]
                ),
                "TaskRoleArn": {"Fn::GetAtt": [role, "Arn"]},
            },
        )


def test_a_service_that_opts_out_gets_a_task_role_of_its_own(dev):
    own = only_logical_id(
        dev, "AWS::IAM::Role", {"Description": "Task role of worker alone"}
    )

    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [Match.object_like({"Name": "worker"})],
            "TaskRoleArn": {"Fn::GetAtt": [own, "Arn"]},
        },
    )


@pytest.mark.parametrize(
    ("container", "port", "cpu", "memory"),
    [("backend", 8080, "256", "512"), ("frontend", 80, "256", "512")],
)
def test_each_service_has_a_fargate_task_listening_on_its_port(
    dev, container, port, cpu, memory
):
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "RequiresCompatibilities": ["FARGATE"],
            "NetworkMode": "awsvpc",
            "Cpu": cpu,
            "Memory": memory,
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": container,
                            "PortMappings": [
                                Match.object_like(
                                    {"ContainerPort": port, "Protocol": "tcp"}
                                )
                            ],
                        }
                    )
                ]
            ),
        },
    )


def test_each_service_has_its_own_load_balancer_and_ecs_service(dev):
    dev.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 3)
    dev.resource_count_is("AWS::ECS::Service", 3)
    dev.resource_count_is("AWS::ECS::TaskDefinition", 3)


@pytest.mark.parametrize("port", [8080, 80])
def test_the_http_listener_on_80_forwards_to_a_target_group_on_the_container_port(
    dev, port
):
    group = only_logical_id(
        dev, "AWS::ElasticLoadBalancingV2::TargetGroup", {"Port": port}
    )

    dev.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": {"Ref": group}}],
        },
    )


def test_the_target_group_carries_the_configured_health_check(dev):
    dev.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "Port": 8080,
            "Protocol": "HTTP",
            "TargetType": "ip",
            "HealthCheckPath": "/healthz",
            "HealthCheckPort": "traffic-port",
            "HealthCheckIntervalSeconds": 10,
            "HealthCheckTimeoutSeconds": 4,
            "HealthyThresholdCount": 3,
            "UnhealthyThresholdCount": 4,
        },
    )
    dev.has_resource_properties(
        "AWS::ECS::Service",
        {"HealthCheckGracePeriodSeconds": 45, "DesiredCount": 1},
    )


def test_with_a_certificate_https_listens_on_443_and_80_redirects(prod):
    prod.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": CERTIFICATE}],
            "DefaultActions": [Match.object_like({"Type": "forward"})],
        },
    )
    prod.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "Protocol": "HTTP",
            "DefaultActions": [
                {
                    "Type": "redirect",
                    "RedirectConfig": {
                        "Port": "443",
                        "Protocol": "HTTPS",
                        "StatusCode": "HTTP_301",
                    },
                }
            ],
        },
    )


def test_all_load_balancers_use_one_shared_security_group(dev):
    shared = only_logical_id(
        dev,
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": "Shared by the load balancers of every service"},
    )

    balancers = dev.find_resources("AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert [b["Properties"]["SecurityGroups"] for b in balancers.values()] == [
        [{"Fn::GetAtt": [shared, "GroupId"]}]
    ] * 3


@pytest.mark.parametrize(
    ("env", "cidrs", "ports"),
    [
        ("dev", ["0.0.0.0/0"], [80]),
        ("prod", ["203.0.113.0/24", "198.51.100.0/24"], [80, 443]),
    ],
)
def test_the_shared_group_admits_exactly_the_allowed_cidrs_on_listener_ports(
    templates, env, cidrs, ports
):
    template = templates[env]
    shared = only_logical_id(
        template,
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": "Shared by the load balancers of every service"},
    )

    ingress = template.find_resources("AWS::EC2::SecurityGroup")[shared]["Properties"][
        "SecurityGroupIngress"
    ]

    assert sorted((r["CidrIp"], r["FromPort"], r["ToPort"]) for r in ingress) == sorted(
        (cidr, port, port) for cidr in cidrs for port in ports
    )


def _task_group(template: Template, service: str) -> dict:
    group = only_logical_id(
        template,
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": Match.string_like_regexp(f"^{service} tasks")},
    )
    return {"Fn::GetAtt": [group, "GroupId"]}


@pytest.mark.parametrize(
    ("container", "port", "callers"),
    [("backend", 8080, ["worker"]), ("frontend", 80, []), ("worker", 9000, [])],
)
def test_a_service_admits_its_load_balancers_and_internal_callers_on_its_port(
    dev, container, port, callers
):
    shared = only_logical_id(
        dev,
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": "Shared by the load balancers of every service"},
    )
    own = _task_group(dev, container)

    rules = [
        r["Properties"]
        for r in dev.find_resources("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == own
    ]
    inline = dev.find_resources("AWS::EC2::SecurityGroup")[own["Fn::GetAtt"][0]][
        "Properties"
    ]

    assert "SecurityGroupIngress" not in inline
    assert sorted(
        (r["FromPort"], r["ToPort"], str(r["SourceSecurityGroupId"])) for r in rules
    ) == sorted(
        (port, port, str(source))
        for source in [{"Fn::GetAtt": [shared, "GroupId"]}]
        + [_task_group(dev, caller) for caller in callers]
    )


def test_every_container_dependency_names_its_condition(dev):
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "backend",
                            "DependsOn": [
                                {"ContainerName": "migrate", "Condition": "SUCCESS"},
                                {"ContainerName": "cache", "Condition": "HEALTHY"},
                            ],
                        }
                    ),
                    Match.object_like(
                        {
                            "Name": "exporter",
                            "DependsOn": [
                                {"ContainerName": "backend", "Condition": "START"}
                            ],
                        }
                    ),
                ]
            )
        },
    )


def test_container_health_checks_come_from_the_spec(dev):
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "backend",
                            "HealthCheck": Match.object_like(
                                {
                                    "Command": [
                                        "CMD-SHELL",
                                        "wget -qO- localhost:8080/healthz",
                                    ]
                                }
                            ),
                        }
                    ),
                    Match.object_like(
                        {
                            "Name": "cache",
                            "HealthCheck": {
                                "Command": ["CMD", "redis-cli", "ping"],
                                "Interval": 30,
                                "Timeout": 5,
                                "Retries": 3,
                                "StartPeriod": 0,
                            },
                        }
                    ),
                ]
            )
        },
    )


def test_the_frontend_service_is_created_after_the_backend_service(dev):
    backend = _service_id(dev, "backend")
    frontend = _service_id(dev, "frontend")

    depends_on = dev.find_resources("AWS::ECS::Service")[frontend]["DependsOn"]

    assert backend in depends_on


def test_the_frontend_gets_api_url_from_the_backend_load_balancer(dev):
    backend_lb = _load_balancer_id(dev, 8080)

    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Name": "frontend",
                        "Environment": [
                            {
                                "Name": "API_URL",
                                "Value": {
                                    "Fn::Join": [
                                        "",
                                        [
                                            "http://",
                                            {"Fn::GetAtt": [backend_lb, "DNSName"]},
                                        ],
                                    ]
                                },
                            }
                        ],
                    }
                )
            ]
        },
    )


def test_with_a_certificate_api_url_uses_https(prod):
    backend_lb = _load_balancer_id(prod, 8080)

    prod.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Name": "frontend",
                        "Environment": [
                            {
                                "Name": "API_URL",
                                "Value": {
                                    "Fn::Join": [
                                        "",
                                        [
                                            "https://",
                                            {"Fn::GetAtt": [backend_lb, "DNSName"]},
                                        ],
                                    ]
                                },
                            }
                        ],
                    }
                )
            ]
        },
    )


def test_the_backend_gets_cors_origins_from_the_frontend_load_balancer(dev):
    frontend_lb = _load_balancer_id(dev, 80)

    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "backend",
                            "Environment": [
                                {
                                    "Name": "CORS_ORIGINS",
                                    "Value": {
                                        "Fn::Join": [
                                            "",
                                            [
                                                "http://",
                                                {
                                                    "Fn::GetAtt": [
                                                        frontend_lb,
                                                        "DNSName",
                                                    ]
                                                },
                                            ],
                                        ]
                                    },
                                }
                            ],
                        }
                    )
                ]
            )
        },
    )


def test_secrets_are_passed_by_reference_never_by_value(dev):
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "backend",
                            "Secrets": [
                                {
                                    "Name": "DB_PASSWORD",
                                    "ValueFrom": {
                                        "Fn::Join": Match.array_with(
                                            [
                                                Match.array_with(
                                                    [":parameter/shop/db-password"]
                                                )
                                            ]
                                        )
                                    },
                                }
                            ],
                        }
                    )
                ]
            )
        },
    )


def test_every_service_rolls_back_a_failed_deployment(dev):
    services = dev.find_resources("AWS::ECS::Service")

    for service in services.values():
        config = service["Properties"]["DeploymentConfiguration"]
        assert config["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}
        assert (config["MinimumHealthyPercent"], config["MaximumPercent"]) == (100, 200)


def test_environment_overrides_reach_the_service(prod):
    prod.has_resource_properties(
        "AWS::ECS::Service",
        {"DesiredCount": 3, "HealthCheckGracePeriodSeconds": 45},
    )


def test_a_port_below_1024_lets_the_non_root_process_bind_it(dev):
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Name": "frontend",
                        "SystemControls": [
                            {
                                "Namespace": "net.ipv4.ip_unprivileged_port_start",
                                "Value": "0",
                            }
                        ],
                    }
                )
            ]
        },
    )


@pytest.mark.parametrize(
    ("env", "days", "policy"), [("dev", 14, "Delete"), ("prod", 90, "Retain")]
)
def test_each_service_logs_to_its_own_group_with_the_environment_retention(
    templates, env, days, policy
):
    template = templates[env]

    groups = template.find_resources("AWS::Logs::LogGroup")

    assert len(groups) == 3
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == days
        assert group["DeletionPolicy"] == policy
    template.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": "backend",
                            "LogConfiguration": Match.object_like(
                                {"LogDriver": "awslogs"}
                            ),
                        }
                    )
                ]
            )
        },
    )


@pytest.mark.parametrize(("env", "protection"), [("dev", "false"), ("prod", "true")])
def test_deletion_protection_follows_the_removal_policy(templates, env, protection):
    templates[env].has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "LoadBalancerAttributes": Match.array_with(
                [{"Key": "deletion_protection.enabled", "Value": protection}]
            )
        },
    )


@pytest.mark.parametrize("service", ["Backend", "Frontend", "Worker"])
def test_the_stack_outputs_each_service_url(dev, service):
    dev.has_output(
        f"{service}Url",
        {"Value": {"Fn::Join": ["", ["http://", Match.object_like({})]]}},
    )


def test_the_environment_has_one_service_connect_namespace_named_after_it(templates):
    for env, template in templates.items():
        template.resource_count_is("AWS::ServiceDiscovery::HttpNamespace", 1)
        template.has_resource_properties(
            "AWS::ServiceDiscovery::HttpNamespace", {"Name": f"shop-{env}"}
        )


@pytest.mark.parametrize(
    ("container", "port"), [("backend", 8080), ("frontend", 80), ("worker", 9000)]
)
def test_each_service_answers_service_connect_by_its_name_on_its_port(
    dev, container, port
):
    namespace = only_logical_id(
        dev, "AWS::ServiceDiscovery::HttpNamespace", {"Name": "shop-dev"}
    )

    found = dev.find_resources(
        "AWS::ECS::Service",
        {
            "Properties": {
                "ServiceConnectConfiguration": {
                    "Enabled": True,
                    "Namespace": "shop-dev",
                    "Services": [
                        {
                            "PortName": container,
                            "DiscoveryName": container,
                            "ClientAliases": [{"DnsName": container, "Port": port}],
                        }
                    ],
                    "LogConfiguration": Match.object_like(
                        {
                            "LogDriver": "awslogs",
                            "Options": Match.object_like(
                                {"awslogs-stream-prefix": "service-connect"}
                            ),
                        }
                    ),
                }
            },
            "DependsOn": Match.array_with([namespace]),
        },
    )

    assert list(found) == [_service_id(dev, container)]
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": Match.array_with(
                [
                    Match.object_like(
                        {
                            "Name": container,
                            "PortMappings": [
                                Match.object_like(
                                    {"ContainerPort": port, "Name": container}
                                )
                            ],
                        }
                    )
                ]
            )
        },
    )


def test_internal_url_resolves_to_the_service_connect_name_and_port(dev):
    dev.has_resource_properties(
        "AWS::ECS::TaskDefinition",
        {
            "ContainerDefinitions": [
                Match.object_like(
                    {
                        "Name": "worker",
                        "Environment": [
                            {"Name": "BACKEND_URL", "Value": "http://backend:8080/jobs"}
                        ],
                    }
                )
            ]
        },
    )
