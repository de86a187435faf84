/*
 * test-vdr-printers.c: golden files of what domdirtyrate, -wss and
 * -compress print when they succeed, human and JSON
 *
 * A guest gives different numbers every run, so the results are built
 * here from fixed data through the library's own arithmetic (series
 * statistics, the working-set fit, the estimator's tally) and printed
 * by the commands' printers.  tests/cli/printer-NAME.out holds each
 * output; DR_REGENERATE=1 rewrites them: read the diff.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "dr-compresspriv.h"
#include "dr-dirtyrate.h"
#include "dr-migcaps.h"
#include "vdr-printers.h"

#define GiB (1ULL << 30)

static void
check_golden(const char *name, char *got, size_t len)
{
    const char *top = g_getenv("abs_top_srcdir") ? g_getenv("abs_top_srcdir") : TOP_SRCDIR;
    g_autofree char *file = g_strdup_printf("printer-%s.out", name);
    g_autofree char *path = g_build_filename(top, "tests", "cli", file, NULL);
    g_autofree char *want = NULL;
    g_autoptr(GError) err = NULL;

    if (g_getenv("DR_REGENERATE")) {
        g_assert_true(g_file_set_contents(path, got, (gssize)len, &err));
        g_test_message("regenerated %s", path);
        return;
    }
    if (!g_file_get_contents(path, &want, NULL, &err))
        g_error("%s: %s (DR_REGENERATE=1 writes it)", path, err->message);
    if (strcmp(want, got) != 0)
        g_error("%s differs; got:\n%s", path, got);
}

typedef void (*PrintFunc)(FILE *out, gconstpointer data, gboolean json);

static void
check_both(const char *name, PrintFunc print, gconstpointer data)
{
    for (int json = 0; json <= 1; json++) {
        g_autofree char *buf = NULL;
        g_autofree char *full = g_strdup_printf("%s%s", name, json ? "-json" : "");
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        print(out, data, json);
        fclose(out);
        check_golden(full, buf, len);
    }
}

static DrDirtyRate *
sampled(double mib_per_s, unsigned int period_ms, int64_t start)
{
    DrDirtyRate *r = dr_dirtyrate_new();

    r->backend = DR_DIRTYRATE_BACKEND_NATIVE;
    r->mode = DR_DIRTYRATE_MODE_PAGE_SAMPLING;
    r->period_ms = period_ms;
    r->start_time = start;
    r->mib_per_s = mib_per_s;
    r->ram_bytes = GiB;
    r->sample_pages = DR_DIRTYRATE_SAMPLE_PAGES_QEMU_DEFAULT;
    r->interval = dr_dirtyrate_sampling_interval(mib_per_s, period_ms, r->sample_pages, r->ram_bytes);
    return r;
}

typedef struct {
    DrSeries *s;
    unsigned int interval_ms;
} SeriesCase;

static void
print_series(FILE *out, gconstpointer data, gboolean json)
{
    const SeriesCase *c = data;

    vdr_dirtyrate_print(out, "guest-1", c->s, c->interval_ms, json);
}

/* Three 2 s samples, asked one a second: they could not keep it, and
 * the output says so. */
static void
test_series(void)
{
    static const double rates[] = { 50, 52, 48 }, t[] = { 0, 2.5, 5.0 };
    g_autoptr(DrSeries) s = g_new0(DrSeries, 1);
    SeriesCase c = { s, 1000 };

    s->items = g_new0(DrDirtyRate *, 3);
    s->t = g_new0(double, 3);
    for (size_t i = 0; i < 3; i++) {
        s->items[i] = sampled(rates[i], 2000, 100 + (int64_t)i * 3);
        s->t[i] = t[i];
        s->n++;
    }
    dr_series_summarize(s);
    check_both("series", print_series, &c);
}

/* One dirty-ring measurement with per-vCPU rates, through QMP. */
static void
test_series_vcpus(void)
{
    g_autoptr(DrSeries) s = g_new0(DrSeries, 1);
    SeriesCase c = { s, 0 };
    DrDirtyRate *r = dr_dirtyrate_new();

    r->backend = DR_DIRTYRATE_BACKEND_QMP;
    r->mode = DR_DIRTYRATE_MODE_DIRTY_RING;
    r->period_ms = 500;
    r->start_time = 7;
    r->mib_per_s = 30;
    r->ram_bytes = 4 * GiB;
    r->interval.value = r->interval.low = r->interval.high = 30;
    r->nvcpus = 2;
    r->vcpus = g_new0(DrDirtyRateVcpu, 2);
    r->vcpus[0] = (DrDirtyRateVcpu){ 0, 10 };
    r->vcpus[1] = (DrDirtyRateVcpu){ 1, 20 };
    s->items = g_new0(DrDirtyRate *, 1);
    s->t = g_new0(double, 1);
    s->items[0] = r;
    s->n = 1;
    dr_series_summarize(s);
    check_both("series-vcpus", print_series, &c);
}

static void
print_wss(FILE *out, gconstpointer data, gboolean json)
{
    vdr_wss_print(out, "guest-1", data, json);
}

/* 32 MiB/s written in order over a 256 MiB working set: the curve
 * rises 32, 64, 128, 256 and then stays. */
static void
test_wss(void)
{
    static const double secs[] = { 1, 2, 4, 8, 16 }, mib[] = { 32, 64, 128, 256, 256 };
    DrWssPoint points[G_N_ELEMENTS(secs)];
    g_autoptr(DrWss) w = NULL;

    for (size_t i = 0; i < G_N_ELEMENTS(secs); i++) {
        points[i].period_s = secs[i];
        points[i].dirtied_mib = mib[i];
        points[i].mib_per_s = mib[i] / secs[i];
        points[i].dirtied = (DrEstimate){ mib[i], mib[i] * 0.9, mib[i] * 1.1 };
    }
    w = dr_wss_fit(points, G_N_ELEMENTS(points), GiB);
    check_both("wss", print_wss, w);
}

/* Still rising at the longest period: only the interval's low end is
 * printed, as a lower bound (the best fit, 629 MiB, is not). */
static void
test_wss_open(void)
{
    DrWssPoint points[] = { { 1, 14, 14, { 14, 6.80, 29.62 } }, { 2, 11, 22, { 22, 12.33, 40.97 } },
                            { 4, 11, 44, { 44, 29.23, 69.74 } }, { 8, 9, 72, { 72, 52.45, 106.11 } } };
    g_autoptr(DrWss) w = dr_wss_fit(points, G_N_ELEMENTS(points), GiB);

    check_both("wss-open", print_wss, w);
}

static void
print_compress(FILE *out, gconstpointer data, gboolean json)
{
    vdr_compress_print(out, "guest-1", data, json);
}

/* 8 pages over 2 rounds: page 0 changes by 10 bytes twice, page 1
 * overflows once, page 2 changes by 300 bytes once, the rest stay.
 * Zero pages: 2 of 8, 25% (Wilson's 95% interval 7.1% to 59.1%). */
static DrCompressEstimate *
estimate(double interval_s, double requested_s)
{
    g_autoptr(DrCompressTally) t = dr_compress_tally_new(8, 2);
    DrCompressEstimate *e;

    /* Page p lies in the (8p)th 64th of RAM; pages 6 and 7 are zero. */
    for (unsigned int p = 0; p < 8; p++)
        dr_compress_tally_first(t, p, p * 8, p >= 6);
    for (unsigned int round = 0; round < 2; round++) {
        dr_compress_tally_add(t, 0, 10);
        dr_compress_tally_add(t, 1, round == 0 ? -1 : 0);
        dr_compress_tally_add(t, 2, round == 1 ? 300 : 0);
        for (unsigned int p = 3; p < 8; p++)
            dr_compress_tally_add(t, p, 0);
    }
    e = dr_compress_tally_finish(t, GiB / 4096, interval_s, 2 * interval_s + 0.25);
    e->requested_interval_s = requested_s;
    return e;
}

static void
test_compress(void)
{
    g_autoptr(DrCompressEstimate) kept = estimate(2.0, 2.0);
    g_autoptr(DrCompressEstimate) late = estimate(0.91, 0.5);

    /* The codecs' figures (the tally gets no page content here): zstd
     * timed, zlib not; the late estimate has none. */
    kept->first_ratio[DR_PAGE_CODEC_ZSTD] = 2.31;
    kept->changed_ratio[DR_PAGE_CODEC_ZSTD] = 0.9998;
    kept->codec_speed[DR_PAGE_CODEC_ZSTD] = 4.1e8;
    kept->codec_speed_first[DR_PAGE_CODEC_ZSTD] = 5.2e8;
    kept->codec_speed_changed[DR_PAGE_CODEC_ZSTD] = 3.3e8;
    kept->first_ratio[DR_PAGE_CODEC_ZLIB] = 2.05;
    kept->changed_ratio[DR_PAGE_CODEC_ZLIB] = 0.9997;
    /* The written set as runs read twice would give it: its span. */
    kept->written_span_s = 6.3;

    check_both("compress", print_compress, kept);
    /* The interval asked for could not be kept: the output says so. */
    check_both("compress-late", print_compress, late);
}

static void
print_advice(FILE *out, gconstpointer data, gboolean json)
{
    const DrAdvisorResult *r = data;
    const DrAdviceCandidate *c = &r->advice->candidates[r->advice->chosen];
    DrMigParams mp;

    g_assert_true(dr_mig_params_build(&c->settings, r->advice->input.bandwidth, NULL, 0, &mp, NULL));
    vdr_advice_print(out, "guest-1", r, &mp, json);
    dr_mig_params_clear(&mp);
}

/* The bed's headline guest, as measured (numbers fixed here): 1 GiB,
 * 256 MiB written in order at 100 MiB/s, 16-byte deltas, on 40 MiB/s. */
static DrAdvisorResult *
advice_result(double bandwidth_mib, gboolean with_dest)
{
    DrAdvisorResult *r = g_new0(DrAdvisorResult, 1);
    DrMigCapsEnd src = { 9000000, 7002000 }, dst = { 11003000, 10000013 };
    DrMigInput in;
    DrAdviceLimits l = { 0 };
    unsigned int caps;

    dr_mig_input_init(&in);
    in.ram_bytes = GiB;
    in.vcpus = 2;
    in.vcpu_busy = 0.05;
    in.host_cpus = 2;
    in.host_free_bytes = 8 * GiB;
    in.xbzrle_encode_speed = 2e9;
    in.bandwidth = bandwidth_mib * 1048576;
    in.dirty_rate = 100 * 1048576.0;
    in.wss_bytes = 256 * 1048576.0;
    in.wss_rate = 100 * 1048576.0;
    in.zero_fraction = 0.65;
    in.have_xbzrle = TRUE;
    in.xbzrle_encoded = 16;
    /* libvirt 9.0 on the source: zstd is measured but not on offer. */
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 2.3;
    in.page_ratio[DR_PAGE_CODEC_ZSTD] = 1.0;
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 4e8;
    /* a host whose XBZRLE migrations moved 5% less than asked: the
     * plan's line says the link is calibrated */
    if (with_dest)
        in.link_factor[DR_MIG_LINK_CLASS_XBZRLE] = 0.95;
    l.max_downtime_ms = 300;
    l.max_time_ms = 600000;
    l.xbzrle_max_cache = 512ULL << 20;
    l.auto_converge = TRUE;
    l.auto_converge_initial = 20;
    l.auto_converge_increment = 10;
    /* the curve those numbers came from, which the JSON lists */
    {
        static const double secs[] = { 1, 2, 4, 8 }, mib[] = { 100, 200, 256, 256 };
        DrWssPoint points[G_N_ELEMENTS(secs)];
        for (size_t i = 0; i < G_N_ELEMENTS(secs); i++) {
            points[i].period_s = secs[i];
            points[i].dirtied_mib = mib[i];
            points[i].mib_per_s = mib[i] / secs[i];
            points[i].dirtied = (DrEstimate){ mib[i], mib[i] * 0.9, mib[i] * 1.1 };
        }
        r->wss = dr_wss_fit(points, G_N_ELEMENTS(points), GiB);
    }
    caps = dr_mig_caps_compute(&src, with_dest ? &dst : NULL, NULL, &r->cap_notes);
    in.multifd_accounting = dr_mig_caps_multifd_accounting(caps);
    r->measure_s = 21.5;
    r->advice = dr_advise(&in, &l, caps, NULL);
    g_assert_nonnull(r->advice);
    return r;
}

static void
test_advice(void)
{
    g_autoptr(DrAdvisorResult) fits = advice_result(40, TRUE);
    g_autoptr(DrAdvisorResult) slow = advice_result(1, FALSE);

    check_both("advice", print_advice, fits);
    /* Nothing converges: what would. */
    check_both("advice-slow", print_advice, slow);
}

static void
print_xbzrle(FILE *out, gconstpointer data, gboolean json)
{
    vdr_xbzrle_print(out, "guest-1", data, json);
}

static void
test_xbzrle(void)
{
    DrQmpXbzrle idle = { 0 }, active = { 0 };

    idle.cache_size = 64 << 20;
    active.capability = TRUE;
    active.cache_size = 512 << 20;
    active.status = (char *)"active";
    active.have_stats = TRUE;
    active.stats_cache_size = 512 << 20;
    active.bytes = 1769472;
    active.pages = 65536;
    active.cache_miss = 2048;
    active.cache_miss_rate = 0.0312;
    active.have_encoding_rate = TRUE;
    active.encoding_rate = 151.7;
    check_both("xbzrle-idle", print_xbzrle, &idle);
    check_both("xbzrle-active", print_xbzrle, &active);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/printers/series", test_series);
    g_test_add_func("/printers/series-vcpus", test_series_vcpus);
    g_test_add_func("/printers/wss", test_wss);
    g_test_add_func("/printers/wss-open", test_wss_open);
    g_test_add_func("/printers/compress", test_compress);
    g_test_add_func("/printers/advice", test_advice);
    g_test_add_func("/printers/xbzrle", test_xbzrle);
    return g_test_run();
}
