/*
 * dr-schedule.c: when each monitored domain is measured next
 *
 * See dr-schedule.h.  A handful to a few hundred domains: a hash table
 * scanned when asked is simpler than a heap and fast enough.
 */
#include <config.h>

#include <math.h>

#include "dr-schedule.h"

typedef struct {
    char *id;
    int64_t every_us;
    int64_t due_us;
    int64_t last_us;     /* the last measurement's end; -1: none yet */
    gboolean running;
    gboolean migrating;
} Entry;

struct _DrSchedule {
    GHashTable *entries; /* id -> Entry */
    unsigned int max_running;
    unsigned int running;
    double jitter;
    GRand *rand;
};

static void
entry_free(gpointer p)
{
    Entry *e = p;
    g_free(e->id);
    g_free(e);
}

DrSchedule *
dr_schedule_new(unsigned int max_running, double jitter, uint64_t seed)
{
    DrSchedule *s = g_new0(DrSchedule, 1);

    s->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, entry_free);
    s->max_running = MAX(max_running, 1);
    s->jitter = isfinite(jitter) ? CLAMP(jitter, 0, DR_SCHEDULE_JITTER_MAX) : 0;
    s->rand = seed ? g_rand_new_with_seed((guint32)(seed ^ (seed >> 32))) : g_rand_new();
    return s;
}

void
dr_schedule_free(DrSchedule *s)
{
    if (!s)
        return;
    g_hash_table_unref(s->entries);
    g_rand_free(s->rand);
    g_free(s);
}

/* every x (1 + u), u uniform in [-jitter, jitter]; at least 1 ms. */
static int64_t
interval(DrSchedule *s, int64_t every_us)
{
    double u = s->jitter > 0 ? g_rand_double_range(s->rand, -s->jitter, s->jitter) : 0;
    return MAX((int64_t)llround((double)every_us * (1.0 + u)), 1000);
}

void
dr_schedule_set(DrSchedule *s, const char *id, int64_t every_us, int64_t now_us)
{
    Entry *e = g_hash_table_lookup(s->entries, id);

    every_us = MAX(every_us, 1000);
    if (e) {
        if (e->every_us != every_us) {
            e->every_us = every_us;
            e->due_us = (e->last_us >= 0 ? e->last_us : now_us) + interval(s, every_us);
        }
        return;
    }
    e = g_new0(Entry, 1);
    e->id = g_strdup(id);
    e->every_us = every_us;
    e->last_us = -1;
    e->due_us = now_us + (int64_t)llround(g_rand_double(s->rand) *
                                          (double)MIN(every_us, DR_SCHEDULE_FIRST_SPREAD_US));
    g_hash_table_insert(s->entries, e->id, e);
}

void
dr_schedule_remove(DrSchedule *s, const char *id)
{
    Entry *e = g_hash_table_lookup(s->entries, id);

    if (!e)
        return;
    if (e->running)
        s->running--;
    g_hash_table_remove(s->entries, id);
}

void
dr_schedule_set_migrating(DrSchedule *s, const char *id, gboolean migrating)
{
    Entry *e = g_hash_table_lookup(s->entries, id);

    if (e)
        e->migrating = migrating;
}

static gint
by_due(gconstpointer a, gconstpointer b)
{
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
    if (x->due_us != y->due_us)
        return x->due_us < y->due_us ? -1 : 1;
    return g_strcmp0(x->id, y->id);
}

GPtrArray *
dr_schedule_take_due(DrSchedule *s, int64_t now_us)
{
    g_autoptr(GPtrArray) due = g_ptr_array_new();
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, s->entries);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Entry *e = v;
        if (!e->running && !e->migrating && e->due_us <= now_us)
            g_ptr_array_add(due, e);
    }
    g_ptr_array_sort(due, by_due);
    for (guint i = 0; i < due->len && s->running < s->max_running; i++) {
        Entry *e = g_ptr_array_index(due, i);
        e->running = TRUE;
        s->running++;
        g_ptr_array_add(out, g_strdup(e->id));
    }
    return out;
}

void
dr_schedule_done(DrSchedule *s, const char *id, int64_t now_us)
{
    Entry *e = g_hash_table_lookup(s->entries, id);

    if (!e || !e->running)
        return;
    e->running = FALSE;
    s->running--;
    e->last_us = now_us;
    e->due_us = now_us + interval(s, e->every_us);
}

int64_t
dr_schedule_next_due(const DrSchedule *s)
{
    int64_t next = G_MAXINT64;
    GHashTableIter it;
    gpointer v;

    if (s->running >= s->max_running)
        return G_MAXINT64;
    g_hash_table_iter_init(&it, s->entries);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const Entry *e = v;
        if (!e->running && !e->migrating)
            next = MIN(next, e->due_us);
    }
    return next;
}

unsigned int
dr_schedule_behind(const DrSchedule *s, int64_t now_us)
{
    unsigned int n = 0;
    GHashTableIter it;
    gpointer v;

    g_hash_table_iter_init(&it, s->entries);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        const Entry *e = v;
        n += !e->running && !e->migrating && now_us - e->due_us > e->every_us / 2;
    }
    return n;
}

unsigned int
dr_schedule_running(const DrSchedule *s)
{
    return s->running;
}
