"""A named volume of one service's task: an encrypted EFS file system to mount."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_efs as efs
from aws_cdk import aws_iam as iam
from constructs import Construct

from slipway.naming import pascal_case

MOUNT = "elasticfilesystem:ClientMount"
WRITE = "elasticfilesystem:ClientWrite"
# Owner rwx, group r-x, others nothing: the access point's directory as created.
ROOT_PERMISSIONS = "750"


class TaskVolume(Construct):
    """One volume of a task: file system, access point, mount targets and policy.

    Every file is read and written as the volume's owner, whatever user the
    container runs as; only the service's own tasks can reach the mount targets,
    and only through the access point, over TLS, as the task role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_name: str,
        volume_name: str,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        uid: int,
        gid: int,
        writable: bool,
        task_role: iam.IRole,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.name = volume_name
        actions = [MOUNT, WRITE] if writable else [MOUNT]

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description=f"{service_name} volume {volume_name}: NFS from its tasks only",
            allow_all_outbound=False,
        )
        self.file_system = efs.FileSystem(
            self,
            "FileSystem",
            vpc=vpc,
            # One mount target per zone is all EFS allows, in the tasks' subnets.
            vpc_subnets=ec2.SubnetSelection(
                subnet_type=subnets.subnet_type, one_per_az=True
            ),
            security_group=self.security_group,
            encrypted=True,
            removal_policy=removal_policy,
            # NOTE: without a file system policy EFS lets any client that reaches a
            # mount target in, and the task role's permissions below would decide
            # nothing.
            file_system_policy=iam.PolicyDocument(
                statements=[
                    iam.PolicyStatement(
                        sid="TaskRoleThroughMountTargets",
                        principals=[iam.ArnPrincipal(task_role.role_arn)],
                        actions=actions,
                        conditions={
                            "Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}
                        },
                    ),
                    iam.PolicyStatement(
                        sid="TlsOnly",
                        effect=iam.Effect.DENY,
                        principals=[iam.AnyPrincipal()],
                        actions=["*"],
                        conditions={"Bool": {"aws:SecureTransport": "false"}},
                    ),
                ]
            ),
        )
        self.access_point = self.file_system.add_access_point(
            "AccessPoint",
            path=f"/{volume_name}",
            posix_user=efs.PosixUser(uid=str(uid), gid=str(gid)),
            create_acl=efs.Acl(
                owner_uid=str(uid), owner_gid=str(gid), permissions=ROOT_PERMISSIONS
            ),
        )

        # NOTE: a policy of its own, not a statement in the role's default policy:
        # the role may be shared by every service, and this names the one service
        # that needs the mount.
        self.policy = iam.Policy(
            self,
            "MountPolicy",
            statements=[
                iam.PolicyStatement(
                    sid=f"{pascal_case(service_name)}Mounts{pascal_case(volume_name)}",
                    actions=actions,
                    resources=[self.file_system.file_system_arn],
                    conditions={
                        "StringEquals": {
                            "elasticfilesystem:AccessPointArn": (
                                self.access_point.access_point_arn
                            )
                        }
                    },
                )
            ],
        )
        self.policy.attach_to_role(task_role)

    def allow_from(self, security_group: ec2.ISecurityGroup, who: str) -> None:
        """Admit NFS from one security group, that of the tasks mounting the volume."""
        self.file_system.connections.allow_default_port_from(
            security_group, f"NFS from {who} tasks"
        )

    def configuration(self) -> ecs.EfsVolumeConfiguration:
        """How a task definition mounts the volume: through the access point, over
        TLS, authorized as the task role."""
        return ecs.EfsVolumeConfiguration(
            file_system_id=self.file_system.file_system_id,
            transit_encryption="ENABLED",
            authorization_config=ecs.AuthorizationConfig(
                access_point_id=self.access_point.access_point_id, iam="ENABLED"
            ),
        )
