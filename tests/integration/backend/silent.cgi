#!/usr/bin/python3
"""A CGI that dies without output (httpd answers 500 and logs
"End of script output before headers")."""
import sys
sys.exit(3)
