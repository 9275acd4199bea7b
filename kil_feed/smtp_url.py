"""The options of an `smtp_url` (`?starttls=true&timeout=10&verify=false`), read in one place
for the settings check and the transport: a misspelt option or value is refused when the
settings load, never read as "off" (a `?startls=true` would have sent the password over a
plain connection)."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from urllib.parse import parse_qs

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class SmtpOptions:
    starttls: bool = False
    verify: bool = True
    timeout: float = DEFAULT_TIMEOUT


def _flag(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE | FALSE:
        return word in TRUE
    raise ValueError(f"{name}={value!r} in the URL is neither true nor false")


def smtp_options(query: str) -> SmtpOptions:
    """The options in the query part of an smtp_url; ValueError naming a bad one."""
    values = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    known = list(SmtpOptions.__dataclass_fields__)
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            guess = f"did you mean {close[0]!r}? " if close else ""
            names = ", ".join(known)
            raise ValueError(f"unknown option {key!r} in the URL ({guess}known: {names})")
    timeout = DEFAULT_TIMEOUT
    if "timeout" in values:
        try:
            timeout = float(values["timeout"])
        except ValueError:
            timeout = math.nan
        if not math.isfinite(timeout) or timeout <= 0:
            raise ValueError(
                f"timeout={values['timeout']!r} in the URL is not a number of seconds above 0"
            )
    return SmtpOptions(
        starttls=_flag("starttls", values["starttls"]) if "starttls" in values else False,
        verify=_flag("verify", values["verify"]) if "verify" in values else True,
        timeout=timeout,
    )
