/*
 * test_article.c: cmocka tests of engine/article.c, the article model: validation of
 * JSON records (a table of good and bad ones), building and editing articles through the
 * public API, the date keys and the filter-field rules that indexing and query parsing
 * share. Run by `make check`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "article.h"
#include "trawl.h"

static void test_records(void **state)
{
    static const struct {
        const char *json;
        trawl_status want;
        const char *msg; /* a word the error message must contain */
    } cases[] = {
        {"{\"id\":\"a1\"}", TRAWL_OK, NULL},
        {"{\"id\":\"a1\",\"title\":\"T\",\"body\":\"B\",\"date\":\"1987-03-02\",\"url\":\"u\","
         "\"source\":\"s\",\"author\":\"x\",\"topics\":[\"grain\"],\"n\":3}",
         TRAWL_OK, NULL},
        {"{\"id\":\"a1\",\"date\":\"1987-02-26T15:01:01Z\"}", TRAWL_OK, NULL},
        {"{\"id\":\"a1\",\"date\":\"1987-02-26T15:01+02:00\"}", TRAWL_OK, NULL},
        {"{\"id\":\"a1\",\"date\":\"2024-02-29T23:59:60.123-0130\"}", TRAWL_OK, NULL},
        {"{\"id\":\"a1\",\"title\":null}", TRAWL_OK, NULL},
        {"{\"id\":\"\\u00e9t\\u00e9\",\"title\":\"caf\\u00e9 \\u4e2d\\u6587\"}", TRAWL_OK, NULL},
        {"{\"title\":\"no id\"}", TRAWL_EINVAL, "id"},
        {"{\"id\":42}", TRAWL_EINVAL, "id"},
        {"{\"id\":\"\"}", TRAWL_EINVAL, "id"},
        {"{\"id\":\"a\",\"title\":12}", TRAWL_EINVAL, "title"},
        {"{\"id\":\"a\",\"body\":[\"x\"]}", TRAWL_EINVAL, "body"},
        {"{\"id\":\"a\",\"date\":\"yesterday\"}", TRAWL_EINVAL, "date"},
        {"{\"id\":\"a\",\"date\":\"1987-02-30\"}", TRAWL_EINVAL, "date"},
        {"{\"id\":\"a\",\"date\":\"1987-2-3\"}", TRAWL_EINVAL, "date"},
        {"{\"id\":\"a\",\"date\":\"1987-02-03T25:00\"}", TRAWL_EINVAL, "date"},
        {"{\"id\":\"a\",\"date\":\"1987-02-03T10:00Q\"}", TRAWL_EINVAL, "date"},
        {"{\"id\":\"a\",\"date\":\"1987\"}", TRAWL_EINVAL, "date"},
        {"{\"id\":\"a\",\"id\":\"b\"}", TRAWL_EINVAL, "duplicate"},
        {"[{\"id\":\"a\"}]", TRAWL_EINVAL, "object"},
        {"\"id\"", TRAWL_EINVAL, NULL},
        {"{\"id\":\"a\"", TRAWL_EINVAL, NULL},
        {"{\"id\":\"a\"} {\"id\":\"b\"}", TRAWL_EINVAL, NULL},
        {"{\"id\":\"a\xff\"}", TRAWL_EINVAL, "UTF-8"},
        {"{\"id\":\"a\\u0000b\"}", TRAWL_EINVAL, NULL},
        {"", TRAWL_EINVAL, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        trawl_article *a = NULL;
        char *msg = NULL;
        trawl_status st = trawl_article_from_json(cases[i].json, strlen(cases[i].json), &a, &msg);
        if (st != cases[i].want || (st == TRAWL_OK) != (a != NULL) ||
            (cases[i].msg && (!msg || !strstr(msg, cases[i].msg))))
            fail_msg("case %zu (%s): status %s, message '%s'", i, cases[i].json,
                     trawl_status_name(st), msg ? msg : "(none)");
        if (st != TRAWL_OK)
            assert_non_null(msg);
        free(msg);
        trawl_article_free(a);
    }
}

static void test_too_deep(void **state)
{
    char json[4096];
    size_t n = 0;
    trawl_article *a = NULL;
    char *msg = NULL;
    (void)state;
    n += sprintf(json + n, "{\"id\":\"deep\",\"x\":");
    for (int i = 0; i < ARTICLE_MAX_DEPTH + 2; i++)
        json[n++] = '[';
    for (int i = 0; i < ARTICLE_MAX_DEPTH + 2; i++)
        json[n++] = ']';
    json[n++] = '}';
    assert_int_equal(trawl_article_from_json(json, n, &a, &msg), TRAWL_EINVAL);
    assert_non_null(strstr(msg, "nested"));
    assert_null(a);
    free(msg);
}

static void test_roundtrip(void **state)
{
    const char *in = "{\"id\":\"r1\",\"title\":\"Caf\\u00e9\",\"topics\":[\"a\",\"b\"],"
                     "\"meta\":{\"n\":1,\"deep\":[true,null]},\"z\":1.5}";
    trawl_article *a = NULL;
    char *out = NULL;
    (void)state;
    assert_int_equal(trawl_article_from_json(in, strlen(in), &a, NULL), TRAWL_OK);
    assert_string_equal(trawl_article_id(a), "r1");
    assert_string_equal(trawl_article_get(a, "title"), "Caf\xc3\xa9");
    assert_null(trawl_article_get(a, "topics")); /* not a string */
    assert_null(trawl_article_get(a, "missing"));
    assert_int_equal(trawl_article_to_json(a, &out), TRAWL_OK);
    /* stored order kept, nested values kept, compact */
    assert_string_equal(out, "{\"id\":\"r1\",\"title\":\"Caf\xc3\xa9\",\"topics\":[\"a\",\"b\"],"
                             "\"meta\":{\"n\":1,\"deep\":[true,null]},\"z\":1.5}");
    free(out);
    trawl_article_free(a);
}

static void test_new_and_set(void **state)
{
    trawl_article *a = NULL;
    char *out = NULL;
    (void)state;
    assert_int_equal(trawl_article_new(NULL, &a), TRAWL_EINVAL);
    assert_int_equal(trawl_article_new("", &a), TRAWL_EINVAL);
    assert_int_equal(trawl_article_new("bad\xc3", &a), TRAWL_EINVAL);
    assert_null(a);
    assert_int_equal(trawl_article_new("n1", &a), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "title", "First"), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "body", "Body"), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "title", "Second"), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "date", "2001-09-11T08:46:00-04:00"), TRAWL_OK);
    assert_int_equal(trawl_article_set(a, "date", "2001-13-01"), TRAWL_EINVAL);
    assert_int_equal(trawl_article_set(a, "id", "other"), TRAWL_EINVAL);
    assert_int_equal(trawl_article_set(a, "", "x"), TRAWL_EINVAL);
    assert_int_equal(trawl_article_set(a, NULL, "x"), TRAWL_EINVAL);
    assert_int_equal(trawl_article_set(a, "title", "bad \xff"), TRAWL_EINVAL);
    assert_int_equal(trawl_article_set(a, "bad\xff", "x"), TRAWL_EINVAL);
    assert_int_equal(trawl_article_set(a, "place", "usa"), TRAWL_OK);
    assert_string_equal(trawl_article_get(a, "title"), "Second");
    assert_int_equal(trawl_article_to_json(a, &out), TRAWL_OK);
    assert_string_equal(out, "{\"id\":\"n1\",\"title\":\"Second\",\"body\":\"Body\","
                             "\"date\":\"2001-09-11T08:46:00-04:00\",\"place\":\"usa\"}");
    free(out);
    trawl_article_free(a);
    trawl_article_free(NULL);
}

static void test_date_keys(void **state)
{
    static const struct {
        const char *in;
        article_date_mode mode;
        const char *key; /* NULL: rejected */
    } cases[] = {
        {"1987-03-02", DATE_ARTICLE, "19870302000000"},
        {"1987-03-02T15:01:01Z", DATE_ARTICLE, "19870302150101"},
        {"1987-03-02T15:01", DATE_ARTICLE, "19870302150100"},
        {"1987-03-02T01:30:00+02:00", DATE_ARTICLE, "19870301233000"},
        {"1987-12-31T23:30-01:00", DATE_ARTICLE, "19880101003000"},
        {"0001-01-01", DATE_ARTICLE, "00010101000000"},
        {"1987-03", DATE_ARTICLE, NULL},
        {"1987-03-02T", DATE_ARTICLE, NULL},
        {"1987-03-02 15:01", DATE_ARTICLE, NULL},
        {"1987-03-02T15:01:01.Z", DATE_ARTICLE, NULL},
        {"1987", DATE_RANGE_START, "19870101000000"},
        {"1987", DATE_RANGE_END, "19871231235959"},
        {"1988-02", DATE_RANGE_END, "19880229235959"},
        {"1987-03-31", DATE_RANGE_END, "19870331235959"},
        {"1987-03-31T10:15", DATE_RANGE_END, "19870331101559"},
        {"1987-03-31T10:15:20", DATE_RANGE_END, "19870331101520"},
        {"87", DATE_RANGE_START, NULL},
        {"1987-00", DATE_RANGE_START, NULL},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char key[ARTICLE_DATE_KEY_LEN + 1] = "";
        int r = article_date_key(cases[i].in, strlen(cases[i].in), cases[i].mode, key);
        if (cases[i].key ? r != 0 || strcmp(key, cases[i].key) != 0 : r == 0)
            fail_msg("case %zu (%s): got %d '%s', want '%s'", i, cases[i].in, r, key,
                     cases[i].key ? cases[i].key : "(rejected)");
    }
}

static void test_filter_rules(void **state)
{
    json_t *s = json_string("x"), *arr = json_pack("[ss]", "a", "b"),
           *mixed = json_pack("[si]", "a", 1), *num = json_integer(1);
    char *one;
    (void)state;
    assert_true(article_is_filter("topics", s));
    assert_true(article_is_filter("topics", arr));
    assert_true(article_is_filter("Field_9", s));
    assert_false(article_is_filter("topics", mixed));
    assert_false(article_is_filter("topics", num));
    assert_false(article_is_filter("title", s));
    assert_false(article_is_filter("bad-name", s));
    assert_false(article_is_filter("", s));
    assert_false(article_is_filter("a234567890123456789012345678901234", s));
    one = article_singular("topics");
    assert_string_equal(one, "topic");
    free(one);
    assert_null(article_singular("place"));
    assert_null(article_singular("s"));
    json_decref(s);
    json_decref(arr);
    json_decref(mixed);
    json_decref(num);
}

static void test_terms(void **state)
{
    char *t = NULL, id[400];
    (void)state;
    assert_int_equal(article_filter_term("topics", "GRAIN \xc3\x89t\xc3\xa9", &t), TRAWL_OK);
    assert_string_equal(t, "XTOPICS:grain \xc3\xa9t\xc3\xa9");
    free(t);
    /* a long value is cut at a character boundary, under the term limit */
    char value[600] = "";
    for (int i = 0; i < 150; i++)
        strcat(value, "\xc3\xa9"); /* 2-byte characters */
    strcat(value, "x");
    assert_int_equal(article_filter_term("f", value, &t), TRAWL_OK);
    assert_true(strlen(t) <= 240);
    assert_true(((unsigned char)t[strlen(t) - 1] & 0xC0) != 0xC0); /* no dangling lead */
    assert_int_equal((strlen(t) - 3) % 2, 0);
    free(t);
    assert_int_equal(article_id_term("short", &t), TRAWL_OK);
    assert_string_equal(t, "Qshort");
    free(t);
    memset(id, 'a', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    char *t2 = NULL;
    assert_int_equal(article_id_term(id, &t), TRAWL_OK);
    id[300] = 'b'; /* same first 160 bytes, different id */
    assert_int_equal(article_id_term(id, &t2), TRAWL_OK);
    assert_true(strlen(t) < 200);
    assert_string_not_equal(t, t2);
    free(t);
    free(t2);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(trawl_status_name(TRAWL_EQUERY), "bad_query");
    assert_string_equal(trawl_status_name(TRAWL_ELOCKED), "locked");
    assert_string_equal(trawl_status_name(TRAWL_ENOTFOUND), "not_found");
    assert_string_equal(trawl_status_name(TRAWL_ECORRUPT), "corrupt");
    assert_string_equal(trawl_status_name(TRAWL_ETOOLARGE), "too_large");
    assert_string_equal(trawl_strerror((trawl_status)99), "unknown status");
    for (int st = TRAWL_OK; st <= TRAWL_EINTERNAL; st++)
        assert_true(*trawl_strerror((trawl_status)st) && *trawl_status_name((trawl_status)st));
    assert_string_equal(trawl_version(), TRAWL_VERSION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),     cmocka_unit_test(test_too_deep),
        cmocka_unit_test(test_roundtrip),   cmocka_unit_test(test_new_and_set),
        cmocka_unit_test(test_date_keys),   cmocka_unit_test(test_filter_rules),
        cmocka_unit_test(test_terms),       cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
