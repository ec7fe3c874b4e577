/*
 * article.c: the article model of libtrawl. An article is a jansson object that has
 * passed article_validate; the public trawl_article_* functions build, edit and serialise
 * it, and the internal article_* helpers hold the field rules that engine/db.c (indexing)
 * and engine/xapian.cc (query parsing) share: known fields, filter fields and their
 * singular query names, ISO 8601 dates as sortable keys, filter-value and id terms.
 *
 * The rules, as in trawl.h: `id` is a required non-empty string; title, body, date, url,
 * source and author are strings when present (JSON null counts as absent); `date` is ISO
 * 8601; strings are valid UTF-8 without NUL (jansson enforces both when parsing, and
 * json_string when setting); a record nested deeper than ARTICLE_MAX_DEPTH or repeating a
 * key is rejected. Any other field is kept as it is.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "article.h"
#include "shim.h"
#include "store.h"

static const char *const known_fields[] = {"id", "title", "body", "date", "url", "source",
                                           "author"};

/* Sets *errmsg (when wanted) to a formatted message; returns `st` for tail calls. */
static trawl_status fail(char **errmsg, trawl_status st, const char *fmt, ...)
{
    if (errmsg) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(errmsg, fmt, ap) < 0)
            *errmsg = NULL;
        va_end(ap);
    }
    return st;
}

int article_is_known(const char *name)
{
    for (size_t i = 0; i < sizeof known_fields / sizeof known_fields[0]; i++)
        if (strcmp(name, known_fields[i]) == 0)
            return 1;
    return 0;
}

static int valid_filter_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > ARTICLE_MAX_FIELD_NAME)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            return 0;
    return 1;
}

static int string_array(const json_t *v)
{
    size_t i;
    const json_t *e;
    if (!json_is_array(v))
        return 0;
    json_array_foreach(v, i, e) if (!json_is_string(e)) return 0;
    return 1;
}

int article_is_filter(const char *name, const json_t *value)
{
    return !article_is_known(name) && valid_filter_name(name) &&
           (json_is_string(value) || string_array(value));
}

char *article_singular(const char *name)
{
    size_t n = strlen(name);
    if (n < 2 || name[n - 1] != 's')
        return NULL;
    return strndup(name, n - 1);
}

/* ---- dates ------------------------------------------------------------------------ */

/* Reads exactly n ASCII digits at s into *out; -1 when any is not a digit. */
static int read_digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

/* Broken-down date being parsed; fields not given keep their defaults. */
struct when {
    int year, month, day, hour, min, sec, offset_min;
};

/* Parses "[+-]hh:mm", "[+-]hhmm" or "Z" at s (n bytes, all of it). */
static int parse_zone(const char *s, size_t n, struct when *w)
{
    int hh, mm, sign;
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z'))
        return 0;
    if (n < 5 || (s[0] != '+' && s[0] != '-'))
        return -1;
    sign = s[0] == '-' ? -1 : 1;
    if (read_digits(s + 1, 2, &hh) < 0)
        return -1;
    if (n == 6 && s[3] == ':') {
        if (read_digits(s + 4, 2, &mm) < 0)
            return -1;
    } else if (n != 5 || read_digits(s + 3, 2, &mm) < 0) {
        return -1;
    }
    if (hh > 23 || mm > 59)
        return -1;
    w->offset_min = sign * (hh * 60 + mm);
    return 0;
}

/* Parses "hh:mm[:ss[.fff]][zone]" at s (n bytes). With `end`, a missing second is 59. */
static int parse_time(const char *s, size_t n, int end, struct when *w)
{
    size_t p = 5;
    if (n < 5 || s[2] != ':' || read_digits(s, 2, &w->hour) < 0 ||
        read_digits(s + 3, 2, &w->min) < 0)
        return -1;
    w->sec = end ? 59 : 0;
    if (p < n && s[p] == ':') {
        if (p + 3 > n || read_digits(s + p + 1, 2, &w->sec) < 0)
            return -1;
        p += 3;
        if (p < n && (s[p] == '.' || s[p] == ',')) {
            size_t q = ++p;
            while (p < n && s[p] >= '0' && s[p] <= '9')
                p++;
            if (p == q)
                return -1;
        }
    }
    if (w->hour > 23 || w->min > 59 || w->sec > 60)
        return -1;
    return p == n ? 0 : parse_zone(s + p, n - p, w);
}

/* Parses the date part and, after a 'T', the time. */
static int parse_when(const char *s, size_t n, article_date_mode mode, struct when *w)
{
    int end = mode == DATE_RANGE_END, partial = mode != DATE_ARTICLE;
    if (end) {
        w->hour = 23;
        w->min = 59;
        w->sec = 59;
    }
    if (n < 4 || read_digits(s, 4, &w->year) < 0)
        return -1;
    w->month = end ? 12 : 1;
    w->day = end ? 31 : 1;
    if (n == 4)
        return partial ? 0 : -1;
    if (n < 7 || s[4] != '-' || read_digits(s + 5, 2, &w->month) < 0 || w->month < 1 ||
        w->month > 12)
        return -1;
    w->day = end ? days_in_month(w->year, w->month) : 1;
    if (n == 7)
        return partial ? 0 : -1;
    if (n < 10 || s[7] != '-' || read_digits(s + 8, 2, &w->day) < 0 || w->day < 1 ||
        w->day > days_in_month(w->year, w->month))
        return -1;
    if (n == 10)
        return 0;
    if (s[10] != 'T' && s[10] != 't')
        return -1;
    return parse_time(s + 11, n - 11, end, w);
}

int article_date_key(const char *date, size_t len, article_date_mode mode,
                     char key[ARTICLE_DATE_KEY_LEN + 1])
{
    struct when w = {0, 1, 1, 0, 0, 0, 0};
    struct tm tm = {0};
    time_t t;

    if (parse_when(date, len, mode, &w) < 0)
        return -1;
    tm.tm_year = w.year - 1900;
    tm.tm_mon = w.month - 1;
    tm.tm_mday = w.day;
    tm.tm_hour = w.hour;
    tm.tm_min = w.min;
    tm.tm_sec = w.sec > 59 ? 59 : w.sec; /* a leap second sorts with the second before */
    t = timegm(&tm) - (time_t)w.offset_min * 60;
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        return -1;
    char buf[64]; /* roomy: the compiler cannot see the fields' ranges */
    if (snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                 tm.tm_sec) != ARTICLE_DATE_KEY_LEN)
        return -1;
    memcpy(key, buf, ARTICLE_DATE_KEY_LEN + 1);
    return 0;
}

/* ---- validation ------------------------------------------------------------------- */

/* 1 when v nests no deeper than `left` more levels. */
static int shallow(const json_t *v, int left)
{
    const char *k;
    const json_t *e;
    size_t i;
    if (!json_is_object(v) && !json_is_array(v))
        return 1;
    if (left == 0)
        return 0;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, k, e) if (!shallow(e, left - 1)) return 0;
    } else {
        json_array_foreach(v, i, e) if (!shallow(e, left - 1)) return 0;
    }
    return 1;
}

static trawl_status check_known_field(const char *name, const json_t *v, char **errmsg)
{
    const char *s;
    if (json_is_null(v))
        return TRAWL_OK;
    if (!json_is_string(v))
        return fail(errmsg, TRAWL_EINVAL, "field '%s' must be a string", name);
    s = json_string_value(v);
    if (strcmp(name, "date") == 0) {
        char key[ARTICLE_DATE_KEY_LEN + 1];
        if (article_date_key(s, json_string_length(v), DATE_ARTICLE, key) < 0)
            return fail(errmsg, TRAWL_EINVAL,
                        "field 'date' is not an ISO 8601 date or date-time: '%.64s'", s);
    }
    return TRAWL_OK;
}

trawl_status article_validate(const json_t *obj, char **errmsg)
{
    const json_t *id = json_object_get(obj, "id");

    if (!json_is_object(obj))
        return fail(errmsg, TRAWL_EINVAL, "an article must be a JSON object");
    if (!id)
        return fail(errmsg, TRAWL_EINVAL, "missing field 'id'");
    if (!json_is_string(id))
        return fail(errmsg, TRAWL_EINVAL, "field 'id' must be a string");
    if (json_string_length(id) == 0)
        return fail(errmsg, TRAWL_EINVAL, "field 'id' is empty");
    for (size_t i = 1; i < sizeof known_fields / sizeof known_fields[0]; i++) {
        const json_t *v = json_object_get(obj, known_fields[i]);
        trawl_status st = v ? check_known_field(known_fields[i], v, errmsg) : TRAWL_OK;
        if (st != TRAWL_OK)
            return st;
    }
    if (!shallow(obj, ARTICLE_MAX_DEPTH))
        return fail(errmsg, TRAWL_EINVAL, "article nested deeper than %d levels",
                    ARTICLE_MAX_DEPTH);
    return TRAWL_OK;
}

trawl_status article_wrap(json_t *obj, trawl_article **out, char **errmsg)
{
    trawl_status st = article_validate(obj, errmsg);
    *out = NULL;
    if (st != TRAWL_OK)
        return st;
    if (!(*out = malloc(sizeof **out)))
        return fail(errmsg, TRAWL_ENOMEM, "out of memory");
    (*out)->obj = obj;
    return TRAWL_OK;
}

/* ---- terms ------------------------------------------------------------------------ */

/* Xapian terms are at most 245 bytes; stay well under. */
#define MAX_TERM 240
#define LONG_ID 200
#define LONG_ID_KEEP 160

trawl_status article_filter_term(const char *field, const char *value, char **out)
{
    size_t nf = strlen(field), nv, cut;
    char *lower = NULL, *term;
    trawl_status st = shim_utf8_lower(value, &lower);

    *out = NULL;
    if (st != TRAWL_OK)
        return st;
    nv = strlen(lower);
    cut = nf + 2 < MAX_TERM ? MAX_TERM - nf - 2 : 0;
    if (nv > cut) {
        while (cut > 0 && ((unsigned char)lower[cut] & 0xC0) == 0x80)
            cut--; /* never split a UTF-8 sequence */
        nv = cut;
    }
    if (!(term = malloc(nf + nv + 3))) {
        free(lower);
        return TRAWL_ENOMEM;
    }
    term[0] = 'X';
    for (size_t i = 0; i < nf; i++)
        term[1 + i] = (char)toupper((unsigned char)field[i]);
    term[1 + nf] = ':';
    memcpy(term + nf + 2, lower, nv);
    term[nf + nv + 2] = '\0';
    free(lower);
    *out = term;
    return TRAWL_OK;
}

/* 64-bit FNV-1a: not cryptographic, only to tell long ids apart after truncation. */
static unsigned long long fnv1a(const char *s)
{
    unsigned long long h = 14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

trawl_status article_id_term(const char *id, char **out)
{
    size_t n = strlen(id);
    int r = n <= LONG_ID ? asprintf(out, "Q%s", id)
                         : asprintf(out, "Q%.*s#%016llx", LONG_ID_KEEP, id, fnv1a(id));
    if (r < 0) {
        *out = NULL;
        return TRAWL_ENOMEM;
    }
    return TRAWL_OK;
}

/* ---- public API ------------------------------------------------------------------- */

/* 1 when jansson failed on invalid UTF-8 (its message alone does not say so). */
static int bad_utf8(const json_error_t *err)
{
#if JANSSON_VERSION_HEX >= 0x020b00
    return json_error_code(err) == json_error_invalid_utf8;
#else
    return strstr(err->text, "UTF-8") != NULL || strstr(err->text, "decode byte") != NULL;
#endif
}

trawl_status trawl_article_from_json(const char *json, size_t len, trawl_article **out,
                                     char **errmsg)
{
    json_error_t err;
    json_t *obj;
    trawl_status st;

    *out = NULL;
    if (errmsg)
        *errmsg = NULL;
    if (!json)
        return fail(errmsg, TRAWL_EINVAL, "no JSON text");
    if (len > STORE_MAX_TEXT)
        return fail(errmsg, TRAWL_ETOOLARGE, "article of %zu bytes is over the limit of %zu",
                    len, (size_t)STORE_MAX_TEXT);
    obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &err);
    if (!obj)
        return fail(errmsg, TRAWL_EINVAL, "%s at line %d, column %d: %s",
                    bad_utf8(&err) ? "invalid UTF-8" : "invalid JSON", err.line, err.column,
                    err.text);
    st = article_wrap(obj, out, errmsg);
    if (st != TRAWL_OK)
        json_decref(obj);
    return st;
}

trawl_status trawl_article_new(const char *id, trawl_article **out)
{
    json_t *obj = NULL, *s = id && *id ? json_string(id) : NULL;

    *out = NULL;
    if (!s)
        return TRAWL_EINVAL; /* NULL, empty or invalid UTF-8 */
    if (!(obj = json_object()) || json_object_set_new(obj, "id", s) < 0) {
        json_decref(obj);
        return TRAWL_ENOMEM;
    }
    if (!(*out = malloc(sizeof **out))) {
        json_decref(obj);
        return TRAWL_ENOMEM;
    }
    (*out)->obj = obj;
    return TRAWL_OK;
}

trawl_status trawl_article_set(trawl_article *a, const char *field, const char *value)
{
    json_t *s;

    if (!a || !field || !*field || !value || strcmp(field, "id") == 0)
        return TRAWL_EINVAL;
    if (strcmp(field, "date") == 0) {
        char key[ARTICLE_DATE_KEY_LEN + 1];
        if (article_date_key(value, strlen(value), DATE_ARTICLE, key) < 0)
            return TRAWL_EINVAL;
    }
    if (!(s = json_string(value))) /* NULL for invalid UTF-8 */
        return TRAWL_EINVAL;
    /* json_object_set_new consumes s even on failure, which is an invalid UTF-8 key. */
    return json_object_set_new(a->obj, field, s) == 0 ? TRAWL_OK : TRAWL_EINVAL;
}

void trawl_article_free(trawl_article *a)
{
    if (!a)
        return;
    json_decref(a->obj);
    free(a);
}

const char *trawl_article_id(const trawl_article *a)
{
    return a ? json_string_value(json_object_get(a->obj, "id")) : NULL;
}

const char *trawl_article_get(const trawl_article *a, const char *field)
{
    return a && field ? json_string_value(json_object_get(a->obj, field)) : NULL;
}

trawl_status trawl_article_to_json(const trawl_article *a, char **out)
{
    *out = NULL;
    if (!a)
        return TRAWL_EINVAL;
    *out = json_dumps(a->obj, JSON_COMPACT);
    return *out ? TRAWL_OK : TRAWL_ENOMEM;
}
