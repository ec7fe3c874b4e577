# doc/local.mk: the documentation that `make install` installs (the trawl(1) man page
# into man1, the protocol reference into $(docdir)) and the prose that only ships in the
# tarball. examples/ ships too: it is the quickstart's fallback corpus and the CLI tests'
# fixture.

dist_man_MANS += %reldir%/trawl.1
dist_doc_DATA += %reldir%/protocol.md %reldir%/limits.md
EXTRA_DIST += \
	%reldir%/HACKING.md \
	%reldir%/ranking.md \
	%reldir%/snippets.md \
	%reldir%/store.md \
	examples/README.md \
	examples/news.jsonl \
	examples/notes/ferry-timetable.txt \
	examples/notes/searching-the-archive.md
