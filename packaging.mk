## packaging.mk: included from Makefile.am; distribution and packaging rules.
##
##   make dist / distcheck   the release tarball (distcheck installs into its own
##                           prefix, module included: no root needed)
##   make deb                dist, then the Debian package built from that tarball
##                           (dpkg-buildpackage -us -uc; output in $(DEB_BUILD_DIR))
##   make deb-test           make deb, then install/configtest/purge it on this machine
##                           (root; see scripts/test-packaging.sh)
##   make rpm-spec-check     parse packaging/mod_hsts_audit.spec with rpmspec -P
##   make rpm                dist, then rpmbuild -ba (on Fedora/RHEL with httpd-devel)
##   make check-packaging    all of the above that this machine can do
##                           (scripts/test-packaging.sh)

## ---- what the tarball ships beyond Makefile.am's EXTRA_DIST -----------------
## Every file tracked in git must be in the tarball (scripts/test-packaging.sh
## checks it). tests/cli goes whole, like Makefile.am's test directories, so that
## a new test file cannot be left out (its pytest runner would silently skip it);
## debian/ and packaging/ are listed file by file so that the products of a
## dpkg-buildpackage run in the source tree cannot leak into the tarball.
PACKAGING_DEBIAN_FILES = \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format \
	debian/hsts_audit.load debian/libapache2-mod-hsts-audit.apache2 \
	debian/libapache2-mod-hsts-audit.postinst debian/libapache2-mod-hsts-audit.postrm \
	debian/libapache2-mod-hsts-audit.docs \
	debian/tests/control debian/tests/module-loads
PACKAGING_RPM_FILES = \
	packaging/mod_hsts_audit.spec packaging/10-hsts_audit.conf \
	packaging/hsts_audit.conf
EXTRA_DIST += .gitignore packaging.mk scripts/deps.sh scripts/test-packaging.sh \
	tests/cli docs/install.md \
	$(PACKAGING_DEBIAN_FILES) $(PACKAGING_RPM_FILES)

## Makefile.am's EXTRA_DIST names whole directories (tests/integration, tests/fuzz,
## docs, bench): automake copies them as they are, test logs, __pycache__, the
## fuzzer binary and its corpus included. Prune what is not source.
dist-hook: dist-prune-build-products
dist-prune-build-products:
	@test -n "$(distdir)" && test -d "$(distdir)" || exit 1
	find "$(distdir)" \( -name __pycache__ -o -name .pytest_cache -o -name .libs \
	    -o -name .deps -o -path '*/tests/fuzz/corpus' -o -path '*/tests/fuzz/seeds' \) \
	    -prune -exec rm -rf {} +
	find "$(distdir)" -type f \( -name '*.pyc' -o -name '*.o' -o -name '*.lo' \
	    -o -name '*.la' -o -name '*.so' -o -name '*.log' -o -name '*.trs' \
	    -o -name .dirstamp -o \( -path '*/tests/fuzz/fuzz_*' ! -name '*.[ch]' \) \
	    -o -path '*/tests/fuzz/crash-*' -o -path '*/tests/fuzz/leak-*' \
	    -o -path '*/tests/fuzz/timeout-*' -o -path '*/tests/fuzz/oom-*' \) \
	    -exec rm -f {} +

## distcheck: the module goes under distcheck's own prefix, not `apxs -q LIBEXECDIR`
## (/usr/lib/apache2/modules), so it runs without root and touches nothing outside.
## ($$dc_install_base is set by automake's distcheck recipe.) This is the AM_ form
## of DISTCHECK_CONFIGURE_FLAGS, which automake reserves for the user: both are
## passed, so `make distcheck DISTCHECK_CONFIGURE_FLAGS=...` keeps this one.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-apache-moduledir="$$dc_install_base/lib/apache2/modules"

## Makefile.am removes the libtool .la of the module in install-exec-hook, but
## apachemoddir is not an "exec" directory (its name lacks "exec"), so the module is
## installed by install-data, after that hook: the .la stayed. Remove it here.
## ---- Debian -----------------------------------------------------------------
DEB_SOURCE = mod-hsts-audit
DEB_BUILD_DIR = $(abs_top_builddir)/deb-build
## e.g. make deb DEB_BUILD_FLAGS=-b   (binary only)
DEB_BUILD_FLAGS =

deb: dist
	@deb_version=`cd $(srcdir) && dpkg-parsechangelog -SVersion` || exit 1; \
	case "$$deb_version" in \
	  $(VERSION)-*) ;; \
	  *) echo "debian/changelog is at $$deb_version, configure.ac at $(VERSION): add a changelog entry (dch -v $(VERSION)-1)" >&2; exit 1 ;; \
	esac
	rm -rf $(DEB_BUILD_DIR)
	$(MKDIR_P) $(DEB_BUILD_DIR)
	cp $(distdir).tar.gz $(DEB_BUILD_DIR)/$(DEB_SOURCE)_$(VERSION).orig.tar.gz
	cd $(DEB_BUILD_DIR) && tar -xzf $(DEB_SOURCE)_$(VERSION).orig.tar.gz
	cd $(DEB_BUILD_DIR)/$(distdir) && dpkg-buildpackage -us -uc $(DEB_BUILD_FLAGS)
	@echo "Debian packages in $(DEB_BUILD_DIR):"; ls -1 $(DEB_BUILD_DIR)/*.deb

deb-test: deb
	$(SHELL) $(srcdir)/scripts/test-packaging.sh install $(DEB_BUILD_DIR)

## ---- RPM ---------------------------------------------------------------------
RPM_SPEC = $(srcdir)/packaging/mod_hsts_audit.spec
RPM_BUILD_DIR = $(abs_top_builddir)/rpm-build

rpm-spec-check:
	$(SHELL) $(srcdir)/scripts/test-packaging.sh rpm-spec $(RPM_SPEC) $(VERSION)

rpm: dist
	rm -rf $(RPM_BUILD_DIR)
	$(MKDIR_P) $(RPM_BUILD_DIR)
	rpmbuild -ba --define '_topdir $(RPM_BUILD_DIR)' \
		--define '_sourcedir $(abs_top_builddir)' $(RPM_SPEC)

## ---- the whole packaging test ------------------------------------------------
check-packaging:
	$(SHELL) $(srcdir)/scripts/test-packaging.sh

clean-local: packaging-clean
packaging-clean:
	rm -rf $(DEB_BUILD_DIR) $(RPM_BUILD_DIR)

.PHONY: dist-prune-build-products deb deb-test rpm-spec-check rpm \
	check-packaging packaging-clean
