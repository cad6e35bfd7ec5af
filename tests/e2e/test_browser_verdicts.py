"""mod_hsts_audit's verdict on a Strict-Transport-Security header equals what a real
Chromium does with it (design.md sections 2-4, docs/sts-parsing.md).

For every value of tests/unit/data/sts_vectors_public.tsv that can be sent as an
HTTP header field (no CR/LF/control characters), plus our own cases for each
Chromium parsing rule and a few multi-field responses, the in-process backend
(/raw/, which keeps repeated fields apart) sends the value through httpd to the
browser, once through a report-mode server and once through an add-mode server.

Per value, on a host name of its own (r001.hsts.test, a001.hsts.test, ...; one
browser for the whole module):
  1. the browser loads https://HOST/raw/x?sts=VALUE; the access log gives the
     module's notes for that very request (X-Test-Id);
  2. chrome://net-internals/#hsts says what Chromium stored (max-age, includeSubDomains);
  3. http://HOST (aimed at the TLS port) is or is not upgraded by the browser
     (internal 307, Non-Authoritative-Reason: HSTS);
  4. when nothing was stored, the host is seeded with max-age=7777 and the value
     is sent again: the seed survives (Chromium rejected the header) or is gone
     (Chromium accepted max-age=0).
Chromium's verdict (rejected / deleted / stored N) must equal the module's:
  report: note hsts-audit has header.invalid.* -> rejected; else note
          hsts-audit-max-age 0 -> deleted, N -> stored N;
  add:    what leaves the server: invalid or several fields -> replaced by the
          policy (stored 86400), a valid one kept (stored N, or deleted for 0).
"""

import pytest

import e2elib
from common.backend import sts_query
from common.logs import finding_codes
from e2elib import http_url_on_tls_port, https_url, log_entry, module_rejects, visit

# skip (with the reason) before any server starts when the tool is missing
pytestmark = pytest.mark.usefixtures("chromium")

POLICY_MAX_AGE = 86400
SEED = "max-age=7777"
SEED_MAX_AGE = 7777

# Our own values, one or more per Chromium rule of docs/sts-parsing.md.
OWN = [
    "max-age=1 includeSubDomains",                   # missing ';'
    "max-age=100; includeSubDomains=\"\"",           # includeSubDomains takes no value
    "max-age=100; includeSubDomains=x",
    "max-age=100; max-age=100",                      # repeated max-age
    "max-age=100; includeSubDomains; includeSubDomains",
    "=max-age=100",                                  # piece starting with '='
    "max-age=100; =x",
    "max-age=100; foo=",                             # empty value
    "max-age=100; non@token",                        # name not a token
    "max-age=100; a,b",
    "max-age=100; foo=non\"token",                   # unquoted value not a token
    "max-age=100; foo=\"a;b\"",                      # ';' inside quotes does not split
    "max-age=100; foo=\"quoted;with=equals\"",
    "max-age=100; foo=\"unterminated",               # unterminated quote
    "max-age=100; foo=\"bar\\\"baz\"",               # escaped quote inside
    "max-age=100; foo=\"ends-escaped\\\"",           # ends in an escaped quote
    "max-age=\"\"",                                  # empty quoted max-age
    "max-age=\"1\\00\"",                             # backslash escape in a quoted max-age
    "max-age='100'",                                 # ' is not a quote
    "max-age=00000000000000000000100",               # leading zeros
    "max-age=99999999999999999999999999999",         # clamped, not rejected
    "max-age=31536001",                              # above one year: clamped
    "max-age=-1",
    "max-age=1.5",
    "max-age=1e3",
    "max-age= 100",                                  # space after '='
    "max-age=10 0",
    "max-age=100;;; includeSubDomains;",             # empty pieces are skipped
    "max-age=100; preload",
    "max-age=100,includeSubDomains",                 # ',' is not a separator
    "max-age=100\t;\tincludeSubDomains",             # HTAB is whitespace
    "MAX-AGE=100; INCLUDESUBDOMAINS",
    "max-age=100; x=\xe9",                           # obs-text: not a token
    "max-age=100; x=\"\xe9\"",                       # ... but fine inside quotes
]

# Several fields in one response: browsers read only the first.
MULTI = [
    ("max-age=abc", "max-age=100"),
    ("max-age=100", "max-age=abc"),
    ("max-age=0", "max-age=100"),
    ("max-age=200; includeSubDomains", "max-age=100"),
]


def _cases():
    cases, seen = [], set()
    for value, source, _ctx in e2elib.load_vectors():
        cases.append(("tsv", (value,)))
        seen.add(value)
    for value in OWN:
        if value not in seen:
            seen.add(value)
            cases.append(("own", (value,)))
    for fields in MULTI:
        cases.append(("multi", fields))
    return cases


CASES = _cases()


def _case_id(i, case):
    kind, fields = case
    text = " | ".join(fields)
    text = text.encode("ascii", "backslashreplace").decode().replace("\t", "\\t")
    return "%03d-%s-%s" % (i, kind, text[:60] or "empty")


IDS = [_case_id(i, c) for i, c in enumerate(CASES)]
PARAMS = list(enumerate(CASES))


# Only the backend's answers (/raw/) carry a policy: a response the test did not
# ask for (a favicon the browser fetched after all, a 404) must not store the
# add server's own policy for a host between the steps of its case.
ONLY_RAW = ('    <LocationMatch "^/(?!raw/)">\n'
            '        HSTSMode off\n'
            '    </LocationMatch>\n')


@pytest.fixture(scope="module")
def servers(module_httpd_factory):
    return {
        "report": module_httpd_factory.start(hsts_global="HSTSMaxAge 1d\nHSTSMode report\n",
                                             https_body=ONLY_RAW),
        "add": module_httpd_factory.start(hsts_global="HSTSMaxAge 1d\n", https_body=ONLY_RAW),
    }


def recent_requests(server, n=12):
    """The last n access-log entries (status, path, action, X-Test-Id), for a
    failure message: what the browser asked for around a surprise."""
    return [(e["status"], e["path"], e["action"], e["max_age"], e["test_id"])
            for e in server.access_entries()[-n:]]


@pytest.fixture(scope="module")
def page(module_browser):
    return module_browser.new_page()


@pytest.fixture(scope="module")
def hsts(module_browser):
    return e2elib.NetInternals(module_browser)


def received_sts(nav):
    """The STS field values the browser received (CDP joins repeated fields with LF)."""
    headers = nav.responses[-1]["response"]["headers"] if nav.responses else {}
    vals = [v for k, v in headers.items() if k.lower() == "strict-transport-security"]
    return vals[0].split("\n") if vals else []


def as_cdp_shows(fields):
    """The backend sends the value's characters as latin-1 bytes; CDP renders header
    bytes as UTF-8 and drops what is not valid UTF-8 (a lone 0xE9, for instance)."""
    return [v.encode("latin-1").decode("utf-8", "ignore") for v in fields]


def chromium_verdict(state):
    if state.found:
        return ("stored", state.max_age)
    return None


def check_case(mode, server, page, hsts, index, fields):
    host = "%s%03d.hsts.test" % (mode[0], index)
    path = "/raw/x" + sts_query(*fields, encoding="latin-1")
    report = {"mode": mode, "host": host, "fields": fields}

    nav, tid = visit(page, https_url(server, host, path))
    assert nav.error_text is None and nav.final_status == 200, nav.summary()
    entry = log_entry(server, tid, "/raw/x")
    report["note"] = entry["audit"]
    report["action"] = entry["action"]
    report["note_max_age"] = entry["max_age"]
    got = received_sts(nav)
    report["received"] = got
    if mode == "report":
        # report mode changes nothing: the browser saw exactly what the backend sent
        assert got == as_cdp_shows(fields), report
        assert entry["action"] == "none", report

    state = hsts.query(host)
    report["stored"] = repr(state)
    verdict = chromium_verdict(state)

    nav2, _ = visit(page, http_url_on_tls_port(server, host, path))
    report["upgraded"] = nav2.hsts_upgraded
    # the browser upgrades exactly when it holds a policy for the host
    assert nav2.hsts_upgraded == state.found, report
    if nav2.hsts_upgraded:
        assert nav2.final_status == 200 and nav2.final_url == https_url(server, host, path), \
            (report, nav2.summary())
    else:
        assert nav2.final_status == 400, (report, nav2.summary())

    if verdict is None:
        # nothing stored: rejected, or accepted with max-age=0?  Seed a policy and
        # send the value again.
        nav3, _ = visit(page, https_url(server, host, "/raw/x" + sts_query(SEED, encoding="latin-1")))
        assert nav3.final_status == 200, nav3.summary()
        seeded = hsts.query(host)
        assert seeded.found and seeded.max_age == SEED_MAX_AGE, \
            (report, seeded.text, recent_requests(server))
        nav4, tid4 = visit(page, https_url(server, host, path))
        assert nav4.final_status == 200, nav4.summary()
        entry4 = log_entry(server, tid4, "/raw/x")
        assert entry4["audit"] == entry["audit"], (report, entry4)
        after = hsts.query(host)
        report["after_seed"] = repr(after)
        if not after.found:
            verdict = ("deleted",)
        elif after.max_age == SEED_MAX_AGE and after.observed == seeded.observed:
            verdict = ("rejected",)
        else:
            verdict = ("stored", after.max_age)   # inconsistent: fails below
    report["chromium"] = verdict

    # the module's verdict
    if mode == "report":
        if module_rejects(entry):
            expected = ("rejected",)
            assert entry["max_age"] == "-", report
        elif entry["max_age"] == "0":
            expected = ("deleted",)
        else:
            expected = ("stored", int(entry["max_age"]))
    else:
        invalid = module_rejects(entry)
        multiple = "header.multiple" in finding_codes(entry)
        if invalid or multiple:
            assert entry["action"] == "replaced", report
            assert got == ["max-age=%d" % POLICY_MAX_AGE], report
        else:
            assert entry["action"] == "kept", report
            assert got == as_cdp_shows(fields), report
        expected = ("deleted",) if entry["max_age"] == "0" else ("stored", int(entry["max_age"]))
    report["module"] = expected
    assert verdict == expected, "module and Chromium disagree: %r" % (report,)

    # includeSubDomains as stored, against the CLI built from the same core
    if verdict[0] == "stored":
        # the first field that left the server, as bytes (not CDP's rendering)
        final = fields[0] if entry["action"] in ("none", "kept") else got[0]
        cli = e2elib.cli_verdict(final)
        if cli is not None:
            report["cli"] = {k: cli.get(k) for k in ("valid", "max_age", "include_subdomains")}
            assert cli.get("valid") is True and cli.get("max_age") == verdict[1], report
            assert cli.get("include_subdomains") == state.include_subdomains, report
    return report


@pytest.fixture
def flush(hsts):
    yield
    hsts.flush_sockets()


@pytest.mark.parametrize("index,case", PARAMS, ids=IDS)
def test_report_mode_verdict_matches_chromium(servers, page, hsts, flush, index, case):
    check_case("report", servers["report"], page, hsts, index, case[1])


@pytest.mark.parametrize("index,case", PARAMS, ids=IDS)
def test_add_mode_result_honoured_by_chromium(servers, page, hsts, flush, index, case):
    check_case("add", servers["add"], page, hsts, index, case[1])


def test_only_raw_answers_carry_a_policy(servers):
    """The guard of ONLY_RAW: a favicon's 404 has no STS; the backend's answers do."""
    add = servers["add"]
    r = add.get("/favicon.ico", host="a999.hsts.test", check=False)
    assert r.status == 404 and r.sts == [], (r.status, r.sts)
    r = add.get("/raw/x", host="a999.hsts.test", check=False)
    assert r.status == 200 and r.sts == ["max-age=%d" % POLICY_MAX_AGE], (r.status, r.sts)


def test_enough_vectors():
    """The brief asks for at least 20 values, valid and invalid, from the vector file
    and our own."""
    tsv = [c for c in CASES if c[0] == "tsv"]
    own = [c for c in CASES if c[0] != "tsv"]
    assert len(tsv) >= 20 and len(own) >= 10, (len(tsv), len(own))
