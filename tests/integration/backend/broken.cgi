#!/usr/bin/python3
"""A broken CGI: output that is not a CGI header block (httpd answers 500 and
logs "malformed header from script")."""
import sys
sys.stdout.write("this is not a header line\n\nbody\n")
sys.stdout.flush()
