/*
 * status.c: the static texts behind trawl_status: trawl_strerror (for people),
 * trawl_status_name (the stable wire name used by the protocol and the CLI's --json) and
 * trawl_version; and status_record, which stores a failure's message on a handle. Called
 * by every layer that reports a failure.
 */
#include <stdio.h>
#include <stdlib.h>

#include "status.h"

/* One row per status, indexed by its value. */
static const struct {
    const char *name;
    const char *text;
} statuses[] = {
    [TRAWL_OK] = {"ok", "success"},
    [TRAWL_ENOMEM] = {"no_memory", "out of memory"},
    [TRAWL_EINVAL] = {"invalid", "invalid argument or article"},
    [TRAWL_ENOTFOUND] = {"not_found", "not found"},
    [TRAWL_EIO] = {"io", "database input/output error"},
    [TRAWL_ECORRUPT] = {"corrupt", "database or stored record is corrupt"},
    [TRAWL_ELOCKED] = {"locked", "database is locked by another writer"},
    [TRAWL_EQUERY] = {"bad_query", "query syntax error"},
    [TRAWL_ETOOLARGE] = {"too_large", "input over a size limit"},
    [TRAWL_EINTERNAL] = {"internal", "internal error"},
};

static int known(trawl_status st)
{
    return (unsigned)st < sizeof statuses / sizeof statuses[0] && statuses[st].name;
}

const char *trawl_strerror(trawl_status st)
{
    return known(st) ? statuses[st].text : "unknown status";
}

const char *trawl_status_name(trawl_status st)
{
    return known(st) ? statuses[st].name : "internal";
}

const char *trawl_version(void)
{
    return TRAWL_VERSION;
}

trawl_status status_record(char **slot, trawl_status st, const char *fmt, va_list ap)
{
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    free(*slot);
    *slot = msg;
    return st;
}
