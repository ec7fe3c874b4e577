/*
 * request.h: the request codec of `trawl serve`: one request line in, one validated
 * struct request out, with no I/O, so the server loop (serve.c), the read-ahead queue
 * (queue.c), the dispatcher (dispatch.c), the unit tests and the fuzzers share it.
 *
 * A line whose first non-blank byte is '{' is a JSON request (strict: unknown fields,
 * wrong types and out-of-range values are errors); any other line is a text command
 * (`search QUERY...`, `get DOC`, `stats`, `ping`, `quit`, `help`). The accepted fields and
 * their limits are listed in doc/protocol.md.
 */
#ifndef TRAWL_PROTOCOL_REQUEST_H
#define TRAWL_PROTOCOL_REQUEST_H

#include <jansson.h>
#include <stddef.h>

#include "trawl.h"
#include "protocol/format.h"

#define PROTOCOL_VERSION 1

/* Limits of a search request (the query length limit is TRAWL_MAX_QUERY_BYTES). */
#define REQUEST_DEFAULT_LIMIT 10
#define REQUEST_MAX_OFFSET 100000
#define REQUEST_DEFAULT_SNIPPET 200
#define REQUEST_MAX_SNIPPET 10000

/* A JSON request line may hold at most this many JSON values (counted as an upper bound:
 * one more than its ',' ':' '[' '{' bytes, inside strings too), so that parsing any line
 * takes bounded memory: room for a query of TRAWL_MAX_QUERY_BYTES separators and an id. */
#define REQUEST_MAX_JSON_VALUES (TRAWL_MAX_QUERY_BYTES + 1024)
/* What the read-ahead queue charges for each JSON value a queued request keeps (its id
 * and cancel target): about what jansson spends on the costliest value, an empty object. */
#define REQUEST_BYTES_PER_VALUE 256

/* What a request asks for. REQ_NONE: the request could not be read (see err). */
typedef enum {
    REQ_NONE = 0,
    REQ_SEARCH,
    REQ_GET,
    REQ_STATS,
    REQ_PING,
    REQ_QUIT,
    REQ_CANCEL,
    REQ_HELP /* text commands only */
} request_op;

/* The error codes of the wire protocol, in the order of doc/protocol.md. */
typedef enum {
    ERR_NONE = 0,
    ERR_BAD_JSON,
    ERR_BAD_REQUEST,
    ERR_UNKNOWN_OP,
    ERR_BAD_QUERY,
    ERR_NOT_FOUND,
    ERR_TOO_LARGE,
    ERR_CANCELLED,
    ERR_UNAVAILABLE,
    ERR_INTERNAL
} request_error;

struct request {
    request_op op;
    int json;        /* 1: a JSON request, answered in JSON; 0: a text command */
    json_t *id;      /* owned reference to the "id" value; NULL when absent or unreadable */
    request_error err; /* ERR_NONE when op is set */
    char *errmsg;    /* owned; the error's message when err != ERR_NONE */

    /* search */
    char *q;         /* owned */
    unsigned limit, offset, snippet;
    trawl_sort sort;
    trawl_ranking ranking; /* "ranking": "default" (default) or "bm25" */
    format_offsets offsets;
    /* get */
    char *doc;       /* owned */
    /* cancel */
    json_t *target;  /* owned reference */
    unsigned long cancelled; /* filled in by the read-ahead queue */
    size_t retained; /* bytes the id and target trees are charged (read-ahead bound) */
};

/* The wire name of an error code ("bad_json", ...). Static string. */
const char *request_error_name(request_error e);

/* Nonzero when the line holds only blanks (space, tab, CR): such a line gets no response. */
int request_is_blank(const char *line, size_t len);

/* Nonzero when the first non-blank byte of the line is '{' (a JSON request). */
int request_is_json(const char *line, size_t len);

/* Parses one request line (without its LF; need not be NUL-terminated). Always fills
 * *out: either op != REQ_NONE, or err and errmsg say what is wrong (for a JSON request,
 * with id set whenever it could be read). Release with request_clear. */
void request_parse(const char *line, size_t len, struct request *out);

/* Fills *out as a request that failed with `err` and the message `msg` (copied);
 * `json` chooses the response format. Used for over-long lines, which are never parsed. */
void request_fail(struct request *out, int json, request_error err, const char *msg);

/* Frees what *r owns and zeroes it. NULL-safe. */
void request_clear(struct request *r);

#endif
