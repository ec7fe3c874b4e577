# tests/protocol/local.mk: unit tests of the protocol codec, formatters and queue, and
# the integration test that drives the real `trawl serve` over pipes.

protocol_unit_tests = \
	%reldir%/test_request \
	%reldir%/test_lines \
	%reldir%/test_queue \
	%reldir%/test_format \
	%reldir%/test_dispatch
check_PROGRAMS += $(protocol_unit_tests)
TESTS += $(protocol_unit_tests)

%canon_reldir%_test_request_SOURCES = %reldir%/test_request.c
%canon_reldir%_test_request_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_request_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_lines_SOURCES = %reldir%/test_lines.c
%canon_reldir%_test_lines_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_lines_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_queue_SOURCES = %reldir%/test_queue.c
%canon_reldir%_test_queue_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_queue_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_format_SOURCES = %reldir%/test_format.c
%canon_reldir%_test_format_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_format_LDADD = $(TEST_LIBS) $(APP_LIBS)

%canon_reldir%_test_dispatch_SOURCES = %reldir%/test_dispatch.c
%canon_reldir%_test_dispatch_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_dispatch_LDADD = $(TEST_LIBS) $(APP_LIBS)

# The integration test: the real `trawl serve` (and `trawl index` for its fixtures) over
# pipes. It finds the program as $TRAWL_BIN.
check_PROGRAMS += %reldir%/test_serve
TESTS += %reldir%/test_serve
%canon_reldir%_test_serve_SOURCES = %reldir%/test_serve.c \
	%reldir%/serve_driver.h %reldir%/serve_driver.c
%canon_reldir%_test_serve_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_test_serve_LDADD = $(TEST_LIBS) $(JANSSON_LIBS)

# The latency benchmark of issue 3 (first ping, protocol overhead per search): built by
# `make check`, run by hand; see the comment at the top of bench_serve.c.
check_PROGRAMS += %reldir%/bench_serve
%canon_reldir%_bench_serve_SOURCES = %reldir%/bench_serve.c \
	%reldir%/serve_driver.h %reldir%/serve_driver.c
%canon_reldir%_bench_serve_CFLAGS = $(TEST_CFLAGS)
%canon_reldir%_bench_serve_LDADD = $(JANSSON_LIBS)
