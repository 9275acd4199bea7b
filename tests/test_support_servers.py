"""The test servers themselves behave as later tests rely on."""

from __future__ import annotations

import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage

import pytest


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


def test_http_server_serves_files_with_conditional_get(http_server) -> None:  # type: ignore[no-untyped-def]
    url = http_server.add("/feed.xml", "<rss/>", content_type="application/rss+xml")
    status, body, headers = _get(url)
    assert (status, body) == (200, b"<rss/>")
    status, body, _ = _get(url, {"If-None-Match": headers["ETag"]})
    assert status == 304 and body == b""
    assert len(http_server.requests_to("/feed.xml")) == 2


def test_http_server_can_misbehave(http_server) -> None:  # type: ignore[no-untyped-def]
    url = http_server.add("/x", "hello")
    assert _get(url + "?status=503")[0] == 503
    assert _get(http_server.url("/status/500"))[0] == 500
    assert _get(url + "?header=X-Test:yes")[2]["X-Test"] == "yes"
    status, body, _ = _get(http_server.url("/y?redirect=/x"))
    assert (status, body) == (200, b"hello")
    with pytest.raises((urllib.error.URLError, TimeoutError)):
        urllib.request.urlopen(http_server.url("/hang"), timeout=0.5)


@pytest.mark.parametrize(
    ("name", "text", "charset"),
    [
        # the page's own <meta http-equiv> says ISO-8859-1 (its £ is the byte A3), which
        # HTML reads as windows-1252 (w3lib's "cp1252")
        (
            "jobs/civilservicejobs_job_detail_house_of_lords_head_of_policy_research.html",
            "£53,730",
            "cp1252",
        ),
        ("jobs/jobsinschoolsnortheast_assistant_headteacher.html", "£", "utf-8"),
    ],
)
def test_http_server_declares_the_charset_an_html_file_has(  # type: ignore[no-untyped-def]
    http_server, corpus_dir, name: str, text: str, charset: str
) -> None:
    _, body, headers = _get(http_server.add_file("/page.html", corpus_dir / name))
    assert headers["Content-Type"] == f"text/html; charset={charset}"
    assert text in body.decode(charset)


def test_http_server_declares_no_charset_for_undeclared_non_utf8_html(  # type: ignore[no-untyped-def]
    http_server, tmp_path
) -> None:
    page = tmp_path / "latin1.html"  # synthetic: Latin-1 bytes, no <meta charset>
    page.write_bytes("<html><body><p>Rate: £500 per day</p></body></html>".encode("latin-1"))
    ascii_page = tmp_path / "ascii.html"
    ascii_page.write_bytes(b"<html><body><p>Hello</p></body></html>")
    assert _get(http_server.add_file("/l.html", page))[2]["Content-Type"] == "text/html"
    ascii_type = _get(http_server.add_file("/a.html", ascii_page))[2]["Content-Type"]
    assert ascii_type == "text/html; charset=utf-8"


def test_smtp_server_records_and_rejects(smtp_server) -> None:  # type: ignore[no-untyped-def]
    smtp_server.reject("bad@example.org")
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["Subject"] = "hi"
    msg.set_content("body")
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=5) as smtp:
        smtp.send_message(msg, to_addrs=["ok@example.org"])
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.send_message(msg, to_addrs=["bad@example.org"])
    assert smtp_server.recipients() == ["ok@example.org"]
    assert smtp_server.messages[0].message["Subject"] == "hi"
