"""Names derived from the spec: construct IDs and stack output keys."""


def pascal_case(name: str) -> str:
    """`api-gateway` -> `ApiGateway`: a stable construct ID from a spec name."""
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def url_output_key(service: str) -> str:
    """The key of the stack output that holds a service's URL."""
    return f"{pascal_case(service)}Url"
