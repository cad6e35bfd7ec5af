"""`hsts-audit header --json` against every hstspreload row of the public test
vectors (tests/unit/data/sts_vectors_public.tsv, as tests/unit/test_sts.c reads
it): the "hstspreload" object has the checker's exact codes for the function
the row's context names (issue 15, design.md section 8)."""

import json
import os
from pathlib import Path

import pytest

from common.cli import run_cli

TSV = Path(os.environ.get("HSTS_VECTORS") or
           Path(__file__).resolve().parents[1] / "unit" / "data" / "sts_vectors_public.tsv")

# context prefix -> (--preload-policy, JSON errors key, JSON warnings key)
CONTEXTS = {
    "ParseHeaderString:": ("bulk-1-year", "errors", "warnings"),
    "PreloadableHeaderString[bulk-1-year]:": ("bulk-1-year", "preloadable_errors",
                                              "preloadable_warnings"),
    "EligibleHeaderString[bulk-18-weeks]:": ("bulk-18-weeks", "preloadable_errors",
                                             "preloadable_warnings"),
    # RemovableHeaderString's warnings are ParseHeaderString's
    "RemovableHeaderString:": ("bulk-1-year", "removable_errors", "warnings"),
}


def unescape(s):
    """The TSV's escapes in header_value: \\\\ \\t \\n \\r."""
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def rows():
    lines = TSV.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    for n, line in enumerate(lines[1:], start=2):
        if not line or line.startswith("#"):
            continue
        row = dict(zip(header, line.split("\t")))
        if row["source"].startswith("hstspreload"):
            yield pytest.param(row, id="line%d" % n)


def test_the_file_has_hstspreload_rows():
    assert len(list(rows())) == 51


def codes(part):
    return [c for c in part.split(",") if c]


@pytest.mark.parametrize("row", rows())
def test_hstspreload_row(row):
    prefix = next(p for p in CONTEXTS if row["context"].startswith(p))
    policy, ekey, wkey = CONTEXTS[prefix]
    errors, warnings = row["expected_issues"].split("|")
    assert errors.startswith("E:") and warnings.startswith("W:")
    value = unescape(row["header_value"]).encode("utf-8")
    if b"\n" in value or b"\r" in value or value == b"":
        # standard input keeps every byte but one trailing line break: add one
        rc, out, _ = run_cli("header", "--json", "--preload-policy", policy, "-",
                             stdin=value + b"\n")
    else:
        rc, out, _ = run_cli("header", "--json", "--preload-policy", policy, value)
    doc = json.loads(out)
    assert doc["hstspreload"][ekey] == codes(errors[2:]), row
    assert doc["hstspreload"][wkey] == codes(warnings[2:]), row
    assert rc in (0, 1)
