"""Unknown settings and the closest known name: a misspelt `smtp_ulr` in `kil.toml` or a
`KIL_SMTP_ULR` variable must stop every command with one line, never fall back silently
(a misspelt relay once meant a whole send went into the local outbox).
"""

from __future__ import annotations

import difflib
import json
import typing
from collections.abc import Iterable, Mapping

from pydantic import BaseModel

ENV_PREFIX = "KIL_"
# KIL_* variables that are not settings: the config file, the crawl launcher's hand-over to
# its processes, and aids of the tests and benchmarks.
PROCESS_VARIABLES = frozenset(
    {
        "KIL_CONFIG",
        "KIL_SETTINGS_JSON",
        "KIL_CRAWL_STREAM",
        "KIL_CRAWL_STREAM_FD",
        "KIL_CRAWL_PROFILE",
        "KIL_CORPUS_DIR",
        "KIL_UPDATE_GOLDEN",
        "KIL_CHROMIUM",
    }
)
PROCESS_PREFIXES = ("KIL_TEST_",)


def setting_names(settings_cls: type[BaseModel]) -> list[str]:
    """Every setting as written in `kil.toml`: `smtp_url`, `crawl.download_timeout` ..."""
    names: list[str] = []
    for name, field in settings_cls.model_fields.items():
        names.append(name)
        section = _section(field.annotation)
        if section is not None:
            names.extend(f"{name}.{sub}" for sub in section.model_fields)
    return names


def _section(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def env_name(dotted: str) -> str:
    return ENV_PREFIX + dotted.replace(".", "__").upper()


def closest(name: str, known: Iterable[str], near: Iterable[str] = ()) -> str | None:
    """The known name a typo most likely meant: the same key in another table (`block`
    pasted without `rules.`), else the most similar key name, preferring those in `near`
    (its own table). Keys are compared without their table, so that `smtp_ulr` written
    under `[newsletter]` still finds the top-level `smtp_url`."""
    known = list(known)
    leaf = _leaf(name)
    for candidate in known:
        if candidate != name and _leaf(candidate) == leaf:
            return candidate
    for pool in (list(near), known):
        by_leaf: dict[str, str] = {}
        for candidate in pool:
            by_leaf.setdefault(_leaf(candidate), candidate)
        matches = difflib.get_close_matches(leaf, list(by_leaf), n=1, cutoff=0.6)
        if matches:
            return by_leaf[matches[0]]
    return None


def _leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def unknown_key_message(loc: tuple[object, ...], settings_cls: type[BaseModel]) -> str:
    """`unknown setting 'smtp_ulr' (did you mean 'smtp_url'?)` for a pydantic extra key."""
    dotted = ".".join(str(part) for part in loc)
    known = setting_names(settings_cls)
    section = f"{loc[0]}." if len(loc) > 1 else None
    near = [n for n in known if section and n.startswith(section)]  # a typo inside [crawl]
    guess = closest(dotted, known, near)
    if not guess:
        return f"unknown setting {dotted!r}"
    where = ""
    if section and "." not in guess:
        where = ", a top-level setting: kil.toml needs it above the first [table]"
    return f"unknown setting {dotted!r} (did you mean {guess!r}{where}?)"


def unknown_env_variables(environ: Mapping[str, str], settings_cls: type[BaseModel]) -> list[str]:
    """One message per KIL_* variable that names no setting, with the closest known one."""
    known = setting_names(settings_cls)
    by_env = {env_name(n): n for n in known}
    messages = []
    for variable in sorted(environ):
        upper = variable.upper()
        if not upper.startswith(ENV_PREFIX) or upper in by_env:
            continue
        if upper in PROCESS_VARIABLES or upper.startswith(PROCESS_PREFIXES):
            continue
        guess = closest(upper, by_env)
        hint = f" (did you mean {guess}?)" if guess else ""
        messages.append(f"unknown setting {variable}{hint}")
    return messages


def undecodable_variable(
    environ: Mapping[str, str], settings_cls: type[BaseModel], section: str
) -> tuple[str, str] | None:
    """The `KIL_<SECTION>__<NAME>` variable of a list or table setting whose value is not
    JSON, and which of the two it is (`KIL_WEB__TRUSTED_PROXIES=10.0.0.5`: "list"): the
    settings library blames the whole section for it, a variable that may not be set."""
    field = settings_cls.model_fields.get(section)
    model = _section(field.annotation) if field is not None else None
    if model is None:
        return None
    prefix = f"{ENV_PREFIX}{section.upper()}__"
    for variable in sorted(environ):
        sub = model.model_fields.get(variable.upper().removeprefix(prefix).lower())
        if not variable.upper().startswith(prefix) or sub is None:
            continue
        kind = _json_kind(sub.annotation)
        if kind is None:
            continue
        try:
            json.loads(environ[variable])
        except ValueError:
            return variable, kind
    return None


def _json_kind(annotation: object) -> str | None:
    """ "list", "list of tables" or "table" for a setting a variable gives as JSON, else None."""
    for part in (annotation, *typing.get_args(annotation)):
        origin = typing.get_origin(part) or part
        if origin in (list, tuple, set, frozenset):
            inner = [_json_kind(a) for a in typing.get_args(part)]
            return "list of tables" if "table" in inner else "list"
        if origin is dict or _section(origin) is not None:
            return "table"
    return None


JSON_EXAMPLES = {
    "list": '["…", "…"]',
    "list of tables": '[{"name": "…"}]',
    "table": '{"name": "…"}',
}
