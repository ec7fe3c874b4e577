/*
 * fake_serve.c: a stand-in for the `trawl` program, used only by the editor-plugin tests
 * (the shell wrappers in tests/editors/) to exercise the plugins without the real server.
 *
 * It understands two subcommands with the real program's shape:
 *   fake_serve index --db DIR FILE.jsonl   copies the articles into DIR/articles.jsonl
 *   fake_serve serve --db DIR              answers JSON requests (ping, search, get, cancel,
 *                                          quit) on stdin/stdout, one line each, per
 *                                          doc/protocol.md
 * Searching is deliberately naive but computed, not canned: a hit is an article whose title
 * or body holds a word starting with a query word (ASCII case folded); the score counts
 * matches (title thrice) over the body length; the snippet is the body's first `snippet`
 * characters; highlights are the matched words, in chars or bytes as asked. A query with an
 * unbalanced double quote, or starting or ending with AND/OR, is a bad_query.
 *
 * What the real server cannot do on demand, this one can: with TRAWL_FAKE_DELAY_MS set, it
 * sleeps that long before answering each search, so a test can make responses arrive late.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_TERMS 16

struct terms {
    size_t n;
    char *v[MAX_TERMS]; /* lower-cased copies, owned */
};

static int is_word_byte(unsigned char c)
{
    return isalnum(c) || c >= 0x80;
}

/* Splits q into lower-cased words; returns 0, or -1 with *why set for a bad query. */
static int parse_query(const char *q, struct terms *t, const char **why)
{
    size_t quotes = 0;
    for (const char *p = q; *p; p++)
        quotes += *p == '"';
    if (quotes % 2) {
        *why = "unbalanced double quote";
        return -1;
    }
    t->n = 0;
    const char *p = q;
    while (*p && t->n < MAX_TERMS) {
        while (*p && !is_word_byte((unsigned char)*p))
            p++;
        const char *s = p;
        while (*p && is_word_byte((unsigned char)*p))
            p++;
        if (p == s)
            break;
        char *w = strndup(s, (size_t)(p - s));
        int op = !strcmp(w, "AND") || !strcmp(w, "OR");
        if (op && (t->n == 0 || !*p)) {
            free(w);
            *why = "syntax: boolean operator without an operand";
            return -1;
        }
        if (op) {
            free(w);
            continue;
        }
        for (char *c = w; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        t->v[t->n++] = w;
    }
    return 0;
}

static void free_terms(struct terms *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    t->n = 0;
}

/* Calls fn(start, end, arg) for each word of s[0..len) starting with a query word; returns
 * how many there were. */
static size_t each_match(const char *s, size_t len, const struct terms *t,
                         void (*fn)(size_t, size_t, void *), void *arg)
{
    size_t n = 0, i = 0;
    while (i < len) {
        while (i < len && !is_word_byte((unsigned char)s[i]))
            i++;
        size_t st = i;
        while (i < len && is_word_byte((unsigned char)s[i]))
            i++;
        for (size_t k = 0; k < t->n && i > st; k++) {
            size_t tl = strlen(t->v[k]);
            if (tl <= i - st && !strncasecmp(s + st, t->v[k], tl)) {
                n++;
                if (fn)
                    fn(st, i, arg);
                break;
            }
        }
    }
    return n;
}

static const char *field(json_t *a, const char *name)
{
    const char *v = json_string_value(json_object_get(a, name));
    return v ? v : "";
}

/* Byte length of the first `chars` code points of s. */
static size_t prefix_bytes(const char *s, size_t chars)
{
    size_t i = 0;
    while (s[i] && chars) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        chars--;
    }
    return i;
}

static size_t count_chars(const char *s, size_t bytes)
{
    size_t n = 0;
    for (size_t i = 0; i < bytes; i++)
        n += (s[i] & 0xC0) != 0x80;
    return n;
}

struct hl_ctx {
    const char *snippet;
    int bytes;
    json_t *arr;
};

static void add_highlight(size_t st, size_t end, void *arg)
{
    struct hl_ctx *c = arg;
    size_t a = c->bytes ? st : count_chars(c->snippet, st);
    size_t b = c->bytes ? end : count_chars(c->snippet, end);
    json_array_append_new(c->arr, json_pack("[II]", (json_int_t)a, (json_int_t)b));
}

struct scored {
    double score;
    json_t *article;
};

static int by_score(const void *x, const void *y)
{
    const struct scored *a = x, *b = y;
    if (a->score != b->score)
        return a->score < b->score ? 1 : -1;
    return strcmp(field(a->article, "id"), field(b->article, "id"));
}

static json_t *make_hit(json_t *a, const struct terms *t, size_t rank, double score,
                        size_t snip_chars, int bytes)
{
    const char *body = field(a, "body");
    char *snippet = strndup(body, prefix_bytes(body, snip_chars));
    for (char *c = snippet; *c; c++)
        if (*c == '\n')
            *c = ' ';
    json_t *hl = json_array();
    struct hl_ctx ctx = {snippet, bytes, hl};
    each_match(snippet, strlen(snippet), t, add_highlight, &ctx);
    json_t *hit = json_pack("{s:I,s:s,s:f,s:s,s:s,s:o}", "rank", (json_int_t)rank, "doc",
                            field(a, "id"), "score", score, "title", field(a, "title"),
                            "snippet", snippet, "highlights", hl);
    if (*field(a, "date"))
        json_object_set_new(hit, "date", json_string(field(a, "date")));
    free(snippet);
    return hit;
}

static json_t *error(const char *code, const char *message)
{
    return json_pack("{s:b,s:{s:s,s:s}}", "ok", 0, "error", "code", code, "message", message);
}

static json_t *do_search(json_t *req, json_t *articles)
{
    const char *q = json_string_value(json_object_get(req, "q"));
    if (!q)
        return error("bad_request", "search: missing string field 'q'");
    json_t *lim = json_object_get(req, "limit");
    json_int_t limit = lim ? json_integer_value(lim) : 10;
    if (limit < 1 || limit > 1000)
        return error("bad_request", "search: 'limit' must be 1 to 1000");
    json_t *snip = json_object_get(req, "snippet");
    size_t snip_chars = snip ? (size_t)json_integer_value(snip) : 200;
    const char *offsets = json_string_value(json_object_get(req, "offsets"));
    int bytes = offsets && !strcmp(offsets, "bytes");
    struct terms t;
    const char *why = NULL;
    if (parse_query(q, &t, &why) < 0)
        return error("bad_query", why);
    const char *delay = getenv("TRAWL_FAKE_DELAY_MS");
    if (delay) {
        long ms = strtol(delay, NULL, 10);
        struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    size_t n = json_array_size(articles), nhits = 0;
    struct scored *s = calloc(n + 1, sizeof *s);
    for (size_t i = 0; i < n; i++) {
        json_t *a = json_array_get(articles, i);
        const char *title = field(a, "title"), *body = field(a, "body");
        size_t m = 3 * each_match(title, strlen(title), &t, NULL, NULL) +
                   each_match(body, strlen(body), &t, NULL, NULL);
        if (m)
            s[nhits++] = (struct scored){m / (1.0 + strlen(body) / 500.0), a};
    }
    qsort(s, nhits, sizeof *s, by_score);
    json_t *hits = json_array();
    for (size_t i = 0; i < nhits && i < (size_t)limit; i++)
        json_array_append_new(hits, make_hit(s[i].article, &t, i + 1, s[i].score,
                                             snip_chars, bytes));
    free(s);
    free_terms(&t);
    return json_pack("{s:b,s:I,s:i,s:i,s:o}", "ok", 1, "total", (json_int_t)nhits, "took_us",
                     1, "revision", 1, "hits", hits);
}

static json_t *do_get(json_t *req, json_t *articles)
{
    const char *doc = json_string_value(json_object_get(req, "doc"));
    if (!doc)
        return error("bad_request", "get: missing string field 'doc'");
    for (size_t i = 0; i < json_array_size(articles); i++) {
        json_t *a = json_array_get(articles, i);
        if (!strcmp(field(a, "id"), doc))
            return json_pack("{s:b,s:s,s:O,s:i}", "ok", 1, "doc", doc, "article", a,
                             "revision", 1);
    }
    return error("not_found", "no such article");
}

/* Answers one request line; returns 1 when the server should stop. */
static int answer(const char *line, json_t *articles)
{
    json_error_t err;
    json_t *req = json_loads(line, 0, &err), *resp;
    const char *op = json_string_value(json_object_get(req, "op"));
    int quit = 0;
    if (!json_is_object(req))
        resp = error("bad_json", err.text);
    else if (!op)
        resp = error("bad_request", "missing string field 'op'");
    else if (!strcmp(op, "ping"))
        resp = json_pack("{s:b,s:s,s:i}", "ok", 1, "version", "fake", "protocol", 1);
    else if (!strcmp(op, "search"))
        resp = do_search(req, articles);
    else if (!strcmp(op, "get"))
        resp = do_get(req, articles);
    else if (!strcmp(op, "cancel"))
        resp = json_pack("{s:b,s:i}", "ok", 1, "cancelled", 0);
    else if (!strcmp(op, "quit"))
        resp = json_pack("{s:b}", "ok", 1), quit = 1;
    else
        resp = error("unknown_op", op);
    json_t *id = json_object_get(req, "id");
    if (id)
        json_object_set(resp, "id", id);
    char *out = json_dumps(resp, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s\n", out);
    fflush(stdout);
    free(out);
    json_decref(resp);
    json_decref(req);
    return quit;
}

static char *db_file(const char *dir)
{
    char *path = NULL;
    if (asprintf(&path, "%s/articles.jsonl", dir) < 0)
        return NULL;
    return path;
}

static int serve(const char *dir)
{
    char *path = db_file(dir);
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f) {
        fprintf(stderr, "fake_serve: cannot open '%s': %s\n", path ? path : dir,
                strerror(errno));
        free(path);
        return 1;
    }
    json_t *articles = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *a = json_loads(line, 0, NULL);
        if (a)
            json_array_append_new(articles, a);
    }
    fclose(f);
    free(path);
    while (getline(&line, &cap, stdin) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (*line && answer(line, articles))
            break;
    }
    free(line);
    json_decref(articles);
    return 0;
}

static int index_file(const char *dir, const char *src)
{
    mkdir(dir, 0777);
    char *path = db_file(dir);
    FILE *in = fopen(src, "r"), *out = path ? fopen(path, "w") : NULL;
    int c, rc = in && out ? 0 : 1;
    if (rc)
        fprintf(stderr, "fake_serve: cannot copy '%s' into '%s'\n", src, dir);
    while (!rc && (c = getc(in)) != EOF)
        putc(c, out);
    if (in)
        fclose(in);
    if (out && fclose(out))
        rc = 1;
    free(path);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "serve") && !strcmp(argv[2], "--db"))
        return serve(argv[3]);
    if (argc >= 5 && !strcmp(argv[1], "index") && !strcmp(argv[2], "--db"))
        return index_file(argv[3], argv[4]);
    fprintf(stderr, "usage: fake_serve serve --db DIR | index --db DIR FILE\n");
    return 2;
}
