/*
 * test_queue.c: unit tests of the read-ahead queue (protocol/queue.c): FIFO order, the
 * read-ahead bounds, and cancel marking (only earlier requests, matched by JSON equality
 * of id and target, not cancels themselves, each marked once, counted in the cancel).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "protocol/queue.h"

static void push(struct queue *q, const char *line)
{
    struct request r;
    request_parse(line, strlen(line), &r);
    assert_int_equal(queue_push(q, &r, strlen(line)), 0);
    assert_null(r.id); /* moved */
}

static void test_fifo(void **state)
{
    (void)state;
    struct queue q = QUEUE_INIT;
    push(&q, "ping");
    push(&q, "stats");
    push(&q, "{\"op\":\"quit\"}");
    assert_int_equal(q.count, 3);
    assert_int_equal(q.bytes, 4 + 5 + 13);
    static const request_op want[] = {REQ_PING, REQ_STATS, REQ_QUIT};
    for (int i = 0; i < 3; i++) {
        struct queue_entry *e = queue_pop(&q);
        assert_non_null(e);
        assert_int_equal(e->req.op, want[i]);
        assert_false(e->cancelled);
        queue_entry_free(e);
    }
    assert_null(queue_pop(&q));
    assert_int_equal(q.bytes, 0);
    assert_null(q.tail);
}

static void test_cancel(void **state)
{
    (void)state;
    struct queue q = QUEUE_INIT;
    char line[128];
    for (int i = 1; i <= 50; i++) {
        snprintf(line, sizeof line, "{\"id\":%d,\"op\":\"search\",\"q\":\"oil\"}", i);
        push(&q, line);
    }
    push(&q, "{\"id\":\"s\",\"op\":\"search\",\"q\":\"oil\"}");
    push(&q, "{\"id\":7,\"op\":\"lmit\"}");               /* a failed request, id 7 */
    push(&q, "{\"id\":7,\"op\":\"cancel\",\"target\":7}"); /* cancels 7 twice over */
    for (int i = 1; i <= 49; i++) {
        if (i == 7)
            continue;
        snprintf(line, sizeof line, "{\"id\":\"c%d\",\"op\":\"cancel\",\"target\":%d}", i, i);
        push(&q, line);
    }
    push(&q, "{\"op\":\"cancel\",\"target\":7}");     /* nothing left to cancel */
    push(&q, "{\"op\":\"cancel\",\"target\":\"s\"}");
    push(&q, "{\"op\":\"cancel\",\"target\":50.0}"); /* 50.0 is not 50 */
    push(&q, "{\"id\":1,\"op\":\"ping\"}");           /* after the cancel: runs */

    int seen = 0;
    struct queue_entry *e;
    json_t *seven = json_integer(7);
    while ((e = queue_pop(&q))) {
        seen++;
        json_t *id = e->req.id;
        if (e->req.op == REQ_CANCEL) {
            json_t *t = e->req.target;
            unsigned long want = json_equal(t, seven) ? (id ? 2 : 0)
                               : json_is_string(t) ? 1
                               : json_is_real(t) ? 0 : 1;
            if (e->req.cancelled != want)
                print_error("cancel %d: cancelled %lu, want %lu\n", seen, e->req.cancelled,
                            want);
            assert_int_equal(e->req.cancelled, want);
            assert_false(e->cancelled);
        } else if (seen <= 49 || seen == 51 || seen == 52) {
            assert_true(e->cancelled);
        } else {
            assert_false(e->cancelled); /* the 50th search, and the ping after the cancels */
        }
        queue_entry_free(e);
    }
    json_decref(seven);
    assert_int_equal(seen, 50 + 1 + 1 + 1 + 48 + 3 + 1);
}

static void test_bounds(void **state)
{
    (void)state;
    struct queue q = QUEUE_INIT;
    for (int i = 0; i < QUEUE_MAX_ENTRIES - 1; i++)
        push(&q, "ping");
    assert_true(queue_has_room(&q));
    push(&q, "ping");
    assert_false(queue_has_room(&q));
    queue_clear(&q);
    assert_int_equal(q.count, 0);
    struct request r;
    request_fail(&r, 0, ERR_TOO_LARGE, "big");
    assert_int_equal(queue_push(&q, &r, QUEUE_MAX_BYTES), 0);
    assert_false(queue_has_room(&q));
    queue_clear(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
