"""Reading synthesized stacks: resources, the references between them, their values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PATH_METADATA = "aws:cdk:path"
WORLD = frozenset({"0.0.0.0/0", "::/0"})


@dataclass(frozen=True)
class StackTemplate:
    """One synthesized stack: its name, template, tags and termination protection."""

    name: str
    template: Mapping
    tags: Mapping[str, str] = field(default_factory=dict)
    termination_protection: bool = False

    @property
    def resources(self) -> Mapping[str, Mapping]:
        return self.template.get("Resources", {})

    def of_type(self, kind: str) -> dict[str, Mapping]:
        """Resources of one CloudFormation type, by logical ID in sorted order."""
        return {
            logical_id: resource
            for logical_id, resource in sorted(self.resources.items())
            if resource.get("Type") == kind
        }

    def properties(self, logical_id: str) -> Mapping:
        return self.resources.get(logical_id, {}).get("Properties", {})

    def path(self, logical_id: str | None) -> str | None:
        """The construct path CDK recorded for a resource, if it recorded one."""
        if logical_id is None:
            return None
        metadata = self.resources.get(logical_id, {}).get("Metadata", {})
        return metadata.get(PATH_METADATA)

    def label(self, logical_id: str) -> str:
        """A short, stable name for a resource: its construct path inside the stack."""
        path = self.path(logical_id)
        if path is None:
            return logical_id
        return short_path(path)


def short_path(path: str) -> str:
    """`app-dev-services/Backend/TaskDefinition/Resource` -> `Backend/TaskDefinition`."""
    parts = path.split("/")[1:] or path.split("/")
    if len(parts) > 1 and parts[-1] in {"Resource", "Default"}:
        parts = parts[:-1]
    return "/".join(parts)


def read_assembly(outdir: Path) -> list[StackTemplate]:
    """The stacks of a synthesized cloud assembly, in the order of its manifest."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    stacks = []
    for artifact_id, artifact in manifest.get("artifacts", {}).items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        template = json.loads((outdir / properties["templateFile"]).read_text())
        stacks.append(
            StackTemplate(
                name=properties.get("stackName", artifact_id),
                template=template,
                tags=properties.get("tags", {}),
                termination_protection=bool(properties.get("terminationProtection")),
            )
        )
    return stacks


def target(value: object) -> str | None:
    """The logical ID a `Ref` or `Fn::GetAtt` points at, else None."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    if "Ref" in value and isinstance(value["Ref"], str):
        return None if value["Ref"].startswith("AWS::") else value["Ref"]
    if "Fn::GetAtt" in value:
        attribute = value["Fn::GetAtt"]
        if isinstance(attribute, str):
            return attribute.split(".", 1)[0]
        return attribute[0]
    return None


def is_literal(value: object) -> bool:
    """A value written into the template as it is, not computed by CloudFormation."""
    return isinstance(value, str | int | float | bool)


def render(value: object, stack: StackTemplate) -> str:
    """A readable form of a template value; references name the resource's path."""
    if isinstance(value, bool):
        return str(value).lower()
    if is_literal(value):
        return str(value)
    if isinstance(value, list):
        return ", ".join(render(item, stack) for item in value)
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, argument),) = value.items()
        if key == "Ref":
            if argument.startswith("AWS::"):
                return f"${{{argument}}}"
            return f"${{{stack.label(argument)}}}"
        if key == "Fn::GetAtt":
            logical_id, attribute = (
                argument.split(".", 1) if isinstance(argument, str) else argument
            )
            return f"${{{stack.label(logical_id)}.{attribute}}}"
        if key == "Fn::Join":
            separator, parts = argument
            return separator.join(render(part, stack) for part in parts)
        if key == "Fn::Sub":
            return argument if isinstance(argument, str) else argument[0]
        if key == "Fn::ImportValue":
            return f"${{import {render(argument, stack)}}}"
        if key == "Fn::Select":
            index, items = argument
            return f"{render(items, stack)}[{index}]"
    return json.dumps(value, sort_keys=True)
