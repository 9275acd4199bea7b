"""Internationalised addresses (RFC 6530) as they go on the wire.

An address at an IDN domain is written with the domain in punycode, so its message stays
ASCII and any relay takes it. A mailbox name that is not ASCII has no ASCII form: it needs
a relay offering SMTPUTF8 (RFC 6531) and UTF-8 in the To header (RFC 6532)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def wire_address(address: str) -> str:
    """`address` with its domain in IDNA (ASCII) form; unchanged if ASCII already, or if it
    does not parse (the relay then judges it)."""
    if address.isascii() or "@" not in address:
        return address
    from email_validator import EmailNotValidError, validate_email

    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return address
    return f"{valid.local_part}@{valid.ascii_domain}"


def needs_smtputf8(*addresses: str) -> bool:
    """True if one of `addresses` cannot be written in ASCII, even with its domain in IDNA."""
    return not all(wire_address(a).isascii() for a in addresses)
