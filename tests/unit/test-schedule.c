/*
 * test-schedule.c: the daemon's measurement schedule
 *
 * Times are monotonic microseconds; the seeds are fixed, and every check
 * is a bound that holds for any draw, not a fitted figure.
 */
#include <config.h>

#include "dr-schedule.h"

#define S ((int64_t)G_USEC_PER_SEC)

static guint
take(DrSchedule *s, int64_t now, const char *want0)
{
    g_autoptr(GPtrArray) due = dr_schedule_take_due(s, now);
    if (want0 && due->len)
        g_assert_cmpstr(g_ptr_array_index(due, 0), ==, want0);
    return due->len;
}

/* A new domain falls due within its first interval; after each
 * measurement, one interval (within the jitter) later. */
static void
test_intervals(void)
{
    g_autoptr(DrSchedule) s = dr_schedule_new(4, 0.1, 42);
    int64_t now = 1000 * S, due;

    dr_schedule_set(s, "a", 60 * S, now);
    due = dr_schedule_next_due(s);
    g_assert_cmpint(due, >=, now);
    g_assert_cmpint(due, <=, now + 60 * S);
    g_assert_cmpuint(take(s, due - 1, NULL), ==, 0);
    for (int i = 0; i < 50; i++) {
        g_assert_cmpuint(take(s, due, "a"), ==, 1);
        g_assert_cmpint(dr_schedule_next_due(s), ==, G_MAXINT64);
        now = due + 3 * S; /* the measurement took 3 s */
        dr_schedule_done(s, "a", now);
        due = dr_schedule_next_due(s);
        g_assert_cmpint(due, >=, now + 54 * S);
        g_assert_cmpint(due, <=, now + 66 * S);
    }
}

/* 100 domains added at once spread over the first minute (their
 * interval is 5), and at most
 * max_running are measured at once, earliest first. */
static void
test_spread_and_limit(void)
{
    g_autoptr(DrSchedule) s = dr_schedule_new(2, 0.1, 7);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
    int64_t now = 0, dues[100];

    for (int i = 0; i < 100; i++) {
        g_autofree char *id = g_strdup_printf("dom-%03d", i);
        dr_schedule_set(s, id, 300 * S, now);
    }
    /* Draining them at the end of the interval: 2 at a time. */
    for (int i = 0; i < 100; i += 2) {
        g_autoptr(GPtrArray) due = dr_schedule_take_due(s, 300 * S);
        g_assert_cmpuint(due->len, ==, 2);
        g_assert_cmpuint(dr_schedule_running(s), ==, 2);
        g_assert_cmpint(dr_schedule_next_due(s), ==, G_MAXINT64);
        for (guint k = 0; k < due->len; k++)
            dr_schedule_done(s, g_ptr_array_index(due, k), 300 * S);
    }
    g_assert_cmpuint(dr_schedule_running(s), ==, 0);
    /* A fresh schedule: the first dues are spread, not bunched. */
    {
        g_autoptr(DrSchedule) t = dr_schedule_new(1, 0, 9);
        for (int i = 0; i < 100; i++) {
            g_autofree char *id = g_strdup_printf("dom-%03d", i);
            g_autoptr(GPtrArray) due = NULL;
            dr_schedule_set(t, id, 300 * S, now);
            dues[i] = dr_schedule_next_due(t);
            g_assert_cmpint(dues[i], >=, 0);
            g_assert_cmpint(dues[i], <=, 60 * S);
            /* Take it out of the way, so the next one's due shows. */
            due = dr_schedule_take_due(t, dues[i]);
            g_assert_cmpuint(due->len, ==, 1);
            dr_schedule_done(t, id, 10000 * S);
            g_hash_table_add(seen, &dues[i]);
        }
        g_assert_cmpuint(g_hash_table_size(seen), >=, 95);
    }
}

/* Falling behind: more than half an interval late, and waiting. */
static void
test_behind(void)
{
    g_autoptr(DrSchedule) s = dr_schedule_new(1, 0, 5);
    g_autoptr(DrSchedule) one = dr_schedule_new(1, 0, 6);
    g_autoptr(GPtrArray) due = NULL;
    int64_t t, d;

    /* Half an interval late is not yet behind. */
    dr_schedule_set(one, "x", 10 * S, 0);
    d = dr_schedule_next_due(one);
    g_assert_cmpuint(dr_schedule_behind(one, d + 5 * S), ==, 0);
    g_assert_cmpuint(dr_schedule_behind(one, d + 5 * S + 1), ==, 1);

    /* One measured at a time: the other two fell due by 10 s. */
    dr_schedule_set(s, "a", 10 * S, 0);
    dr_schedule_set(s, "b", 10 * S, 0);
    dr_schedule_set(s, "c", 10 * S, 0);
    g_assert_cmpuint(dr_schedule_behind(s, 0), ==, 0);
    due = dr_schedule_take_due(s, 10 * S);
    g_assert_cmpuint(due->len, ==, 1);
    g_assert_cmpuint(dr_schedule_behind(s, 15 * S + 1), <=, 2);
    g_assert_cmpuint(dr_schedule_behind(s, 20 * S + 1), ==, 2);
    /* Migrating domains wait by design. */
    dr_schedule_set_migrating(s, "b", TRUE);
    dr_schedule_set_migrating(s, "c", TRUE);
    g_assert_cmpuint(dr_schedule_behind(s, 20 * S + 1), ==, 0);
    dr_schedule_set_migrating(s, "b", FALSE);
    dr_schedule_set_migrating(s, "c", FALSE);
    /* Measured in turn, each within its interval: none behind. */
    t = 20 * S;
    dr_schedule_done(s, g_ptr_array_index(due, 0), t);
    for (int i = 0; i < 2; i++) {
        g_autoptr(GPtrArray) next = dr_schedule_take_due(s, t);
        g_assert_cmpuint(next->len, ==, 1);
        dr_schedule_done(s, g_ptr_array_index(next, 0), t + 1 * S);
        t += 1 * S;
    }
    g_assert_cmpuint(dr_schedule_behind(s, t), ==, 0);
}

/* Never during a migration; overdue afterwards, due at once. */
static void
test_migrating(void)
{
    g_autoptr(DrSchedule) s = dr_schedule_new(1, 0, 3);
    int64_t due;

    dr_schedule_set(s, "a", 10 * S, 0);
    dr_schedule_set(s, "b", 10 * S, 0);
    dr_schedule_set_migrating(s, "a", TRUE);
    g_assert_cmpuint(take(s, 100 * S, "b"), ==, 1);
    dr_schedule_done(s, "b", 100 * S);
    due = dr_schedule_next_due(s);
    g_assert_cmpint(due, ==, 110 * S);
    g_assert_cmpuint(take(s, 105 * S, NULL), ==, 0);
    dr_schedule_set_migrating(s, "a", FALSE);
    g_assert_cmpint(dr_schedule_next_due(s), <=, 10 * S);
    g_assert_cmpuint(take(s, 105 * S, "a"), ==, 1);
}

/* A domain that leaves mid-measurement frees its slot; its late "done"
 * changes nothing; unknown ids are ignored. */
static void
test_remove(void)
{
    g_autoptr(DrSchedule) s = dr_schedule_new(1, 0.2, 5);

    dr_schedule_set(s, "a", 10 * S, 0);
    dr_schedule_set(s, "b", 10 * S, 0);
    g_assert_cmpuint(take(s, 20 * S, NULL), ==, 1);
    g_assert_cmpuint(dr_schedule_running(s), ==, 1);
    dr_schedule_remove(s, "a");
    dr_schedule_remove(s, "b");
    g_assert_cmpuint(dr_schedule_running(s), ==, 0);
    dr_schedule_done(s, "a", 21 * S);
    dr_schedule_set_migrating(s, "zz", TRUE);
    dr_schedule_remove(s, "zz");
    g_assert_cmpuint(dr_schedule_running(s), ==, 0);
    g_assert_cmpint(dr_schedule_next_due(s), ==, G_MAXINT64);
    g_assert_cmpuint(take(s, 100 * S, NULL), ==, 0);
}

/* A new interval counts from the last measurement. */
static void
test_change_interval(void)
{
    g_autoptr(DrSchedule) s = dr_schedule_new(1, 0, 11);

    dr_schedule_set(s, "a", 600 * S, 0);
    g_assert_cmpuint(take(s, 600 * S, "a"), ==, 1);
    dr_schedule_done(s, "a", 600 * S);
    g_assert_cmpint(dr_schedule_next_due(s), ==, 1200 * S);
    dr_schedule_set(s, "a", 60 * S, 700 * S);
    g_assert_cmpint(dr_schedule_next_due(s), ==, 660 * S);
    /* The same interval again changes nothing. */
    dr_schedule_set(s, "a", 60 * S, 800 * S);
    g_assert_cmpint(dr_schedule_next_due(s), ==, 660 * S);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/schedule/intervals", test_intervals);
    g_test_add_func("/schedule/spread-and-limit", test_spread_and_limit);
    g_test_add_func("/schedule/behind", test_behind);
    g_test_add_func("/schedule/migrating", test_migrating);
    g_test_add_func("/schedule/remove", test_remove);
    g_test_add_func("/schedule/change-interval", test_change_interval);
    return g_test_run();
}
