#!/usr/bin/python3
"""Per-request costs from two callgrind profiles of the same server that served N
and 2N requests (bench/instructions.sh): everything that is not per request
(startup, handshake, shutdown) cancels out in the difference.

  callgrind_diff.py N PROFILE_N PROFILE_2N [OBJECT_SUBSTRING]

Prints, per request ((cost(2N) - cost(N)) / N):
  - the self cost of each shared object (where the instructions go);
  - for the functions of the objects whose path contains OBJECT_SUBSTRING
    (default mod_hsts_audit.so): self cost, inclusive cost, and inclusive cost
    without the calls to ap_pass_brigade (an output filter passes the response on
    to every later filter, TLS and the network: not its own work).

Reads the callgrind output format directly (name compression, inlined-file
markers, calls= lines), event Ir only.
"""
import collections
import re
import sys

NAME_RE = re.compile(r"^\((\d+)\)(?:\s+(.*))?$")


def parse(path):
    """{(object, function): [self, {(object, function): inclusive call cost}]}"""
    tables = {"ob": {}, "fl": {}, "fn": {}}
    kind_table = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl",
                  "cfi": "fl", "cfl": "fl", "fn": "fn", "cfn": "fn"}
    funcs = collections.defaultdict(lambda: [0, collections.Counter()])
    ob = fn = None
    cob = cfn = None
    pending_call = False
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line[0] == "#":
                continue
            c = line[0]
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending_call:
                    target = (cob if cob is not None else ob, cfn)
                    funcs[(ob, fn)][1][target] += cost
                    pending_call = False
                    cob = None
                else:
                    funcs[(ob, fn)][0] += cost
                continue
            key, eq, val = line.partition("=")
            if not eq:
                continue
            if key in kind_table:
                table = tables[kind_table[key]]
                m = NAME_RE.match(val)
                if m:
                    ident, name = m.group(1), m.group(2)
                    if name is not None:
                        table[ident] = name
                    name = table.get(ident, "(%s)" % ident)
                else:
                    name = val
                if key == "ob":
                    ob = name
                elif key == "fn":
                    fn = name
                    cob = None
                elif key == "cob":
                    cob = name
                elif key == "cfn":
                    cfn = name
            elif key == "calls":
                pending_call = True
    return funcs


def base_name(fn):
    """callgrind marks recursion levels and contexts: ap_pass_brigade'2"""
    return (fn or "").split("'", 1)[0]


def short_obj(o):
    return (o or "?").rsplit("/", 1)[-1]


def main():
    n = int(sys.argv[1])
    a, b = parse(sys.argv[2]), parse(sys.argv[3])
    want = sys.argv[4] if len(sys.argv) > 4 else "mod_hsts_audit.so"

    def per_object(funcs):
        out = collections.Counter()
        for (o, _), (self_cost, _) in funcs.items():
            out[short_obj(o)] += self_cost
        return out

    oa, obb = per_object(a), per_object(b)
    total = sum(obb.values()) - sum(oa.values())
    print("  self instructions per request by object (total %.0f):" % (total / n))
    rows = sorted(((obb[k] - oa.get(k, 0)) / n, k) for k in obb)
    for cost, k in reversed(rows):
        if cost >= 20:
            print("    %9.0f  %5.1f %%  %s" % (cost, 100.0 * cost * n / total, k))

    print("  functions of %s per request: self, inclusive, inclusive without ap_pass_brigade:" % want)
    rows = []
    for key in set(a) | set(b):
        o, fn = key
        if not o or want not in o:
            continue
        sa, ca = a.get(key, [0, collections.Counter()])
        sb, cb = b.get(key, [0, collections.Counter()])
        incl_a, incl_b = sa + sum(ca.values()), sb + sum(cb.values())
        pass_a = sum(v for (to, tf), v in ca.items() if base_name(tf) == "ap_pass_brigade")
        pass_b = sum(v for (to, tf), v in cb.items() if base_name(tf) == "ap_pass_brigade")
        self_r = (sb - sa) / n
        incl_r = (incl_b - incl_a) / n
        own_r = ((incl_b - pass_b) - (incl_a - pass_a)) / n
        if abs(incl_r) >= 0.5:
            rows.append((own_r, self_r, incl_r, fn))
    for own_r, self_r, incl_r, fn in sorted(rows, reverse=True):
        print("    %8.1f %9.1f %9.1f  %s" % (self_r, incl_r, own_r, fn))


if __name__ == "__main__":
    main()
