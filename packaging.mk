## packaging.mk: included from Makefile.am; distribution and packaging rules.
