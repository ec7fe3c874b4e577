# tests/cli/local.mk: end-to-end tests of the trawl program (cli.sh: every subcommand's
# output and exit status on a temporary database built from examples/) and of the
# installation (install.sh: make install DESTDIR=..., then a program compiled against the
# installed libtrawl with pkg-config). Both are shell scripts run by `make check`.

TESTS += %reldir%/cli.sh %reldir%/install.sh
EXTRA_DIST += %reldir%/cli.sh %reldir%/install.sh
AM_TESTS_ENVIRONMENT += MAKE='$(MAKE)'; export MAKE; CC='$(CC)'; export CC; \
	SAN_FLAGS='$(SAN_FLAGS)'; export SAN_FLAGS;
