/*
 * format.c: the shared search-result formatters declared in format.h (used by the server's
 * dispatcher and by `trawl search`). The wire shapes are described in format.h and in
 * doc/protocol.md.
 */
#include "protocol/format.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "protocol/text.h"

/* A JSON string from s[0..len), repairing ill-formed UTF-8. New reference or NULL. */
static json_t *jstring(const char *s, size_t len)
{
    if (text_utf8_valid(s, len))
        return json_stringn(s, len);
    struct buf b = BUF_INIT;
    text_utf8_repair(&b, s, len);
    json_t *j = buf_failed(&b) ? NULL : json_stringn(b.data ? b.data : "", b.len);
    buf_free(&b);
    return j;
}

/* Sets key to a new value, stealing the reference; returns -1 when value is NULL or the
 * set fails. */
static int put(json_t *obj, const char *key, json_t *value)
{
    return value ? json_object_set_new(obj, key, value) : -1;
}

/* Highlight i of h as a [start,end) range in the requested unit. Spans are clamped to
 * the snippet and made non-decreasing, so a bad span from the engine cannot give a range
 * past the end of the snippet. *prev_byte and *prev_chars carry the conversion from one
 * span to the next (start both at 0): spans come in order, so counting is incremental. */
static void highlight_range(const trawl_hit *h, const char *s, size_t len, size_t i,
                            format_offsets off, size_t *prev_byte, size_t *prev_chars,
                            size_t *start, size_t *end)
{
    size_t a = h->highlights[i].start, e = h->highlights[i].end;
    if (a > len)
        a = len;
    if (e > len)
        e = len;
    if (e < a)
        e = a;
    if (off == FORMAT_OFFSETS_CHARS) {
        if (a < *prev_byte)
            *prev_byte = *prev_chars = 0;
        size_t ca = *prev_chars + text_chars_before(s + *prev_byte, len - *prev_byte,
                                                    a - *prev_byte);
        size_t ce = ca + text_chars_before(s + a, len - a, e - a);
        *prev_byte = a;
        *prev_chars = ca;
        a = ca;
        e = ce;
    }
    *start = a;
    *end = e;
}

/* The highlights of h as [[start,end],...] in the requested unit. */
static json_t *highlights_json(const trawl_hit *h, format_offsets off)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    const char *s = h->snippet ? h->snippet : "";
    size_t len = strlen(s), pb = 0, pc = 0;
    for (size_t i = 0; i < h->nhighlights; i++) {
        size_t a, e;
        highlight_range(h, s, len, i, off, &pb, &pc, &a, &e);
        json_t *pair = json_pack("[II]", (json_int_t)a, (json_int_t)e);
        if (!pair || json_array_append_new(arr, pair) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

json_t *format_hit_json(const trawl_hit *h, format_offsets off)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const char *id = h->id ? h->id : "";
    const char *title = h->title ? h->title : "";
    const char *snippet = h->snippet ? h->snippet : "";
    int bad = put(o, "rank", json_integer(h->rank));
    bad |= put(o, "doc", jstring(id, strlen(id)));
    bad |= put(o, "score", json_real(isfinite(h->score) ? h->score : 0.0));
    bad |= put(o, "title", jstring(title, strlen(title)));
    if (h->date)
        bad |= put(o, "date", jstring(h->date, strlen(h->date)));
    bad |= put(o, "snippet", jstring(snippet, strlen(snippet)));
    bad |= put(o, "highlights", highlights_json(h, off));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *format_search_json(json_t *id, const trawl_results *r, format_offsets off,
                           long long took_us)
{
    json_t *o = json_object();
    json_t *hits = json_array();
    if (!o || !hits) {
        json_decref(o);
        json_decref(hits);
        return NULL;
    }
    int bad = id ? json_object_set(o, "id", id) : 0;
    bad |= put(o, "ok", json_true());
    bad |= put(o, "total", json_integer((json_int_t)trawl_results_total(r)));
    if (took_us >= 0)
        bad |= put(o, "took_us", json_integer(took_us));
    bad |= put(o, "revision", json_integer((json_int_t)trawl_results_revision(r)));
    size_t n = trawl_results_count(r);
    for (size_t i = 0; i < n && !bad; i++) {
        const trawl_hit *h = trawl_results_hit(r, i);
        if (h)
            bad |= json_array_append_new(hits, format_hit_json(h, off)) != 0 ? -1 : 0;
    }
    bad |= put(o, "hits", hits);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

void format_hit_line(struct buf *b, const trawl_hit *h, format_offsets off)
{
    const char *id = h->id ? h->id : "";
    const char *title = h->title ? h->title : "";
    const char *s = h->snippet ? h->snippet : "";
    size_t len = strlen(s), pb = 0, pc = 0;
    buf_adds(b, "{\"rank\":");
    buf_addu(b, h->rank);
    buf_adds(b, ",\"doc\":");
    text_json_string(b, id, strlen(id));
    buf_adds(b, ",\"score\":");
    text_json_real(b, h->score, FORMAT_REAL_PRECISION);
    buf_adds(b, ",\"title\":");
    text_json_string(b, title, strlen(title));
    if (h->date) {
        buf_adds(b, ",\"date\":");
        text_json_string(b, h->date, strlen(h->date));
    }
    buf_adds(b, ",\"snippet\":");
    text_json_string(b, s, len);
    buf_adds(b, ",\"highlights\":[");
    for (size_t i = 0; i < h->nhighlights; i++) {
        size_t a, e;
        highlight_range(h, s, len, i, off, &pb, &pc, &a, &e);
        buf_adds(b, i ? ",[" : "[");
        buf_addu(b, a);
        buf_addc(b, ',');
        buf_addu(b, e);
        buf_addc(b, ']');
    }
    buf_adds(b, "]}");
}

/* json_dump_callback sink appending to a struct buf. */
static int to_buf(const char *p, size_t n, void *data);

void format_search_line(struct buf *b, json_t *id, const trawl_results *r, format_offsets off,
                        long long took_us)
{
    buf_addc(b, '{');
    if (id) {
        buf_adds(b, "\"id\":");
        if (json_dump_callback(id, to_buf, b, FORMAT_JSON_FLAGS | JSON_ENCODE_ANY) != 0)
            b->failed = 1;
        buf_addc(b, ',');
    }
    buf_adds(b, "\"ok\":true,\"total\":");
    buf_addu(b, trawl_results_total(r));
    if (took_us >= 0) {
        buf_adds(b, ",\"took_us\":");
        buf_addu(b, (unsigned long long)took_us);
    }
    buf_adds(b, ",\"revision\":");
    buf_addu(b, trawl_results_revision(r));
    buf_adds(b, ",\"hits\":[");
    size_t n = trawl_results_count(r);
    for (size_t i = 0, k = 0; i < n; i++) {
        const trawl_hit *h = trawl_results_hit(r, i);
        if (!h)
            continue;
        if (k++)
            buf_addc(b, ',');
        format_hit_line(b, h, off);
    }
    buf_adds(b, "]}\n");
}

/* json_dump_callback sink appending to a struct buf. */
static int to_buf(const char *p, size_t n, void *data)
{
    struct buf *b = data;
    buf_add(b, p, n);
    return buf_failed(b) ? -1 : 0;
}

void format_json_line(struct buf *b, const json_t *obj)
{
    if (json_dump_callback(obj, to_buf, b, FORMAT_JSON_FLAGS) != 0)
        b->failed = 1;
    buf_addc(b, '\n');
}

/* Writes b to out, or fails with ENOMEM when b failed. */
static int write_buf(FILE *out, struct buf *b)
{
    int rc = 0;
    if (buf_failed(b)) {
        errno = ENOMEM;
        rc = -1;
    } else if (b->len && fwrite(b->data, 1, b->len, out) != b->len) {
        rc = -1;
    }
    buf_free(b);
    return rc;
}

int format_json_write(FILE *out, const json_t *obj)
{
    struct buf b = BUF_INIT;
    format_json_line(&b, obj);
    return write_buf(out, &b);
}

/* Appends the snippet with its highlights marked, escaped as a text field. */
static void snippet_text(struct buf *b, const trawl_hit *h, unsigned flags)
{
    const char *open = (flags & FORMAT_TEXT_ANSI) ? FORMAT_ANSI_OPEN : FORMAT_MARK_OPEN;
    const char *close = (flags & FORMAT_TEXT_ANSI) ? FORMAT_ANSI_CLOSE : FORMAT_MARK_CLOSE;
    const char *s = h->snippet ? h->snippet : "";
    size_t len = strlen(s), at = 0;
    for (size_t i = 0; i < h->nhighlights; i++) {
        size_t a = h->highlights[i].start, e = h->highlights[i].end;
        if (a < at)
            a = at; /* overlapping or out of order: mark only what is left */
        if (e > len)
            e = len;
        if (a >= e)
            continue;
        text_escape(b, s + at, a - at);
        buf_adds(b, open);
        text_escape(b, s + a, e - a);
        buf_adds(b, close);
        at = e;
    }
    text_escape(b, s + at, len - at);
}

void format_hit_text(struct buf *b, const trawl_hit *h, unsigned flags)
{
    const char *id = h->id ? h->id : "";
    const char *title = h->title ? h->title : "";
    const char *date = h->date ? h->date : "";
    buf_printf(b, "%u\t", h->rank);
    text_escape(b, id, strlen(id));
    buf_printf(b, "\t%.6g\t", h->score);
    text_escape(b, date, strlen(date));
    buf_addc(b, '\t');
    text_escape(b, title, strlen(title));
    buf_addc(b, '\t');
    snippet_text(b, h, flags);
    buf_addc(b, '\n');
}

void format_results_text(struct buf *b, const trawl_results *r, unsigned flags)
{
    size_t n = trawl_results_count(r);
    for (size_t i = 0; i < n; i++) {
        const trawl_hit *h = trawl_results_hit(r, i);
        if (h)
            format_hit_text(b, h, flags);
    }
}

int format_results_text_write(FILE *out, const trawl_results *r, unsigned flags)
{
    struct buf b = BUF_INIT;
    format_results_text(&b, r, flags);
    return write_buf(out, &b);
}
