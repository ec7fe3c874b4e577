/*
 * test_snippet_quality.c: trawl makes its snippets itself (engine/snippet.c's
 * snippet_make, from the words the shim reads); this test shows they are as good as
 * Xapian's own MSet::snippet, which the engine still reaches for comparison
 * (db_snippet_reference in engine/db_debug.h). For every hit of every query it makes both
 * snippets of the same text and compares them: the set of highlighted words (or phrases),
 * whether the new snippet holds the whole of Xapian's (its region contains the densest
 * region Xapian picks), and whether they are identical. Over a fixture corpus built here
 * (long and short texts, phrases, wildcards, acronyms, digits, punctuation, non-ASCII)
 * the two must agree exactly; over Reuters (when $TRAWL_SHARED holds it; else the test
 * skips, saying why) with ../shared/bench/queries-reuters.txt, they must highlight as
 * many words in total and agree on nearly every hit, and the numbers are printed (see
 * doc/snippets.md). Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "db_debug.h"
#include "tests/engine/reuters.h"
#include "shim.h"
#include "trawl.h"
#include "tests/tmpdir.h"

/* Fixture articles: each body exercises a rule of MSet::snippet. */
static const char *const articles[] = {
    /* A long text whose densest region is near its end. */
    "{\"id\":\"f1\",\"title\":\"Long report\",\"body\":\"The committee met on Monday to discuss "
    "the annual budget. Members spoke about roads, schools and parks for a long time, and "
    "nothing was decided about any of them. The chairman thanked everyone for coming and "
    "said the next meeting would be in spring. Later, in a separate session, the committee "
    "turned to cocoa. Cocoa prices rose sharply, and cocoa farmers said cocoa exports to "
    "Europe would rise again next year, lifting cocoa prices further. The session ended at "
    "noon.\"}",
    /* Acronyms, digits with separators, suffixes, apostrophes, XML-special characters. */
    "{\"id\":\"f2\",\"title\":\"U.S. trade\",\"body\":\"The U.S. trade deficit widened to "
    "1,000.5 mln dlrs in C++ terms, said AT&T's economist. Prices < costs & margins > zero "
    "were reported by the U.S.A. office; don't expect 3.5 pct growth. Trade talks go on.\"}",
    /* Non-ASCII words, typographic quotes and apostrophes, currency signs. */
    "{\"id\":\"f3\",\"title\":\"Caf\\u00e9 prices\",\"body\":\"\\u201cCaf\\u00e9 prices "
    "rose,\\u201d said the owner\\u2019s son. In Z\\u00fcrich the caf\\u00e9 charges "
    "\\u20ac4 for coffee; na\\u00efve buyers pay \\u00a35 elsewhere. The caf\\u00e9s are "
    "full.\"}",
    /* Paragraphs, tabs and runs of spaces, which snippet_clean collapses. */
    "{\"id\":\"f4\",\"title\":\"Layout\",\"body\":\"  Interest rates\\n\\n   were cut by the "
    "bank.\\tRates on loans\\n fell;  interest on deposits held.   \\n\"}",
    /* A phrase that repeats, and its words apart. */
    "{\"id\":\"f5\",\"title\":\"Rates\",\"body\":\"Interest in the rates was low. The "
    "interest rates fell, then interest rates rose. Rates and interest moved apart while "
    "the market watched interest rates closely for weeks on end, and traders said "
    "interest rates would decide the dollar's path.\"}",
    /* A text longer than the budget with no query words until late, mid-sentence. */
    "{\"id\":\"f6\",\"title\":\"Shipping\",\"body\":\"Ships sailed from the northern ports "
    "through heavy weather for several days while crews worked hard to keep the cargo "
    "secure and dry, and the owners waited for news from the captains about the delays "
    "that the storms had caused along the coast and in the harbours where the wheat "
    "shipments were loaded onto barges (for export) at \\\"record\\\" rates\"}",
    /* Short texts: the whole text is the snippet. */
    "{\"id\":\"f7\",\"title\":\"Short\",\"body\":\"Wheat prices.\"}",
    "{\"id\":\"f8\",\"title\":\"Title only wheat note\"}",
    /* A very long word, which MSet::snippet does not read as a word. */
    "{\"id\":\"f9\",\"title\":\"Codes\",\"body\":\"The wheat code was "
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz and the "
    "wheat price was high.\"}",
    /* Leading punctuation of up to 4 bytes before a window's first word, more than 4
     * bytes, and trailing punctuation after its last. */
    "{\"id\":\"f10\",\"title\":\"Metals\",\"body\":\"Traders in the metals pits spent "
    "most of the morning waiting for figures that never came, and prices drifted. Then "
    "(\\\"Zinc\\\" rose) while ([{\\\"lead fell; dealers (((\\\"Nickel ... then \\\"tin\\\")) "
    "moved -- copper held [steady] at 1,000 dlrs; \\\"silver)))))\\\" and more)))) "
    "words%%%% after)))) that/))) for)))) a good while until the end of the day's "
    "trading session came\"}",
    /* Words whose English stems are not their first letters: the scan's prefilter must
     * still stem them (a stem keeps its word's letters but the last; "dying", "lying" and
     * "tying" are the exceptions it knows). */
    "{\"id\":\"f11\",\"title\":\"Stems\",\"body\":\"Dying trees, lying reports and "
    "tying ropes. The rated bonds kept trying traders; happily, relational rules and "
    "generously sized cries of hoping buyers carried the day, and the dies were cast.\"}",
    /* One-letter words: a sought word of one letter lets any second byte through the
     * scan's two-byte prefilter. */
    "{\"id\":\"f12\",\"title\":\"Letters\",\"body\":\"Vitamin B and vitamin C "
    "levels rose; plan B was chosen over plan X, and the b-side of the X file was "
    "played. Group B shares, class C shares and the Z index all fell.\"}",
};

static const char *const fixture_queries[] = {
    "cocoa prices", "cocoa", "trade", "u.s. trade", "\"interest rates\"", "interest rates",
    "rates", "caf\xc3\xa9", "caf\xc3\xa9s prices", "wheat", "wheat shipments", "shipment",
    "pric", "coco", "inter", "at&t", "c++", "don't", "1,000.5", "z\xc3\xbcrich",
    "wheat OR cocoa", "rates AND NOT cocoa", "price*", "economist margins", "zinc", "nickel",
    "tin", "silver", "steady", "copper", "lead", "die", "lie", "tie", "rate", "try",
    "happy", "relation", "generous", "cry", "hope", "dying trees", "b", "vitamin b",
    "\"plan b\"", "x", "c shares", "z*",
};

struct tally {
    size_t hits, identical, contains;
    size_t words_new, words_xapian, words_both; /* distinct highlighted words per hit */
};

struct fix {
    char dir[256], path[300];
};

static void make_dir(struct fix *f, const char *what)
{
    assert_int_equal(tmpdir_make(f->dir, sizeof f->dir, what), 0);
    snprintf(f->path, sizeof f->path, "%s/db", f->dir);
}

static void remove_dir(struct fix *f)
{
    tmpdir_remove(f->dir);
}

static void put_json(trawl_db *w, const char *json)
{
    trawl_article *a = NULL;
    char *msg = NULL;
    if (trawl_article_from_json(json, strlen(json), &a, &msg) != TRAWL_OK)
        fail_msg("bad fixture %s: %s", json, msg);
    if (trawl_db_put(w, a, NULL) != TRAWL_OK)
        fail_msg("cannot put %s: %s", json, trawl_db_errmsg(w));
    trawl_article_free(a);
}

static trawl_results *search(trawl_db *db, const char *query, unsigned chars, int reference)
{
    trawl_query q = {.query = query, .limit = 10, .snippet_chars = chars};
    trawl_results *r = NULL;
    db_snippet_reference(db, reference);
    if (trawl_db_search(db, &q, &r) != TRAWL_OK)
        fail_msg("query '%s': %s", query, trawl_db_errmsg(db));
    db_snippet_reference(db, 0);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct highlighted words (or phrases) of a hit, lower-cased (ASCII) and sorted,
 * into words[] (each the caller's to free); returns how many. */
static size_t highlighted(const trawl_hit *h, char **words)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < h->nhighlights; i++) {
        size_t len = h->highlights[i].end - h->highlights[i].start;
        char *w = malloc(len + 1);
        assert_non_null(w);
        for (size_t j = 0; j < len; j++)
            w[j] = (char)tolower((unsigned char)h->snippet[h->highlights[i].start + j]);
        w[len] = '\0';
        words[n++] = w;
    }
    qsort(words, n, sizeof *words, cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && strcmp(words[k - 1], words[i]) == 0)
            free(words[i]);
        else
            words[k++] = words[i];
    }
    return k;
}

/* How many of the sorted a[0..na) are in the sorted b[0..nb). */
static size_t common(char **a, size_t na, char **b, size_t nb)
{
    size_t i = 0, j = 0, n = 0;
    while (i < na && j < nb) {
        int c = strcmp(a[i], b[j]);
        n += c == 0;
        i += c <= 0;
        j += c >= 0;
    }
    return n;
}

/* The snippet without the "..." marks at its ends, in buf. */
static const char *core(const char *s, char *buf, size_t size)
{
    size_t n;
    if (strncmp(s, "...", 3) == 0)
        s += 3;
    snprintf(buf, size, "%s", s);
    n = strlen(buf);
    if (n >= 3 && strcmp(buf + n - 3, "...") == 0)
        buf[n - 3] = '\0';
    return buf;
}

static int same_spans(const trawl_hit *a, const trawl_hit *b)
{
    if (a->nhighlights != b->nhighlights)
        return 0;
    for (size_t i = 0; i < a->nhighlights; i++)
        if (a->highlights[i].start != b->highlights[i].start ||
            a->highlights[i].end != b->highlights[i].end)
            return 0;
    return 1;
}

/* Compares the two snippets (of `chars` characters) of every hit of `query`; with
 * `verbose`, prints hits that differ. */
static void compare(trawl_db *db, const char *query, unsigned chars, struct tally *t,
                    int verbose)
{
    trawl_results *x = search(db, query, chars, 1), *n = search(db, query, chars, 0);
    char *wx[512], *wn[512], bx[1024], bn[1024];

    assert_int_equal(trawl_results_count(x), trawl_results_count(n));
    for (size_t i = 0; i < trawl_results_count(n); i++) {
        const trawl_hit *hx = trawl_results_hit(x, i), *hn = trawl_results_hit(n, i);
        size_t nx, nn, both;
        int same, contains;
        assert_string_equal(hx->id, hn->id);
        assert_true(hx->nhighlights < 512 && hn->nhighlights < 512);
        nx = highlighted(hx, wx);
        nn = highlighted(hn, wn);
        both = common(wn, nn, wx, nx);
        same = strcmp(hx->snippet, hn->snippet) == 0 && same_spans(hx, hn);
        contains = strstr(core(hn->snippet, bn, sizeof bn),
                          core(hx->snippet, bx, sizeof bx)) != NULL;
        t->hits++;
        t->identical += same;
        t->contains += contains;
        t->words_new += nn;
        t->words_xapian += nx;
        t->words_both += both;
        if (verbose && !same)
            printf("query '%s' hit %s:\n  xapian: %s\n  trawl:  %s\n", query, hn->id,
                   hx->snippet, hn->snippet);
        for (size_t k = 0; k < nx; k++)
            free(wx[k]);
        for (size_t k = 0; k < nn; k++)
            free(wn[k]);
    }
    trawl_results_free(x);
    trawl_results_free(n);
}

static void report(const char *what, const struct tally *t)
{
    printf("%s: %zu hits; identical %zu (%.2f%%); trawl's holds Xapian's %zu (%.2f%%); "
           "distinct highlighted words per hit, summed: trawl %zu, Xapian %zu, both %zu\n",
           what, t->hits, t->identical, 100.0 * t->identical / (t->hits ? t->hits : 1),
           t->contains, 100.0 * t->contains / (t->hits ? t->hits : 1), t->words_new,
           t->words_xapian, t->words_both);
}

static void test_fixtures(void **state)
{
    struct fix f;
    trawl_db *w = NULL;
    struct tally t = {0};
    (void)state;

    make_dir(&f, "snipq");
    assert_int_equal(trawl_db_open(f.path, TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    for (size_t i = 0; i < sizeof articles / sizeof articles[0]; i++)
        put_json(w, articles[i]);
    assert_int_equal(trawl_db_commit(w), TRAWL_OK);
    for (size_t i = 0; i < sizeof fixture_queries / sizeof fixture_queries[0]; i++) {
        compare(w, fixture_queries[i], 200, &t, 1);
        compare(w, fixture_queries[i], 40, &t, 1); /* windows inside even short texts */
    }
    report("fixtures", &t);
    assert_true(t.hits > 100);
    assert_int_equal(t.identical, t.hits);
    assert_int_equal(t.words_new, t.words_xapian);
    assert_int_equal(t.words_both, t.words_xapian);
    /* the prefilter's rule holds for every word of the fixtures (Reuters: test_reuters) */
    size_t words = 0;
    char *bad = NULL;
    if (db_stem_starts_hold(w, &words, &bad) != 1)
        fail_msg("a fixture word that does not start with its stem but the last letter: %s",
                 bad ? bad : "(error)");
    assert_true(words > 100);
    trawl_db_close(w);
    remove_dir(&f);
}

static void test_reuters(void **state)
{
    char corpus[1024], queries[1024], line[1024];
    struct fix f;
    trawl_db *w = NULL;
    struct tally t = {0};
    FILE *qf;
    size_t nq = 0;
    (void)state;

    if (!reuters_files("the Reuters comparison", corpus, sizeof corpus, queries,
                       sizeof queries))
        skip();
    make_dir(&f, "snipq-reuters");
    assert_int_equal(trawl_db_open(f.path, TRAWL_DB_WRITABLE, &w, NULL), TRAWL_OK);
    assert_int_equal(reuters_index(w, corpus), REUTERS_ARTICLES);
    assert_non_null(qf = fopen(queries, "r"));
    while (fgets(line, sizeof line, qf)) {
        line[strcspn(line, "\n")] = '\0';
        if (*line) {
            compare(w, line, 200, &t, getenv("TRAWL_SNIPPET_VERBOSE") != NULL);
            nq++;
        }
    }
    fclose(qf);
    printf("%zu queries\n", nq);
    report("reuters", &t);
    assert_true(t.hits > 5000);
    /* Never fewer highlighted words than Xapian; agreement on nearly every hit. */
    assert_true(t.words_new >= t.words_xapian);
    assert_true(t.words_both >= t.words_xapian * 0.999);
    assert_true(t.contains >= t.hits * 0.99);
    assert_true(t.identical >= t.hits * 0.995);
    /* The scan stems only words that start the way a match of a sought stem must: with
     * the stem but its last letter (engine/xapian.cc, start_of). So every word of the
     * corpus must start so. */
    size_t words = 0;
    char *bad = NULL;
    int held = db_stem_starts_hold(w, &words, &bad);
    if (held != 1)
        fail_msg("a word that does not start with its stem but the last letter: %s (%d)",
                 bad ? bad : "(error)", held);
    printf("prefilter: all %zu words of the corpus start with their stem but its last letter\n",
           words);
    assert_true(words > 40000);
    trawl_db_close(w);
    remove_dir(&f);
}

/* The fast tokeniser (plain ASCII words from the text's masks, anything unusual to the
 * plain tokeniser) reads every text into the same words as the plain one: random texts
 * made of the fragments Xapian's rules treat specially (acronyms, infixes, digit
 * separators, suffixes, non-ASCII letters and punctuation, zero-width characters, bytes
 * that are not UTF-8), at every length around the masks' 64-byte blocks. */
static void test_tokeniser_fast_path(void **state)
{
    static const char *const pieces[] = {
        " ", "  ", "\n", "\t", "a", "Z", "oil", "U.S.", "U.S.A", "A.", "a.b", "AT&T", "at&",
        "&t", "don't", "'", "&", "1,000.5", "3.5.", "1;2", ",", ".", ";", "C++", "C#", "c+++",
        "++", "#", "_", "x_y", "42", "caf\xc3\xa9", "\xc3\xa9", "\xe2\x80\x99s",
        "\xe2\x80\x8b", "\xc2\xb7", "\xff", "\x80", "\xe2\x80", "(", "\"", "-", "1\xe2\x80\x8b" "2",
        "\xd9\xa3", "A.B.", "e.g.", "\x01", "\x02",
    };
    char text[300];
    unsigned seed = 5;
    size_t texts = 0, where;
    (void)state;
    for (int round = 0; round < 20000; round++) {
        size_t len = 0, want = (size_t)round % 260;
        while (len < want) {
            seed = seed * 1103515245u + 12345u;
            const char *p = pieces[(seed >> 8) % (sizeof pieces / sizeof pieces[0])];
            size_t n = strlen(p);
            if (len + n > sizeof text - 1)
                break;
            memcpy(text + len, p, n);
            len += n;
        }
        text[len] = '\0';
        int ok = shim_tokens_agree(text, len, &where);
        if (ok != 1)
            fail_msg("the tokenisers part at byte %zu of '%s' (%d)", where, text, ok);
        texts++;
    }
    assert_int_equal(texts, 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokeniser_fast_path),
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_reuters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
