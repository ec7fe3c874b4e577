/*
 * status.h: internal helpers for recording a failure's message on a handle (trawl_db,
 * trawl_preparer), shared so that every handle words and stores its messages alike.
 */
#ifndef TRAWL_STATUS_H
#define TRAWL_STATUS_H

#include <stdarg.h>
#include "trawl.h"

/* Formats fmt with ap into a new string, frees *slot and stores the string there (NULL
 * when out of memory: the handle then reports ""); returns st, for `return fail(...)`. */
trawl_status status_record(char **slot, trawl_status st, const char *fmt, va_list ap);

#endif
