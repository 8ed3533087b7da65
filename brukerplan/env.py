"""Small typed readers for settings that come from the environment."""

import os


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return int(value)


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_numbered(prefix: str) -> dict[int, str]:
    """The variables named ``prefix`` and a number (``KEY_2``, ``KEY_3``), by number."""
    found = {}
    for name, value in os.environ.items():
        number = name.removeprefix(prefix)
        if name.startswith(prefix) and number.isdigit() and value:
            found[int(number)] = value
    return found


def env_map(name: str, default: dict[str, str]) -> dict[str, str]:
    """`key=value,key=value`; a key without a value maps to the empty string."""
    value = os.environ.get(name)
    if value is None or value == "":
        return dict(default)
    pairs = (item.partition("=") for item in value.split(",") if item.strip())
    return {key.strip(): found.strip() for key, _, found in pairs}
