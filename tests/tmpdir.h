/*
 * tests/tmpdir.h: a fresh directory for a test and its removal, shared by every test that
 * writes files (databases, corpora, sockets' peers): one place for where it goes
 * ($TMPDIR when set and not empty, else /tmp) and for removing a tree without a shell.
 */
#ifndef TRAWL_TESTS_TMPDIR_H
#define TRAWL_TESTS_TMPDIR_H

#include <stddef.h>

/* Makes a new directory $TMPDIR/trawl-NAME-XXXXXX (mkdtemp) and writes its path into dir
 * (cap bytes). Returns 0, or -1 with a message on stderr (dir then holds the template). */
int tmpdir_make(char *dir, size_t cap, const char *name);

/* Removes dir and everything below it, links not followed; a directory a test made
 * unreadable is made readable first. NULL or "" does nothing. Returns 0, or -1 when
 * something could not be removed. */
int tmpdir_remove(const char *dir);

#endif
