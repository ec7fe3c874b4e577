/*
 * response.c: the response writers declared in response.h (formats described there and in
 * doc/protocol.md).
 */
#include "protocol/response.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/format.h"
#include "protocol/text.h"

/* {"id":id,"ok":false,"error":{"code":..,"message":..}}, or NULL when out of memory. */
static json_t *error_json(json_t *id, request_error code, const char *msg)
{
    struct buf m = BUF_INIT;
    text_scrub(&m, msg ? msg : request_error_name(code), RESPONSE_MAX_MESSAGE);
    json_t *o = json_object();
    json_t *err = buf_failed(&m) ? NULL
                                 : json_pack("{s:s,s:s%}", "code", request_error_name(code),
                                             "message", m.data ? m.data : "", m.len);
    buf_free(&m);
    if (!o || !err || (id && json_object_set(o, "id", id) != 0) ||
        json_object_set_new(o, "ok", json_false()) != 0) {
        json_decref(err);
        json_decref(o);
        return NULL;
    }
    if (json_object_set_new(o, "error", err) != 0) { /* steals err even on failure */
        json_decref(o);
        return NULL;
    }
    return o;
}

void response_error(struct buf *out, int json, json_t *id, request_error code,
                    const char *msg)
{
    if (json) {
        response_json(out, error_json(id, code, msg), id);
        return;
    }
    buf_printf(out, "error %s ", request_error_name(code));
    text_scrub(out, msg ? msg : request_error_name(code), RESPONSE_MAX_MESSAGE);
    buf_addc(out, '\n');
    response_text_end(out);
}

json_t *response_ok_json(json_t *id)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if ((id && json_object_set(o, "id", id) != 0) ||
        json_object_set_new(o, "ok", json_true()) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void response_json(struct buf *out, json_t *obj, json_t *id)
{
    if (!obj) {
        obj = error_json(id, ERR_INTERNAL, "out of memory");
        if (!obj) {
            out->failed = 1;
            return;
        }
    }
    format_json_line(out, obj);
    json_decref(obj);
}

void response_text_ok(struct buf *out, const char *fmt, ...)
{
    buf_adds(out, "ok");
    if (fmt) {
        char *s = NULL;
        va_list ap;
        va_start(ap, fmt);
        int n = vasprintf(&s, fmt, ap);
        va_end(ap);
        if (n < 0) {
            out->failed = 1;
            return;
        }
        buf_addc(out, ' ');
        buf_add(out, s, (size_t)n);
        free(s);
    }
    buf_addc(out, '\n');
}

void response_text_field(struct buf *out, const char *name, const char *value, size_t len)
{
    text_escape(out, name, strlen(name));
    buf_addc(out, '\t');
    text_escape(out, value, len);
    buf_addc(out, '\n');
}

void response_text_end(struct buf *out)
{
    buf_adds(out, ".\n");
}

void response_check(struct buf *out, int json)
{
    if (!buf_failed(out))
        return;
    buf_reset(out);
    buf_adds(out, json ? "{\"ok\":false,\"error\":{\"code\":\"internal\","
                         "\"message\":\"out of memory\"}}\n"
                       : "error internal out of memory\n.\n");
}
