# protocol/local.mk: the `trawl serve` wire protocol (request codec, response writers,
# read-ahead queue, server loop) and the result formatters shared with `trawl search`.
# All of it goes into libtrawlapp.la so the trawl program, the tests and the fuzzers link
# the same code.

libtrawlapp_la_SOURCES += \
	%reldir%/buf.h %reldir%/buf.c \
	%reldir%/text.h %reldir%/text.c \
	%reldir%/format.h %reldir%/format.c
