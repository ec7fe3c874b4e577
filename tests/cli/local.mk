# tests/cli/local.mk: tests of cli/ and of the installation. test_common (cmocka) covers
# the shared helpers of cli/common.c; cli.sh runs every subcommand of the trawl program
# on a temporary database built from examples/ and checks its output and exit status;
# install.sh does `make install DESTDIR=...` and builds a program against the installed
# libtrawl with pkg-config.

check_PROGRAMS += %reldir%/test_common
%canon_reldir%_test_common_SOURCES = %reldir%/test_common.c
%canon_reldir%_test_common_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_common_LDADD = $(TEST_LIBS) $(APP_LIBS)

TESTS += %reldir%/test_common %reldir%/cli.sh %reldir%/install.sh
EXTRA_DIST += %reldir%/cli.sh %reldir%/install.sh
AM_TESTS_ENVIRONMENT += MAKE='$(MAKE)'; export MAKE; CC='$(CC)'; export CC; \
	SAN_FLAGS='$(SAN_FLAGS)'; export SAN_FLAGS;
