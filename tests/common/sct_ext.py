"""The embedded SCT list extension (RFC 6962 section 3.3) for test certificates,
in the form openssl's config files take an arbitrary extension:

    1.3.6.1.4.1.11129.2.4.2 = DER:04:81:...

The value is an OCTET STRING holding the TLS-encoded SignedCertificateTimestampList
of n v1 SCTs from distinct (made-up) log ids, timestamps when_ms + i milliseconds,
and dummy signatures: mod_hsts_audit counts SCTs and reads their timestamps, it has
no log keys to verify them. Used by the CLI, integration and end-to-end tests.
"""
import struct

SCT_LIST_OID = "1.3.6.1.4.1.11129.2.4.2"


def sct_list(n, when_ms):
    scts = b""
    for i in range(n):
        sct = (b"\x00" + bytes([i + 1]) * 32 + struct.pack(">Q", when_ms + i)
               + b"\x00\x00"                           # no extensions
               + b"\x04\x03" + b"\x00\x04" + b"\x5a" * 4)  # sha256/ecdsa, dummy signature
        scts += struct.pack(">H", len(sct)) + sct
    return struct.pack(">H", len(scts)) + scts


def der_octet_string(data):
    n = len(data)
    if n < 128:
        return b"\x04" + bytes([n]) + data
    if n < 256:
        return b"\x04\x81" + bytes([n]) + data
    return b"\x04\x82" + struct.pack(">H", n) + data


def openssl_line(n, when_ms):
    """The extension as one line of an openssl extension section."""
    der = der_octet_string(sct_list(n, when_ms))
    return "%s = DER:%s\n" % (SCT_LIST_OID, ":".join("%02X" % b for b in der))


MALFORMED_LINE = "%s = DER:04:03:00:05:01\n" % SCT_LIST_OID
