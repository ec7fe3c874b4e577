# tests/fuzz/local.mk: the libFuzzer targets of issue 6 and their replay in `make check`.
#
# Each target NAME is one file, fuzz_NAME.c, defining LLVMFuzzerTestOneInput. It is built
# twice from the same source:
#  - replay_NAME (always; in check_PROGRAMS and TESTS): replay.c runs it over the seeds in
#    tests/fuzz/corpus/NAME/ and every crash input kept in tests/fuzz/regressions/NAME/,
#    with whatever compiler and sanitizers the build uses (and valgrind, if asked);
#  - fuzz_NAME (only with ./configure --enable-fuzzing, which builds the whole tree with
#    clang, ASan+UBSan and libFuzzer coverage): the libFuzzer program. `make fuzz` runs
#    each for FUZZ_SECONDS (default 60) from a copy of its seeds; see run-fuzz.sh.

fuzz_targets = request text_command jsonl text store tokens
fuzz_common = %reldir%/fuzz.h %reldir%/fuzz_db.c tests/tmpdir.c tests/tmpdir.h
fuzz_replay_cppflags = $(AM_CPPFLAGS) -DFUZZ_SRCDIR='"$(abs_top_srcdir)"'

fuzz_replays = \
	%reldir%/replay_request \
	%reldir%/replay_text_command \
	%reldir%/replay_jsonl \
	%reldir%/replay_text \
	%reldir%/replay_store \
	%reldir%/replay_tokens
check_PROGRAMS += $(fuzz_replays)
TESTS += $(fuzz_replays)

%canon_reldir%_replay_request_SOURCES = %reldir%/replay.c %reldir%/fuzz_request.c $(fuzz_common)
%canon_reldir%_replay_request_CPPFLAGS = $(fuzz_replay_cppflags) -DFUZZ_TARGET='"request"'
%canon_reldir%_replay_request_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_replay_request_LDADD = $(APP_LIBS)

%canon_reldir%_replay_text_command_SOURCES = %reldir%/replay.c %reldir%/fuzz_text_command.c $(fuzz_common)
%canon_reldir%_replay_text_command_CPPFLAGS = $(fuzz_replay_cppflags) -DFUZZ_TARGET='"text_command"'
%canon_reldir%_replay_text_command_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_replay_text_command_LDADD = $(APP_LIBS)

%canon_reldir%_replay_jsonl_SOURCES = %reldir%/replay.c %reldir%/fuzz_jsonl.c $(fuzz_common)
%canon_reldir%_replay_jsonl_CPPFLAGS = $(fuzz_replay_cppflags) -DFUZZ_TARGET='"jsonl"'
%canon_reldir%_replay_jsonl_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_replay_jsonl_LDADD = $(APP_LIBS)

%canon_reldir%_replay_text_SOURCES = %reldir%/replay.c %reldir%/fuzz_text.c $(fuzz_common)
%canon_reldir%_replay_text_CPPFLAGS = $(fuzz_replay_cppflags) -DFUZZ_TARGET='"text"'
%canon_reldir%_replay_text_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_replay_text_LDADD = $(APP_LIBS)

%canon_reldir%_replay_store_SOURCES = %reldir%/replay.c %reldir%/fuzz_store.c $(fuzz_common)
%canon_reldir%_replay_store_CPPFLAGS = $(fuzz_replay_cppflags) -DFUZZ_TARGET='"store"'
%canon_reldir%_replay_store_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_replay_store_LDADD = $(APP_LIBS)

%canon_reldir%_replay_tokens_SOURCES = %reldir%/replay.c %reldir%/fuzz_tokens.c $(fuzz_common)
%canon_reldir%_replay_tokens_CPPFLAGS = $(fuzz_replay_cppflags) -DFUZZ_TARGET='"tokens"'
%canon_reldir%_replay_tokens_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_replay_tokens_LDADD = $(APP_LIBS)

EXTRA_DIST += %reldir%/corpus %reldir%/regressions %reldir%/run-fuzz.sh %reldir%/README.md

if FUZZING
fuzz_programs = \
	%reldir%/fuzz_request \
	%reldir%/fuzz_text_command \
	%reldir%/fuzz_jsonl \
	%reldir%/fuzz_text \
	%reldir%/fuzz_store \
	%reldir%/fuzz_tokens
noinst_PROGRAMS += $(fuzz_programs)

%canon_reldir%_fuzz_request_SOURCES = %reldir%/fuzz_request.c $(fuzz_common)
%canon_reldir%_fuzz_request_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_fuzz_request_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
%canon_reldir%_fuzz_request_LDADD = $(APP_LIBS)

%canon_reldir%_fuzz_text_command_SOURCES = %reldir%/fuzz_text_command.c $(fuzz_common)
%canon_reldir%_fuzz_text_command_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_fuzz_text_command_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
%canon_reldir%_fuzz_text_command_LDADD = $(APP_LIBS)

%canon_reldir%_fuzz_jsonl_SOURCES = %reldir%/fuzz_jsonl.c $(fuzz_common)
%canon_reldir%_fuzz_jsonl_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_fuzz_jsonl_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
%canon_reldir%_fuzz_jsonl_LDADD = $(APP_LIBS)

%canon_reldir%_fuzz_text_SOURCES = %reldir%/fuzz_text.c $(fuzz_common)
%canon_reldir%_fuzz_text_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_fuzz_text_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
%canon_reldir%_fuzz_text_LDADD = $(APP_LIBS)

%canon_reldir%_fuzz_store_SOURCES = %reldir%/fuzz_store.c $(fuzz_common)
%canon_reldir%_fuzz_store_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_fuzz_store_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
%canon_reldir%_fuzz_store_LDADD = $(APP_LIBS)

%canon_reldir%_fuzz_tokens_SOURCES = %reldir%/fuzz_tokens.c $(fuzz_common)
%canon_reldir%_fuzz_tokens_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_fuzz_tokens_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
%canon_reldir%_fuzz_tokens_LDADD = $(APP_LIBS)

# make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="request jsonl"] [FUZZ_ARGS=...]: runs each
# target from a temporary copy of its seeds; any crash, leak, timeout (10 s an input) or
# sanitizer report fails it, and the input is kept in tests/fuzz/artifacts/NAME/.
FUZZ_SECONDS = 60
FUZZ_TARGETS = $(fuzz_targets)
FUZZ_ARGS =
fuzz: $(fuzz_programs)
	$(AM_V_at)FUZZ_SECONDS='$(FUZZ_SECONDS)' FUZZ_ARGS='$(FUZZ_ARGS)' \
	  $(SHELL) $(srcdir)/%reldir%/run-fuzz.sh '$(abs_top_srcdir)/%reldir%' \
	  '$(abs_top_builddir)/%reldir%' $(FUZZ_TARGETS)
else
fuzz:
	@echo "make fuzz: the fuzz targets are not built: configure with --enable-fuzzing (needs clang)" >&2; exit 1
endif
.PHONY: fuzz
clean-local: clean-fuzz-artifacts
clean-fuzz-artifacts:
	-rm -rf %reldir%/artifacts
.PHONY: clean-fuzz-artifacts
