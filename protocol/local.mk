# protocol/local.mk: the `trawl serve` wire protocol (request codec, response writers,
# read-ahead queue, dispatcher, server loop), the result formatters shared with
# `trawl search`, and the `trawl serve` subcommand that drives them. All of it goes into
# libtrawlapp.la so the trawl program, the tests and the fuzzers link the same code.

libtrawlapp_la_SOURCES += \
	%reldir%/buf.h %reldir%/buf.c \
	%reldir%/text.h %reldir%/text.c \
	%reldir%/format.h %reldir%/format.c \
	%reldir%/request.h %reldir%/request.c \
	%reldir%/lines.h %reldir%/lines.c \
	%reldir%/queue.h %reldir%/queue.c \
	%reldir%/response.h %reldir%/response.c \
	%reldir%/dispatch.h %reldir%/dispatch.c \
	%reldir%/serve.h %reldir%/serve.c \
	cli/cmd_serve.c
