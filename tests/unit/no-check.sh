#!/bin/sh
echo "Check (libcheck) was not found at configure time: install it (Debian: apt-get install check) and re-run ./configure" >&2
exit 1
