"""JSON bytes as text, decoded the way feed readers decode a feed.

RFC 8259 says JSON exchanged between systems is UTF-8, but servers send what their CMS
wrote (a UTF-16 export, a Windows-1252 file) and label it, or not. As feedparser and
Miniflux do for feeds: a byte-order mark decides first; then the charset of the response's
Content-Type, unless the body is valid UTF-8 beyond ASCII (text in another encoding almost
never is, so the label is a server default, as `crawler.extract.feed` reads it too); then
the zero bytes of unmarked UTF-16/UTF-32 (RFC 4627's detection, as `json.loads` does on
bytes); then UTF-8. A Latin-1 label means Windows-1252, as in the WHATWG Encoding Standard (w3lib).
"""

from __future__ import annotations

import codecs
import json

# UTF-32 first: its little-endian mark begins with UTF-16's
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_JSON_START = ("{", "[")


class UndecodableJson(ValueError):
    """The bytes are in no encoding the response gives or JSON allows; says which and where."""


class UnlabelledNotUtf8(UndecodableJson):
    """Neither a byte-order mark, a charset nor zero bytes name an encoding, and the bytes
    are not UTF-8: a reader may guess (`crawler.ocds.read` reads such files as cp1252)."""


def json_text(body: bytes, content_type: str | None = None) -> str:
    """The text of a JSON body; raises `UndecodableJson` with a one-line reason."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            try:
                return body.decode(encoding)
            except UnicodeDecodeError as exc:
                name = encoding.removesuffix("-sig").upper()
                raise UndecodableJson(
                    f"not valid {name} after its {name} byte-order mark ({_where(exc)})"
                ) from None
    charset = json_charset(content_type)
    server_default = not body.isascii() and _is_utf8(body)  # a label UTF-8 text disproves
    if charset not in (None, "utf-8") and not server_default:
        text = _decoded(body, charset)
        if text is not None:
            return text
    if b"\x00" in body[:4]:  # UTF-16 or UTF-32 without a mark: JSON's first character
        # is ASCII, so its zero bytes say which (RFC 4627 section 3; `json.detect_encoding`)
        encoding = json.detect_encoding(body)
        try:
            return body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise UndecodableJson(
                f"not valid {encoding.upper()}, as the zero bytes it starts with say "
                f"({_where(exc)})"
            ) from None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if charset in (None, "utf-8"):
            raise UnlabelledNotUtf8(
                f"not valid UTF-8 ({_where(exc)}) and the response names no other charset: "
                "JSON must be UTF-8 (RFC 8259), or its Content-Type must give the charset"
            ) from None
        raise UndecodableJson(
            f"not valid {charset} as its Content-Type charset says, nor UTF-8 ({_where(exc)})"
        ) from None


def json_charset(content_type: str | None) -> str | None:
    """The Python codec the Content-Type's charset names, None when it names none we know."""
    if not content_type:
        return None
    from w3lib.encoding import http_content_type_encoding

    return http_content_type_encoding(content_type)


def _decoded(body: bytes, encoding: str) -> str | None:
    """`body` in `encoding` when that gives JSON's first character, else None (a label
    that does not fit the bytes, such as UTF-16 on an ASCII body)."""
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return text if text.lstrip(" \t\r\n")[:1] in _JSON_START else None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _where(exc: UnicodeDecodeError) -> str:
    byte = exc.object[exc.start : exc.start + 1]
    return f"byte 0x{byte.hex()} at offset {exc.start}"
