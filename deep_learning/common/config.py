"""Config dataclasses with `--key=value` overrides from the command line.

Each training script has one dataclass whose fields are its options; `parse_config` turns the
fields into flags (their defaults and types shown by `--help`) and named presets into starting points.
"""

import argparse
import dataclasses
import json
import typing
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _parser_for(kind: Any):
    if kind is bool:
        return _parse_bool
    if kind in (int, float, str):
        return kind
    if typing.get_origin(kind) is tuple:  # e.g. tuple[int, ...] written as 1,2,3
        (item, *_) = typing.get_args(kind)
        return lambda text: tuple(item(part) for part in text.split(",") if part)
    raise TypeError(f"unsupported config field type {kind!r}")


def _default(field: dataclasses.Field) -> Any:
    """A field's default; one made by a factory (a property of this machine, say) is made to be shown."""
    return field.default if field.default_factory is dataclasses.MISSING else field.default_factory()


def parse_config(
    cls: type[T],
    argv: Sequence[str] | None = None,
    presets: Mapping[str, Mapping[str, Any]] | None = None,
    description: str | None = None,
) -> T:
    """Builds `cls` from `--config=<preset>` and `--field=value` flags.

    With presets, `cls` has a `config: str` field that records which preset the run started from.
    """
    hints = typing.get_type_hints(cls)
    parser = argparse.ArgumentParser(description=description)
    if presets:
        parser.add_argument("--config", choices=sorted(presets), default=next(iter(presets)),
                            help="named starting point; other flags override its fields")
    for field in dataclasses.fields(cls):
        if presets and field.name == "config":
            continue
        parser.add_argument(f"--{field.name}", type=_parser_for(hints[field.name]), default=None,
                            help=f"default: {_default(field)!r}")
    args = vars(parser.parse_args(argv))
    values = {}
    if presets:
        name = args.pop("config")
        values = {**presets[name], "config": name}
    values.update({key: value for key, value in args.items() if value is not None})
    return cls(**values)


def config_to_dict(config: Any) -> dict:
    """JSON-ready dict of a config dataclass (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))
