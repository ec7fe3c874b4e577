/*
 * response.h: the response writers of `trawl serve`, used by dispatch.c and serve.c.
 * Every writer appends to a struct buf; the caller writes the buffer out in one go.
 *
 * JSON: one object on one line, {"id":..,"ok":true,...} or
 *       {"id":..,"ok":false,"error":{"code":"..","message":".."}} ("id" only when known).
 * Text: a status line, `ok[ key=value...]` or `error CODE MESSAGE`, then zero or more
 *       tab-separated lines, then a line holding a single ".".
 * Messages are scrubbed: control characters (CR and LF among them) become spaces and they
 * are cut at RESPONSE_MAX_MESSAGE bytes.
 */
#ifndef TRAWL_PROTOCOL_RESPONSE_H
#define TRAWL_PROTOCOL_RESPONSE_H

#include <jansson.h>
#include "protocol/buf.h"
#include "protocol/request.h"

#define RESPONSE_MAX_MESSAGE 512

/* Appends a complete error response: a JSON line carrying `id` (may be NULL) when json is
 * nonzero, else an `error CODE MESSAGE` line and the "." line. msg NULL: the code's name. */
void response_error(struct buf *out, int json, json_t *id, request_error code,
                    const char *msg);

/* A new JSON object {"id":id,"ok":true} ("id" left out when NULL; shared, not copied)
 * for the caller to complete and pass to response_json. NULL when out of memory. */
json_t *response_ok_json(json_t *id);

/* Appends obj as one line and drops the reference (obj may be NULL, meaning out of
 * memory: an `internal` error for `id` is appended instead). */
void response_json(struct buf *out, json_t *obj, json_t *id);

/* Appends a text status line: "ok", then each printf-formatted word (fmt may be NULL). */
void response_text_ok(struct buf *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a text line "NAME\tVALUE" with VALUE (len bytes) escaped as a text field. */
void response_text_field(struct buf *out, const char *name, const char *value, size_t len);

/* Appends the "." line that ends every text response. */
void response_text_end(struct buf *out);

/* When building the response in out ran out of memory, replaces it with a short
 * `internal` error (no id: there may be no memory to write it). */
void response_check(struct buf *out, int json);

#endif
