/*
 * request.c: the request codec declared in request.h. JSON requests are parsed with
 * jansson and checked against a const table of the fields each op accepts; text commands
 * are split into a command word and the rest of the line. Nothing here does I/O or touches
 * the database, so every malformed input can be unit-tested and fuzzed.
 */
#include "protocol/request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/text.h"

static const char *const error_names[] = {
    [ERR_NONE] = "ok",
    [ERR_BAD_JSON] = "bad_json",
    [ERR_BAD_REQUEST] = "bad_request",
    [ERR_UNKNOWN_OP] = "unknown_op",
    [ERR_BAD_QUERY] = "bad_query",
    [ERR_NOT_FOUND] = "not_found",
    [ERR_TOO_LARGE] = "too_large",
    [ERR_CANCELLED] = "cancelled",
    [ERR_UNAVAILABLE] = "unavailable",
    [ERR_INTERNAL] = "internal",
};

const char *request_error_name(request_error e)
{
    if ((unsigned)e < sizeof error_names / sizeof error_names[0] && error_names[e])
        return error_names[e];
    return "internal";
}

/* The ops and the fields each accepts beside "id" and "op". */
static const char *const search_fields[] = {"q", "limit", "offset", "sort", "snippet",
                                            "offsets", "ranking", NULL};
static const char *const get_fields[] = {"doc", NULL};
static const char *const cancel_fields[] = {"target", NULL};
static const char *const no_fields[] = {NULL};

static const struct op_spec {
    const char *name;
    request_op op;
    int json;                  /* accepted as a JSON op */
    int text;                  /* accepted as a text command */
    const char *const *fields; /* JSON fields beside id and op */
} op_specs[] = {
    {"search", REQ_SEARCH, 1, 1, search_fields},
    {"get", REQ_GET, 1, 1, get_fields},
    {"stats", REQ_STATS, 1, 1, no_fields},
    {"ping", REQ_PING, 1, 1, no_fields},
    {"quit", REQ_QUIT, 1, 1, no_fields},
    {"cancel", REQ_CANCEL, 1, 0, cancel_fields},
    {"help", REQ_HELP, 0, 1, no_fields},
};

static const struct op_spec *find_op(const char *name, size_t len, int json)
{
    for (size_t i = 0; i < sizeof op_specs / sizeof op_specs[0]; i++) {
        const struct op_spec *s = &op_specs[i];
        if ((json ? s->json : s->text) && strlen(s->name) == len &&
            memcmp(s->name, name, len) == 0)
            return s;
    }
    return NULL;
}

/* Marks the request failed with a formatted message; keeps any id already read.
 * Returns -1 so callers can `return fail(...)`. */
__attribute__((format(printf, 3, 4)))
static int fail(struct request *r, request_error err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    free(r->errmsg);
    r->errmsg = msg; /* NULL when out of memory: the writer then uses the code's name */
    r->err = err;
    r->op = REQ_NONE;
    return -1;
}

void request_fail(struct request *out, int json, request_error err, const char *msg)
{
    memset(out, 0, sizeof *out);
    out->json = json;
    fail(out, err, "%s", msg);
}

int request_is_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            return 0;
    return 1;
}

int request_is_json(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')
            continue;
        return line[i] == '{';
    }
    return 0;
}

/* ---- JSON requests ------------------------------------------------------------------ */

/* Reads an optional integer field into *out (def when absent). */
static int get_uint(struct request *r, json_t *root, const char *key, json_int_t min,
                    json_int_t max, unsigned def, unsigned *out)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(v))
        return fail(r, ERR_BAD_REQUEST, "field '%s' must be an integer", key);
    json_int_t n = json_integer_value(v);
    if (n < min || n > max)
        return fail(r, ERR_BAD_REQUEST, "field '%s' must be from %lld to %lld, not %lld",
                    key, (long long)min, (long long)max, (long long)n);
    *out = (unsigned)n;
    return 0;
}

/* Reads an optional string field that must be one of `names` (NULL-terminated);
 * *index is the position of the match, or 0 when the field is absent. */
static int get_enum(struct request *r, json_t *root, const char *key,
                    const char *const *names, int *index)
{
    json_t *v = json_object_get(root, key);
    *index = 0;
    if (!v)
        return 0;
    if (json_is_string(v)) {
        for (int i = 0; names[i]; i++) {
            if (strcmp(json_string_value(v), names[i]) == 0) {
                *index = i;
                return 0;
            }
        }
    }
    /* list the accepted values in the message */
    char list[128] = "";
    for (int i = 0; names[i]; i++) {
        size_t at = strlen(list);
        snprintf(list + at, sizeof list - at, "%s\"%s\"", i ? ", " : "", names[i]);
    }
    return fail(r, ERR_BAD_REQUEST, "field '%s' must be one of %s", key, list);
}

/* Reads a required non-empty string field into a new copy at *out. */
static int get_string(struct request *r, json_t *root, const char *key, char **out)
{
    json_t *v = json_object_get(root, key);
    if (!v)
        return fail(r, ERR_BAD_REQUEST, "missing field '%s'", key);
    if (!json_is_string(v))
        return fail(r, ERR_BAD_REQUEST, "field '%s' must be a string", key);
    if (json_string_length(v) == 0)
        return fail(r, ERR_BAD_REQUEST, "field '%s' must not be empty", key);
    *out = strndup(json_string_value(v), json_string_length(v));
    if (!*out)
        return fail(r, ERR_INTERNAL, "out of memory");
    return 0;
}

static int parse_search(struct request *r, json_t *root)
{
    static const char *const sorts[] = {"relevance", "date", "-date", NULL};
    static const trawl_sort sort_values[] = {TRAWL_SORT_RELEVANCE, TRAWL_SORT_DATE,
                                             TRAWL_SORT_DATE_DESC};
    static const char *const units[] = {"chars", "bytes", NULL};
    static const char *const rankings[] = {"default", "bm25", NULL};
    static const trawl_ranking ranking_values[] = {TRAWL_RANK_DEFAULT, TRAWL_RANK_BM25};
    int sort, unit, ranking;
    if (get_string(r, root, "q", &r->q) || get_uint(r, root, "limit", 1, TRAWL_MAX_LIMIT,
                                                    REQUEST_DEFAULT_LIMIT, &r->limit) ||
        get_uint(r, root, "offset", 0, REQUEST_MAX_OFFSET, 0, &r->offset) ||
        get_uint(r, root, "snippet", 0, REQUEST_MAX_SNIPPET, REQUEST_DEFAULT_SNIPPET,
                 &r->snippet) ||
        get_enum(r, root, "sort", sorts, &sort) || get_enum(r, root, "offsets", units, &unit) ||
        get_enum(r, root, "ranking", rankings, &ranking))
        return -1;
    r->ranking = ranking_values[ranking];
    if (strlen(r->q) > TRAWL_MAX_QUERY_BYTES)
        return fail(r, ERR_TOO_LARGE, "field 'q' is over %d bytes", TRAWL_MAX_QUERY_BYTES);
    r->sort = sort_values[sort];
    r->offsets = unit ? FORMAT_OFFSETS_BYTES : FORMAT_OFFSETS_CHARS;
    return 0;
}

/* Rejects any field the op does not accept. */
static int check_fields(struct request *r, json_t *root, const struct op_spec *spec)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "id") == 0 || strcmp(key, "op") == 0)
            continue;
        int known = 0;
        for (const char *const *f = spec->fields; *f && !known; f++)
            known = strcmp(key, *f) == 0;
        if (!known)
            return fail(r, ERR_BAD_REQUEST, "unknown field '%.64s' for op '%s'", key,
                        spec->name);
    }
    return 0;
}

/* Explains a jansson parse failure. */
static void fail_parse(struct request *r, const json_error_t *e)
{
    switch (json_error_code(e)) {
    case json_error_numeric_overflow:
        fail(r, ERR_BAD_REQUEST, "number out of range at column %d", e->column);
        break;
    case json_error_duplicate_key:
        fail(r, ERR_BAD_REQUEST, "%s", e->text);
        break;
    case json_error_out_of_memory:
        fail(r, ERR_INTERNAL, "out of memory");
        break;
    default:
        fail(r, ERR_BAD_JSON, "invalid JSON at column %d: %s", e->column, e->text);
        break;
    }
}

/* An upper bound on the number of values in a JSON text: every value after the first
 * follows one of these bytes (counted inside strings too, so it can only overcount). */
static size_t max_values(const char *s, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += s[i] == ',' || s[i] == ':' || s[i] == '[' || s[i] == '{';
    return n;
}

/* The number of JSON values in v, itself included; 0 for NULL. */
static size_t count_values(const json_t *v)
{
    size_t n = v ? 1 : 0;
    const char *key;
    json_t *m;
    size_t i;
    if (json_is_object(v))
        json_object_foreach((json_t *)v, key, m) n += count_values(m);
    else if (json_is_array(v))
        json_array_foreach(v, i, m) n += count_values(m);
    return n;
}

static void parse_json(const char *line, size_t len, struct request *r)
{
    if (max_values(line, len) > REQUEST_MAX_JSON_VALUES) {
        fail(r, ERR_TOO_LARGE, "the request holds over %d JSON values",
             REQUEST_MAX_JSON_VALUES);
        return;
    }
    json_error_t e;
    json_t *root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
    if (!root) {
        fail_parse(r, &e);
        return;
    }
    if (!json_is_object(root)) {
        fail(r, ERR_BAD_JSON, "a request must be a JSON object");
        json_decref(root);
        return;
    }
    r->id = json_incref(json_object_get(root, "id"));
    json_t *op = json_object_get(root, "op");
    const struct op_spec *spec = NULL;
    if (!op)
        fail(r, ERR_BAD_REQUEST, "missing field 'op'");
    else if (!json_is_string(op))
        fail(r, ERR_BAD_REQUEST, "field 'op' must be a string");
    else if (!(spec = find_op(json_string_value(op), json_string_length(op), 1)))
        fail(r, ERR_UNKNOWN_OP, "unknown op '%.64s'", json_string_value(op));
    if (spec && check_fields(r, root, spec) == 0) {
        int rc = 0;
        if (spec->op == REQ_SEARCH)
            rc = parse_search(r, root);
        else if (spec->op == REQ_GET)
            rc = get_string(r, root, "doc", &r->doc);
        else if (spec->op == REQ_CANCEL && !(r->target = json_incref(
                                                 json_object_get(root, "target"))))
            rc = fail(r, ERR_BAD_REQUEST, "missing field 'target'");
        if (rc == 0)
            r->op = spec->op;
    }
    r->retained = (count_values(r->id) + count_values(r->target)) * REQUEST_BYTES_PER_VALUE;
    json_decref(root);
}

/* ---- text commands ------------------------------------------------------------------ */

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Copies the rest of the line, trimmed, into *out; fails when it is empty. */
static int text_arg(struct request *r, const char *p, const char *end, const char *what,
                    char **out)
{
    while (p < end && is_blank(*p))
        p++;
    while (end > p && is_blank(end[-1]))
        end--;
    if (p == end)
        return fail(r, ERR_BAD_REQUEST, "%s", what);
    /* Not strndup: the line is not NUL-terminated, and strndup may look for a NUL past end
     * (ASan's strict_string_checks reports it). */
    if ((*out = malloc((size_t)(end - p) + 1))) {
        memcpy(*out, p, (size_t)(end - p));
        (*out)[end - p] = '\0';
    }
    if (!*out)
        return fail(r, ERR_INTERNAL, "out of memory");
    return 0;
}

static void parse_text(const char *line, size_t len, struct request *r)
{
    if (memchr(line, '\0', len)) {
        fail(r, ERR_BAD_REQUEST, "the request holds a NUL byte");
        return;
    }
    if (!text_utf8_valid(line, len)) {
        fail(r, ERR_BAD_REQUEST, "the request is not valid UTF-8");
        return;
    }
    const char *p = line, *end = line + len;
    while (p < end && is_blank(*p))
        p++;
    const char *word = p;
    while (p < end && !is_blank(*p))
        p++;
    const struct op_spec *spec = find_op(word, (size_t)(p - word), 0);
    if (!spec) {
        fail(r, ERR_UNKNOWN_OP, "unknown command '%.*s' (try help)",
             (int)((p - word) > 64 ? 64 : (p - word)), word);
        return;
    }
    int rc = 0;
    if (spec->op == REQ_SEARCH) {
        rc = text_arg(r, p, end, "search needs a query", &r->q);
        if (rc == 0 && strlen(r->q) > TRAWL_MAX_QUERY_BYTES)
            rc = fail(r, ERR_TOO_LARGE, "the query is over %d bytes", TRAWL_MAX_QUERY_BYTES);
        r->limit = REQUEST_DEFAULT_LIMIT;
        r->snippet = REQUEST_DEFAULT_SNIPPET;
    } else if (spec->op == REQ_GET) {
        rc = text_arg(r, p, end, "get needs a document id", &r->doc);
    } else if (!request_is_blank(p, (size_t)(end - p))) {
        rc = fail(r, ERR_BAD_REQUEST, "%s takes no arguments", spec->name);
    }
    if (rc == 0)
        r->op = spec->op;
}

void request_parse(const char *line, size_t len, struct request *out)
{
    memset(out, 0, sizeof *out);
    out->json = request_is_json(line, len);
    if (out->json)
        parse_json(line, len, out);
    else
        parse_text(line, len, out);
}

void request_clear(struct request *r)
{
    if (!r)
        return;
    json_decref(r->id);
    json_decref(r->target);
    free(r->errmsg);
    free(r->q);
    free(r->doc);
    memset(r, 0, sizeof *r);
}
