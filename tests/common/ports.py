"""Loopback ports: a free one (never handed out twice by this process), and
whether something listens on one."""

import socket
import threading

_ports_lock = threading.Lock()
_ports_handed_out = set()


def free_port(host="127.0.0.1"):
    """A TCP port on host that nobody listens on right now, never handed out twice
    by this process."""
    with _ports_lock:
        for _ in range(200):
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            with socket.socket(fam, socket.SOCK_STREAM) as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
            if port in _ports_handed_out:
                continue
            _ports_handed_out.add(port)
            return port
    raise RuntimeError("no free port found")


def port_open(port, host="127.0.0.1", timeout=0.2):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
