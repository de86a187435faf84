/*
 * test-qmp.c: the monitor layer, on QMP conversations recorded from QEMU
 * 7.2 (and, for KVM-only replies, written from QEMU's documentation)
 */
#include <config.h>

#include <string.h>

#include "dr-error.h"
#include "dr-qmpdirtyrate.h"
#include "dr-qmpxbzrle.h"
#include "qmp-replay.h"

static const DrQmpCalcDirtyRateArgs qemu72 = { TRUE, TRUE, TRUE, FALSE };

static void
test_page_sampling(void)
{
    g_autoptr(QmpReplay) r = qmp_replay_new("page-sampling.replies");
    DrQmp *qmp = qmp_replay_qmp(r);
    g_auto(DrQmpDirtyRateInfo) info = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_qmp_query_dirty_rate(qmp, &qemu72, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_UNSTARTED);
    g_assert_false(info.has_rate);
    g_assert_true(dr_qmp_calc_dirty_rate(qmp, &qemu72, DR_DIRTYRATE_MODE_PAGE_SAMPLING,
                                         1000, 512, &err));
    dr_qmp_dirty_rate_info_clear(&info);
    g_assert_true(dr_qmp_query_dirty_rate(qmp, &qemu72, &info, &err));
    g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_MEASURING);
    g_assert_cmpint(info.sample_pages, ==, 512);
    dr_qmp_dirty_rate_info_clear(&info);
    g_assert_true(dr_qmp_query_dirty_rate(qmp, &qemu72, &info, &err));
    g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_MEASURED);
    g_assert_true(info.has_rate);
    g_assert_cmpint(info.mib_per_s, ==, 60);
    g_assert_cmpint(info.calc_time, ==, 1);
    g_assert_cmpint(info.start_time, ==, 2637);
    g_assert_cmpint(info.mode, ==, DR_DIRTYRATE_MODE_PAGE_SAMPLING);
    g_assert_cmpuint(info.nvcpus, ==, 0);
    qmp_replay_assert_done(r);
}

static void
test_dirty_ring_vcpus(void)
{
    g_autoptr(QmpReplay) r = qmp_replay_new("dirty-ring-vcpus.replies");
    DrQmp *qmp = qmp_replay_qmp(r);
    g_auto(DrQmpDirtyRateInfo) info = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_qmp_calc_dirty_rate(qmp, &qemu72, DR_DIRTYRATE_MODE_DIRTY_RING,
                                         1000, 0, &err));
    g_assert_true(dr_qmp_query_dirty_rate(qmp, &qemu72, &info, &err));
    g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_MEASURING);
    dr_qmp_dirty_rate_info_clear(&info);
    g_assert_true(dr_qmp_query_dirty_rate(qmp, &qemu72, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpint(info.mode, ==, DR_DIRTYRATE_MODE_DIRTY_RING);
    g_assert_cmpint(info.mib_per_s, ==, 120);
    g_assert_cmpuint(info.nvcpus, ==, 2);
    g_assert_cmpint(info.vcpus[0].id, ==, 0);
    g_assert_cmpfloat(info.vcpus[0].mib_per_s, ==, 70);
    g_assert_cmpint(info.vcpus[1].id, ==, 1);
    g_assert_cmpfloat(info.vcpus[1].mib_per_s, ==, 50);
    qmp_replay_assert_done(r);
}

static void
test_already_measuring(void)
{
    g_autoptr(QmpReplay) r = qmp_replay_new("already-measuring.replies");
    DrQmp *qmp = qmp_replay_qmp(r);
    g_auto(DrQmpDirtyRateInfo) info = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_qmp_calc_dirty_rate(qmp, &qemu72, DR_DIRTYRATE_MODE_AUTO, 2000, 0, &err));
    g_assert_false(dr_qmp_calc_dirty_rate(qmp, &qemu72, DR_DIRTYRATE_MODE_AUTO, 1000, 0, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_FAILED);
    g_assert_cmpstr(err->message, ==,
                    "QEMU refused 'calc-dirty-rate': the dirty rate is already being measured.");
    g_assert_true(dr_qmp_query_dirty_rate(qmp, &qemu72, &info, NULL));
    g_assert_cmpint(info.mib_per_s, ==, 41);
    g_assert_cmpint(info.calc_time, ==, 2);
    qmp_replay_assert_done(r);
}

static void
test_qemu_refusals(void)
{
    DrQmpCalcDirtyRateArgs with_unit = qemu72;
    g_autoptr(GError) err = NULL;

    {
        g_autoptr(QmpReplay) r = qmp_replay_new("calc-time-unit-7.2.replies");
        /* A probe that wrongly believed in calc-time-unit gets QEMU's
         * refusal, not a crash. */
        with_unit.has_calc_time_unit = TRUE;
        g_assert_false(dr_qmp_calc_dirty_rate(qmp_replay_qmp(r), &with_unit,
                                              DR_DIRTYRATE_MODE_AUTO, 500, 0, &err));
        g_assert_nonnull(strstr(err->message, "Parameter 'calc-time-unit' is unexpected"));
        g_clear_error(&err);
        qmp_replay_assert_done(r);
    }
    {
        g_autoptr(QmpReplay) r = qmp_replay_new("sample-pages-range.replies");
        g_assert_false(dr_qmp_calc_dirty_rate(qmp_replay_qmp(r), &qemu72,
                                              DR_DIRTYRATE_MODE_AUTO, 1000, 50, &err));
        g_assert_nonnull(strstr(err->message, "sample-pages is out of range[128, 16384]"));
        qmp_replay_assert_done(r);
    }
}

static void
test_schema(void)
{
    DrQmpCalcDirtyRateArgs a;
    g_autoptr(GError) err = NULL;

    {
        g_autoptr(QmpReplay) r = qmp_replay_new("qmp-schema-7.2.replies");
        g_assert_true(dr_qmp_probe_calc_dirty_rate(qmp_replay_qmp(r), &a, &err));
        g_assert_true(a.has_command && a.has_mode && a.has_sample_pages);
        g_assert_false(a.has_calc_time_unit);
        qmp_replay_assert_done(r);
    }
    {
        g_autoptr(QmpReplay) r = qmp_replay_new("qmp-schema-8.2-fragment.replies");
        g_assert_true(dr_qmp_probe_calc_dirty_rate(qmp_replay_qmp(r), &a, &err));
        g_assert_true(a.has_command && a.has_mode && a.has_sample_pages &&
                      a.has_calc_time_unit);
        qmp_replay_assert_done(r);
    }
    {
        g_autoptr(QmpReplay) r = qmp_replay_new("qmp-schema-5.1-fragment.replies");
        g_assert_true(dr_qmp_probe_calc_dirty_rate(qmp_replay_qmp(r), &a, &err));
        g_assert_false(a.has_command);
        qmp_replay_assert_done(r);
    }
}

static void
test_malformed(void)
{
    g_autoptr(QmpReplay) r = qmp_replay_new("malformed.replies");
    static const char *const expect[] = {
        "invalid 'dirty-rate'",   /* negative */
        "invalid 'status'",       /* unknown status */
        "invalid 'sample-pages'", /* a string */
        "invalid 'dirty-rate'",   /* measured without a rate */
        "invalid 'vcpu-dirty-rate'", /* a vCPU twice */
        "invalid 'sample-pages'", /* out of range */
        "invalid 'vcpu-dirty-rate'", /* a vCPU id as a string */
        "invalid 'vcpu-dirty-rate'", /* a negative vCPU rate */
        "invalid 'vcpu-dirty-rate'", /* a vCPU without a rate */
        "invalid 'vcpu-dirty-rate'", /* a vCPU id out of range */
        "invalid 'vcpu-dirty-rate'", /* a vCPU that is not an object */
        "is not a QMP reply",     /* an array */
        "is not a QMP reply",     /* truncated */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        g_auto(DrQmpDirtyRateInfo) info = { 0 };
        g_autoptr(GError) err = NULL;
        g_assert_false(dr_qmp_query_dirty_rate(qmp_replay_qmp(r), &qemu72, &info, &err));
        g_assert_error(err, DR_ERROR, DR_ERROR_PROTOCOL);
        if (!strstr(err->message, expect[i]))
            g_error("case %zu: '%s' does not say '%s'", i + 1, err->message, expect[i]);
        g_assert_null(info.vcpus);
    }
    qmp_replay_assert_done(r);
}

/* XBZRLE as QEMU reports it: before, during and after a migration. */
static void
test_xbzrle(void)
{
    g_autoptr(QmpReplay) r = qmp_replay_new("xbzrle.replies");
    g_auto(DrQmpXbzrle) x = { 0 };
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_qmp_xbzrle_query(qmp_replay_qmp(r), &x, &err));
    g_assert_no_error(err);
    g_assert_false(x.capability);
    g_assert_cmpuint(x.cache_size, ==, 64 << 20);
    g_assert_null(x.status);
    g_assert_false(x.have_stats);
    dr_qmp_xbzrle_clear(&x);

    g_assert_true(dr_qmp_xbzrle_query(qmp_replay_qmp(r), &x, &err));
    g_assert_true(x.capability);
    g_assert_cmpuint(x.cache_size, ==, 512 << 20);
    g_assert_cmpstr(x.status, ==, "active");
    g_assert_true(x.have_stats);
    g_assert_cmpuint(x.pages, ==, 65536);
    g_assert_cmpuint(x.cache_miss, ==, 2048);
    g_assert_cmpfloat(x.cache_miss_rate, ==, 0.0312);
    g_assert_true(x.have_encoding_rate);
    g_assert_cmpfloat(x.encoding_rate, ==, 151.7);
    dr_qmp_xbzrle_clear(&x);

    /* Integer zeros where the schema says number. */
    g_assert_true(dr_qmp_xbzrle_query(qmp_replay_qmp(r), &x, &err));
    g_assert_cmpstr(x.status, ==, "completed");
    g_assert_cmpfloat(x.cache_miss_rate, ==, 0);
    g_assert_cmpfloat(x.encoding_rate, ==, 0);
    qmp_replay_assert_done(r);
}

static void
test_xbzrle_malformed(void)
{
    g_autoptr(QmpReplay) r = qmp_replay_new("xbzrle-malformed.replies");
    static const char *const expect[] = {
        "query-migrate-capabilities reply has a missing or invalid 'return'",
        "invalid 'capability'",
        "invalid 'xbzrle-cache-size'", /* negative */
        "invalid 'xbzrle-cache-size'", /* missing */
        "invalid 'cache-miss-rate'",   /* above 1 */
        "invalid 'pages'",             /* a string */
        "invalid 'status'",            /* a number */
        "invalid 'multifd-channels'",  /* 0 */
        "invalid 'multifd-compression'", /* not an enum name */
    };

    for (size_t i = 0; i < G_N_ELEMENTS(expect); i++) {
        g_auto(DrQmpXbzrle) x = { 0 };
        g_autoptr(GError) err = NULL;
        g_assert_false(dr_qmp_xbzrle_query(qmp_replay_qmp(r), &x, &err));
        g_assert_error(err, DR_ERROR, DR_ERROR_PROTOCOL);
        if (!strstr(err->message, expect[i]))
            g_error("case %zu: '%s' does not say '%s'", i + 1, err->message, expect[i]);
        g_assert_null(x.status);
    }
    qmp_replay_assert_done(r);
}

/*
 * Conversations recorded by tests/qmp/record on each bed, replayed
 * through the same parsing code: one entry per QEMU version.
 */
typedef struct {
    const char *version;      /* the suffix of the recorded files */
    DrQmpCalcDirtyRateArgs args; /* what its schema says */
    int64_t rate_mib;         /* the recorded page-sampling rate */
    uint64_t xbzrle_pages;    /* during the migration, first snapshot */
    uint64_t xbzrle_misses;
} Recorded;

static const Recorded recorded[] = {
    { "7.2", { TRUE, TRUE, TRUE, FALSE }, 34, 1248, 65839 },
    { "10.0", { TRUE, TRUE, TRUE, TRUE }, 36, 8110, 65836 },
};

static void
test_recorded_page_sampling(gconstpointer data)
{
    const Recorded *rec = data;
    g_autofree char *name = g_strdup_printf("page-sampling-%s.replies", rec->version);
    g_autoptr(QmpReplay) r = qmp_replay_new(name);
    DrQmp *qmp = qmp_replay_qmp(r);
    g_auto(DrQmpDirtyRateInfo) info = { 0 };
    g_autoptr(GError) err = NULL;
    int polls = 0;

    g_assert_true(dr_qmp_query_dirty_rate(qmp, &rec->args, &info, &err));
    g_assert_no_error(err);
    g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_UNSTARTED);
    g_assert_true(dr_qmp_calc_dirty_rate(qmp, &rec->args, DR_DIRTYRATE_MODE_PAGE_SAMPLING,
                                         1000, 512, &err));
    do {
        dr_qmp_dirty_rate_info_clear(&info);
        g_assert_true(dr_qmp_query_dirty_rate(qmp, &rec->args, &info, &err));
        g_assert_cmpint(info.sample_pages, ==, 512);
        g_assert_cmpint(info.mode, ==, DR_DIRTYRATE_MODE_PAGE_SAMPLING);
        polls++;
    } while (info.status == DR_QMP_DIRTYRATE_MEASURING);
    g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_MEASURED);
    g_assert_true(info.has_rate);
    g_assert_cmpint(info.mib_per_s, ==, rec->rate_mib);
    /* Asked in milliseconds where the schema allows it. */
    g_assert_cmpint(info.calc_time, ==, rec->args.has_calc_time_unit ? 1000 : 1);
    g_assert_cmpint(info.calc_time_ms, ==, rec->args.has_calc_time_unit);
    g_assert_cmpint(polls, >=, 2);
    qmp_replay_assert_done(r);
}

/* A 500 ms period: QEMU 10.0 measures it and, asked for milliseconds,
 * says so (QEMU 7.2's refusal of the unit: test_qemu_refusals). */
static void
test_recorded_sub_second(void)
{
    g_autoptr(GError) err = NULL;

    {
        g_autoptr(QmpReplay) r = qmp_replay_new("calc-time-unit-10.0.replies");
        DrQmp *qmp = qmp_replay_qmp(r);
        const DrQmpCalcDirtyRateArgs *a = &recorded[1].args;
        g_auto(DrQmpDirtyRateInfo) info = { 0 };

        g_assert_true(dr_qmp_calc_dirty_rate(qmp, a, DR_DIRTYRATE_MODE_PAGE_SAMPLING, 500, 512, &err));
        g_assert_no_error(err);
        do {
            dr_qmp_dirty_rate_info_clear(&info);
            g_assert_true(dr_qmp_query_dirty_rate(qmp, a, &info, &err));
            g_assert_no_error(err);
        } while (info.status == DR_QMP_DIRTYRATE_MEASURING);
        g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_MEASURED);
        g_assert_true(info.calc_time_ms);
        g_assert_cmpint(info.calc_time, ==, 500);
        g_assert_cmpint(info.mib_per_s, ==, 32);
        qmp_replay_assert_done(r);
    }
    {
        /* Read back in seconds, the period is 0: refused, not divided by. */
        g_autoptr(QmpReplay) r = qmp_replay_new("calc-time-unit-10.0-in-seconds.replies");
        DrQmp *qmp = qmp_replay_qmp(r);
        g_auto(DrQmpDirtyRateInfo) info = { 0 };

        g_assert_true(dr_qmp_calc_dirty_rate(qmp, &recorded[1].args, DR_DIRTYRATE_MODE_PAGE_SAMPLING,
                                             500, 512, &err));
        g_assert_true(dr_qmp_query_dirty_rate(qmp, NULL, &info, &err));
        g_assert_cmpint(info.status, ==, DR_QMP_DIRTYRATE_MEASURING);
        dr_qmp_dirty_rate_info_clear(&info);
        g_assert_true(dr_qmp_query_dirty_rate(qmp, NULL, &info, &err));
        dr_qmp_dirty_rate_info_clear(&info);
        g_assert_false(dr_qmp_query_dirty_rate(qmp, NULL, &info, &err));
        g_assert_error(err, DR_ERROR, DR_ERROR_PROTOCOL);
        g_assert_nonnull(strstr(err->message, "period of 0 s"));
        g_clear_error(&err);
        qmp_replay_assert_done(r);
    }
}

static void
test_recorded_schema(gconstpointer data)
{
    const Recorded *rec = data;
    g_autofree char *name = g_strdup_printf("qmp-schema-%s.replies", rec->version);
    g_autoptr(QmpReplay) r = qmp_replay_new(name);
    DrQmpCalcDirtyRateArgs a;
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_qmp_probe_calc_dirty_rate(qmp_replay_qmp(r), &a, &err));
    g_assert_no_error(err);
    g_assert_cmpint(a.has_command, ==, rec->args.has_command);
    g_assert_cmpint(a.has_mode, ==, rec->args.has_mode);
    g_assert_cmpint(a.has_sample_pages, ==, rec->args.has_sample_pages);
    g_assert_cmpint(a.has_calc_time_unit, ==, rec->args.has_calc_time_unit);
    qmp_replay_assert_done(r);
}

static void
test_recorded_xbzrle(gconstpointer data)
{
    const Recorded *rec = data;
    g_autofree char *name = g_strdup_printf("xbzrle-%s.replies", rec->version);
    g_autoptr(QmpReplay) r = qmp_replay_new(name);
    g_auto(DrQmpXbzrle) x = { 0 };
    g_autoptr(GError) err = NULL;

    /* Before: off, QEMU's default 64 MiB cache, no migration; multifd
     * off with its defaults, 2 channels, no compression. */
    g_assert_true(dr_qmp_xbzrle_query(qmp_replay_qmp(r), &x, &err));
    g_assert_no_error(err);
    g_assert_false(x.capability);
    g_assert_cmpuint(x.cache_size, ==, 64 << 20);
    g_assert_null(x.status);
    g_assert_false(x.have_stats);
    g_assert_false(x.multifd);
    g_assert_cmpuint(x.multifd_channels, ==, 2);
    g_assert_cmpstr(x.multifd_compression, ==, "none");
    dr_qmp_xbzrle_clear(&x);

    /* During, twice: the counters only grow. */
    g_assert_true(dr_qmp_xbzrle_query(qmp_replay_qmp(r), &x, &err));
    g_assert_true(x.capability);
    g_assert_false(x.multifd);
    g_assert_cmpuint(x.cache_size, ==, 512 << 20);
    g_assert_cmpstr(x.status, ==, "active");
    g_assert_true(x.have_stats);
    g_assert_cmpuint(x.pages, ==, rec->xbzrle_pages);
    g_assert_cmpuint(x.cache_miss, ==, rec->xbzrle_misses);
    g_assert_cmpfloat(x.cache_miss_rate, >=, 0);
    g_assert_cmpfloat(x.cache_miss_rate, <=, 1);
    {
        uint64_t pages = x.pages, misses = x.cache_miss;

        dr_qmp_xbzrle_clear(&x);
        g_assert_true(dr_qmp_xbzrle_query(qmp_replay_qmp(r), &x, &err));
        g_assert_cmpstr(x.status, ==, "active");
        g_assert_cmpuint(x.pages, >=, pages);
        g_assert_cmpuint(x.cache_miss, >=, misses);
    }
    qmp_replay_assert_done(r);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qmp/xbzrle", test_xbzrle);
    g_test_add_func("/qmp/xbzrle-malformed", test_xbzrle_malformed);
    g_test_add_func("/qmp/page-sampling", test_page_sampling);
    g_test_add_func("/qmp/dirty-ring-vcpus", test_dirty_ring_vcpus);
    g_test_add_func("/qmp/already-measuring", test_already_measuring);
    g_test_add_func("/qmp/qemu-refusals", test_qemu_refusals);
    g_test_add_func("/qmp/schema", test_schema);
    g_test_add_func("/qmp/malformed", test_malformed);
    g_test_add_func("/qmp/recorded/sub-second", test_recorded_sub_second);
    for (size_t i = 0; i < G_N_ELEMENTS(recorded); i++) {
        g_autofree char *a = g_strdup_printf("/qmp/recorded/%s/page-sampling", recorded[i].version);
        g_autofree char *b = g_strdup_printf("/qmp/recorded/%s/schema", recorded[i].version);
        g_autofree char *c = g_strdup_printf("/qmp/recorded/%s/xbzrle", recorded[i].version);

        g_test_add_data_func(a, &recorded[i], test_recorded_page_sampling);
        g_test_add_data_func(b, &recorded[i], test_recorded_schema);
        g_test_add_data_func(c, &recorded[i], test_recorded_xbzrle);
    }
    return g_test_run();
}
