"""The hsts-audit command-line checker: `hsts-audit header` (design.md section 8).

Runs the built binary (env HSTS_AUDIT_CLI, default <repo>/tools/hsts-audit)."""
import json

import pytest

from common.cli import run_cli


def header_json(value, *extra):
    rc, out, err = run_cli("header", "--json", *extra, value)
    return rc, json.loads(out)


REQUIRED_KEYS = {"valid", "max_age", "max_age_raw", "include_subdomains", "preload",
                 "findings", "preload_ready", "divergences"}


def test_valid_header_json_keys_and_values():
    rc, doc = header_json("max-age=63072000; includeSubDomains; preload")
    assert rc == 0
    assert REQUIRED_KEYS <= set(doc)
    assert doc["valid"] is True
    assert doc["max_age"] == 31536000          # Chromium clamps to one year
    assert doc["max_age_raw"] == "63072000"
    assert doc["include_subdomains"] is True
    assert doc["preload"] is True
    assert doc["findings"] == []
    assert doc["preload_ready"] is True
    assert doc["firefox"] == {"valid": True, "max_age": 63072000}
    assert any("Firefox stores max-age 63072000" in d for d in doc["divergences"])


def test_invalid_header_exit_1_and_nulls():
    rc, doc = header_json("max-age=1 includeSubDomains")
    assert rc == 1
    assert doc["valid"] is False
    assert doc["max_age"] is None
    assert doc["max_age_raw"] is None
    assert doc["include_subdomains"] is False
    assert "header.invalid.max_age" in doc["findings"]
    assert doc["preload_ready"] is False


@pytest.mark.parametrize("value,code", [
    ("=5; max-age=1", "header.invalid.syntax"),
    ("max-age=abc", "header.invalid.max_age"),
    ("includeSubDomains", "header.invalid.max_age.missing"),
    ("max-age=1; max-age=1", "header.invalid.repeated_directive"),
    ("max-age=1; includeSubDomains=\"\"", "header.invalid.include_sub_domains_value"),
    ("max-age=1; a@b", "header.invalid.token"),
])
def test_invalid_sub_codes(value, code):
    rc, doc = header_json(value)
    assert rc == 1
    assert code in doc["findings"]


def test_max_age_raw_keeps_leading_zeros_and_huge_values():
    rc, doc = header_json("max-age=0001")
    assert (rc, doc["max_age"], doc["max_age_raw"]) == (0, 1, "0001")
    big = "9" * 40
    rc, doc = header_json(f"max-age={big}")
    assert (rc, doc["max_age"], doc["max_age_raw"]) == (0, 31536000, big)


def test_max_age_zero_is_valid_with_finding():
    rc, doc = header_json("max-age=0")
    assert rc == 0
    assert doc["max_age"] == 0
    assert doc["findings"] == ["header.max_age.zero"]


def test_preload_requirements():
    rc, doc = header_json("max-age=600; preload")
    assert rc == 0
    assert doc["preload_ready"] is False
    assert doc["findings"] == ["header.preloadable.include_sub_domains.missing",
                               "header.preloadable.max_age.below_1_year"]


def test_divergence_quoted_max_age():
    rc, doc = header_json('max-age="31536000"; includeSubDomains; preload')
    assert rc == 0
    assert "header.preload.divergent" in doc["findings"]
    assert any("hstspreload rejects" in d for d in doc["divergences"])
    assert doc["preload_ready"] is False


def test_divergence_repeated_directive():
    rc, doc = header_json("max-age=100; max-age=100")
    assert rc == 1
    assert "header.preload.divergent" in doc["findings"]
    assert any("hstspreload accepts" in d for d in doc["divergences"])


def test_stdin_byte_for_byte():
    rc, out, _ = run_cli("header", "--json", "-", stdin=b"max-age=5; includeSubDomains")
    doc = json.loads(out)
    assert (rc, doc["valid"], doc["max_age"], doc["include_subdomains"]) == (0, True, 5, True)
    assert "input_note" not in doc
    # a line break anywhere else is part of the value: Chromium does not trim LF
    rc, out, err = run_cli("header", "--json", "-", stdin=b"max-age=5\n\n")
    assert rc == 1 and json.loads(out)["valid"] is False
    rc, out, err = run_cli("header", "--json", "-", stdin=b"max-age=5\n; includeSubDomains")
    assert rc == 1 and json.loads(out)["valid"] is False
    # on the command line a value is taken as typed
    rc, out, err = run_cli("header", "max-age=5\n")
    assert rc == 1 and "line break" in err


ECHO_NOTE = "one trailing line break removed (echo adds it; a header value cannot hold one)"


@pytest.mark.parametrize("stdin", [b"max-age=31536000\n", b"max-age=31536000\r\n"],
                         ids=["LF", "CRLF"])
def test_stdin_drops_the_line_break_echo_adds(stdin):
    """`echo 'max-age=31536000' | hsts-audit header -` (issue 15: it said REJECTED)."""
    rc, out, _ = run_cli("header", "--json", "-", stdin=stdin)
    doc = json.loads(out)
    assert rc == 0
    assert (doc["header"], doc["valid"], doc["max_age"]) == ("max-age=31536000", True, 31536000)
    assert doc["input_note"] == ECHO_NOTE
    rc, out, _ = run_cli("header", "-", stdin=stdin)
    assert rc == 0 and "Note:         " + ECHO_NOTE + "\n" in out


@pytest.mark.parametrize("pasted, via_stdin", [
    ("Strict-Transport-Security: max-age=63072000; includeSubDomains; preload", False),
    ("strict-transport-security:max-age=63072000; includeSubDomains; preload", False),
    ("Strict-Transport-Security: max-age=63072000; includeSubDomains; preload\r\n", True),
], ids=["curl-I", "lower-case-no-space", "stdin-with-CRLF"])
def test_pasted_field_name_is_removed(pasted, via_stdin):
    """A line pasted from `curl -I` (issue 15: it said "invalid token")."""
    if via_stdin:
        rc, out, _ = run_cli("header", "--json", "-", stdin=pasted.encode())
    else:
        rc, out, _ = run_cli("header", "--json", pasted)
    doc = json.loads(out)
    assert rc == 0
    assert doc["header"] == "max-age=63072000; includeSubDomains; preload"
    assert doc["preload_ready"] is True
    assert doc["input_note"] == ("the field name Strict-Transport-Security: and " + ECHO_NOTE
                                 if via_stdin else
                                 "the field name Strict-Transport-Security: removed")


def test_header_help():
    rc, out, err = run_cli("header", "--help")
    assert rc == 0 and err == ""
    assert out.startswith("usage: hsts-audit header [--json] [--preload-policy "
                          "bulk-1-year|bulk-18-weeks] VALUE\n")
    rc, out, err = run_cli("header", "--preload-policy", "bulk-2-years", "max-age=1")
    assert rc == 2 and "--preload-policy takes bulk-1-year or bulk-18-weeks" in err


@pytest.mark.parametrize("value, policy, preloadable, warnings, removable", [
    ("max-age=10886400; includeSubDomains; preload", "bulk-18-weeks", [], [],
     ["header.removable.contains.preload"]),
    ("max-age=10886400; includeSubDomains; preload", "bulk-1-year",
     ["header.preloadable.max_age.below_1_year"], [], ["header.removable.contains.preload"]),
    ("max-age=315360001; includeSubDomains; preload", "bulk-1-year", [],
     ["header.preloadable.max_age.over_10_years"], ["header.removable.contains.preload"]),
    ("max-age=31536000", "bulk-1-year",
     ["header.preloadable.include_sub_domains.missing", "header.preloadable.preload.missing"],
     [], []),
    ("includeSubDomains", "bulk-1-year",
     ["header.preloadable.preload.missing", "header.preloadable.max_age.missing"], [],
     ["header.removable.missing.max_age"]),
], ids=["18w-eligible", "18w-not-1y", "over-10y", "removable", "no-max-age"])
def test_hstspreload_checks(value, policy, preloadable, warnings, removable):
    """The hstspreload checker's exact codes for PreloadableHeader (bulk-1-year) or
    EligibleHeader (bulk-18-weeks) and RemovableHeader (issue 15)."""
    rc, out, _ = run_cli("header", "--json", "--preload-policy", policy, value)
    h = json.loads(out)["hstspreload"]
    assert h["preloadable_errors"] == preloadable
    assert h["preloadable_warnings"] == warnings
    assert h["removable_errors"] == removable


def test_stdin_binary_and_large():
    value = b"max-age=5; x=\"" + bytes(range(1, 256)).replace(b'"', b"").replace(b"\\", b"") + b"\""
    rc, out, _ = run_cli("header", "--json", "-", stdin=value)
    doc = json.loads(out)        # always valid JSON, whatever the bytes
    assert doc["header"].startswith("max-age=5")
    rc, out, _ = run_cli("header", "--json", "-", stdin=b"max-age=1; " + b"a=b; " * 20000)
    assert rc == 0 and json.loads(out)["valid"] is True


def test_text_output():
    rc, out, _ = run_cli("header", "max-age=31536000; includeSubDomains")
    assert rc == 0
    assert "Chromium:     accepted: stores max-age 31536000 s" in out
    assert "Preload:      not ready: header.preloadable.preload.missing" in out
    rc, out, _ = run_cli("header", "max-age=x")
    assert rc == 1
    assert "REJECTED (header.invalid.max_age)" in out


@pytest.mark.parametrize("args", [
    [], ["header"], ["header", "--bogus", "x"], ["header", "a", "b"], ["frobnicate"],
])
def test_usage_errors_exit_2(args):
    rc, out, err = run_cli(*args)
    assert rc == 2
    assert "usage: hsts-audit" in err


def test_help_and_version():
    rc, out, _ = run_cli("--help")
    assert rc == 0 and "hsts-audit header" in out
    rc, out, _ = run_cli("--version")
    assert rc == 0 and out.startswith("hsts-audit (mod_hsts_audit) ")


def test_max_age_raw_of_escaped_quoted_digits():
    rc, doc = header_json('max-age="3\\1536000"')
    assert rc == 0
    assert doc["max_age_raw"] == "31536000"
    assert doc["max_age"] == 31536000
