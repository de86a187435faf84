/*
 * test-advice.c: the migration model and the decision engine
 *
 * The guest of every scenario: 1 GiB, 2 vCPUs, 4 KiB pages, on a link of
 * 40 MiB/s with a 300 ms max downtime (12 MiB may be left at the
 * switchover) and 10 min max time.  Worked by hand:
 *
 *   a page on the wire costs 4096 + 8 bytes; the first pass of 262144
 *   pages is 1075838976 bytes: 25.65 s at 41943040 bytes/s, after the
 *   setup's DR_MIG_SETUP_S.
 */
#include <config.h>

#include <math.h>

#include "dr-advice.h"
#include "dr-error.h"

#define MIB (1024.0 * 1024.0)
#define ALL_CAPS (DR_MIG_CAP_XBZRLE | DR_MIG_CAP_MULTIFD | DR_MIG_CAP_AUTO_CONVERGE | \
                  DR_MIG_CAP_POSTCOPY)
#define FIRST_PASS_S (262144.0 * 4104 / (40 * MIB))
#define SETUP_S DR_MIG_SETUP_S

static void
guest(DrMigInput *in)
{
    dr_mig_input_init(in);
    in->ram_bytes = 1ULL << 30;
    in->vcpus = 2;
    in->vcpu_busy = 0.3;
    in->host_cpus = 2;
    in->bandwidth = 40 * MIB;
    in->xbzrle_encode_speed = 1e9;
}

/* The bed's headline workload: 1 byte into each of 25600 pages a second,
 * cycling over 256 MiB; deltas of 16 bytes, none overflowing. */
static void
sparse(DrMigInput *in)
{
    guest(in);
    in->dirty_rate = 100 * MIB;
    in->wss_model = DR_WSS_MODEL_SATURATING_LINEAR;
    in->wss_bytes = 256 * MIB;
    in->wss_rate = 100 * MIB;
    in->have_xbzrle = TRUE;
    in->xbzrle_encoded = 16;
    in->overflow_fraction = 0;
}

static void
limits(DrAdviceLimits *l)
{
    memset(l, 0, sizeof(*l));
    l->max_downtime_ms = 300;
    l->max_time_ms = 600000;
    l->xbzrle = DR_ADVICE_XBZRLE_AUTO;
    l->xbzrle_max_cache = 1ULL << 30;
    l->auto_converge = TRUE;
    l->auto_converge_initial = 20;
    l->auto_converge_increment = 10;
}

static DrMigSettings
settings(DrMigCompression c, uint64_t cache)
{
    DrMigSettings s = { 0 };
    s.compression = c;
    s.xbzrle_cache = cache;
    s.max_downtime_ms = 300;
    s.max_time_ms = 600000;
    return s;
}

static void
predict(const DrMigInput *in, const DrMigSettings *s, DrMigPrediction *p)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(dr_mig_predict(in, s, p, &err));
    g_assert_no_error(err);
}

/* Idle: the first pass, then nothing left: a switchover with nothing to
 * send, downtime = the device state alone. */
static void
test_idle(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_NONE, 0);
    DrMigPrediction p;

    guest(&in);
    predict(&in, &s, &p);
    g_assert_true(p.converges);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + FIRST_PASS_S, 1e-9);
    g_assert_cmpfloat_with_epsilon(p.downtime_s, DR_MIG_SWITCHOVER_S, 1e-9);
    g_assert_cmpuint(p.rounds, ==, 2);
    g_assert_cmpuint(p.bytes, ==, 262144ULL * 4104);

    /* Zero pages go as 9 bytes: with 3/4 of RAM zero, the pass is
     * 65536 x 4104 + 196608 x 9 bytes, and one stream spends its time
     * on each zero page besides. */
    in.zero_fraction = 0.75;
    predict(&in, &s, &p);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + (65536.0 * 4104 + 196608.0 * 9) / (40 * MIB) +
                                   196608.0 * DR_MIG_ZERO_PAGE_S, 1e-9);
    /* multifd's channels do not (QEMU 7.2 counts the raw pages against
     * the limit, so the pace is the limit). */
    s.parallel = 2;
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_QUEUED;
    predict(&in, &s, &p);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + (65536.0 * 4104 + 196608.0 * 9) / (40 * MIB), 1e-9);
}

/* Sparse writes without compression: round 2 sends 256 MiB (6.41 s), in
 * which the guest rewrites all 256 MiB again: a fixed point far above
 * 12 MiB. */
static void
test_sparse_none_does_not_converge(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_NONE, 0);
    DrMigPrediction p;

    sparse(&in);
    predict(&in, &s, &p);
    g_assert_false(p.converges);
    g_assert_cmpfloat(p.total_s, ==, 600.0);
    g_assert_cmpfloat_with_epsilon(p.pending_bytes, 256 * MIB, 1.0);
    /* Forced, it would stop the guest for a round: 6.41 s. */
    g_assert_cmpfloat_with_epsilon(p.downtime_s, 65536.0 * 4104 / (40 * MIB) + DR_MIG_SWITCHOVER_S, 1e-6);
    /* The link is busy from the end of the setup on. */
    g_assert_cmpfloat_with_epsilon((double)p.bytes, (600 - SETUP_S) * 40 * MIB, 40 * MIB);
}

/* The same with a 512 MiB cache: round 2 misses everything (6.41 s);
 * round 3 hits all 65536 pages: 27 bytes each on the wire (0.042 s),
 * but encoding 256 MiB at 1 GB/s takes 0.268 s, in which 26.8 MiB are
 * dirtied.  QEMU's threshold is now the wire rate it saw, 27 bytes per
 * 4.1 us (6.6 MB/s), times 300 ms: 1.98 MB of dirty pages.  Round 4
 * sends the 26.8 MiB in 0.028 s, leaving 2.8 MiB, still above; round 5
 * sends those in 0.003 s, leaving 0.3 MiB: the switchover.
 * Total 25.65 + 6.41 + 0.268 + 0.028 + 0.003 + 0.0003. */
static void
test_sparse_xbzrle_512(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_XBZRLE, 512ULL << 20);
    DrMigPrediction p;
    double r2 = 65536.0 * 4104 / (40 * MIB);
    double r3 = 65536.0 * 4096 / 1e9;
    double d4 = 100 * MIB * r3;
    double r4 = d4 / 1e9;
    double d5 = 100 * MIB * r4;
    double r5 = d5 / 1e9;
    double d6 = 100 * MIB * r5;
    double threshold = 27.0 / (4096 / 1e9) * 0.3;

    sparse(&in);
    predict(&in, &s, &p);
    g_assert_cmpfloat(d5, >, threshold);
    g_assert_cmpfloat(d6, <, threshold);
    g_assert_true(p.converges);
    g_assert_cmpuint(p.rounds, ==, 6);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + FIRST_PASS_S + r2 + r3 + r4 + r5 + d6 / 1e9,
                                   0.01);
    g_assert_cmpfloat_with_epsilon(p.downtime_s, d6 / 1e9 + DR_MIG_SWITCHOVER_S, 0.001);
    g_assert_cmpuint(p.source_memory, ==, 512ULL << 20);
    g_assert_cmpfloat(p.source_cpu_s, >, r3);
}

/* QEMU's default 64 MiB cache has a quarter of the slots the set needs:
 * page i and pages i + 16384k share a slot, and a slot filled in this
 * or the last round is not given up.  Three quarters of each round
 * miss, so the rounds stay long and it does not converge either. */
static void
test_sparse_xbzrle_64_misses(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_XBZRLE, 64ULL << 20);
    DrMigPrediction p;

    sparse(&in);
    predict(&in, &s, &p);
    g_assert_false(p.converges);
    /* Round 2 misses every page (the cache starts empty), each later
     * one three quarters: 0.75 < the mean <= (1 + 0.75) / 2. */
    g_assert_cmpfloat(p.cache_miss_rate, >, 0.75);
    g_assert_cmpfloat(p.cache_miss_rate, <=, 0.875);
}

/* Plain multifd on a QEMU >= 8.1, idle guest with no zero page: every
 * packet is 128 x 4104 bytes, and 4 MiB / 525312 = 7.98: a window's
 * count passes the limit with the eighth packet, and the two the
 * channels hold go out too, 10 packets a window.  At 5 MiB/s
 * the first packet passes the 512 KiB window: 3 packets, 3 times the
 * limit (the bound the design note's simulation gives).  Zero pages
 * among them make the sizes vary: half a packet past, on average. */
static void
test_multifd_pace(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_NONE, 0);
    DrMigPrediction p;
    const double packet = 128 * 4104.0;

    s.parallel = 2;
    guest(&in);
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_SENT;
    predict(&in, &s, &p);
    g_assert_true(p.converges);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_LINK, !=, 0);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + 262144.0 * 4104 / (10 * packet / 0.1), 1e-9);

    in.bandwidth = 5 * MIB;
    predict(&in, &s, &p);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + 262144.0 * 4104 / (3 * packet / 0.1), 1e-9);

    /* Half the pages zero: the non-zero half at 40 MiB/s + 2.5 packets
     * a window; the zero pages' headers at the limit, and their time
     * in runs. */
    in.bandwidth = 40 * MIB;
    in.zero_fraction = 0.5;
    predict(&in, &s, &p);
    g_assert_cmpfloat_with_epsilon(p.total_s,
                                   SETUP_S + 131072.0 * 4104 / (40 * MIB + 2.5 * packet / 0.1) +
                                   131072.0 * DR_MIG_ZERO_PAGE_BYTES / (40 * MIB) +
                                   dr_mig_zero_pages_s(DR_MIG_LINK_CLASS_MULTIFD, 131072), 1e-9);
}

/* multifd with zstd, on a link-bound host (the codec is taken as very
 * fast).  The first pass sends RAM as it lies, at its own ratio: idle,
 * with 4:1, that is 262144 x 4104 / 4 bytes and nothing after it.  A
 * QEMU >= 8.1 counts each packet (128 x 4104 / 4 bytes) once sent and
 * stops a 100 ms window half a packet past the limit on average (the
 * codec's packets vary in size), and the two its channels hold go out
 * too: the pace is 40 MiB/s + 2.5 x 131328 / 0.1, on a link that
 * carries it.  An older
 * QEMU counts the raw pages, so the time is that of no compression. */
static void
test_zstd_first_pass_ratio(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_ZSTD, 0);
    DrMigPrediction p;
    const double pace = 40 * MIB + 2.5 * 131328.0 / 0.1;

    s.parallel = 2;
    guest(&in);
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_SENT;
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 1e12;
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 4;
    predict(&in, &s, &p);
    g_assert_true(p.converges);
    g_assert_cmpuint(p.bytes, ==, 262144ULL * 4104 / 4);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + 262144.0 * 4104 / 4 / pace, 1e-9);
    g_assert_cmpuint(p.uncertain & (DR_MIG_UNCERTAIN_PAGE_RATIO | DR_MIG_UNCERTAIN_ENCODER), ==, 0);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_LINK, !=, 0);

    /* Not known: taken as the newer QEMU. */
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_UNKNOWN;
    predict(&in, &s, &p);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + 262144.0 * 4104 / 4 / pace, 1e-9);

    /* QEMU < 8.1: the same bytes, in the time of the raw pages, and no
     * guess about the pace. */
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_QUEUED;
    predict(&in, &s, &p);
    g_assert_cmpuint(p.bytes, ==, 262144ULL * 4104 / 4);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + FIRST_PASS_S, 1e-9);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_LINK, ==, 0);

    /* Calibrated: the measured pace, with nothing added. */
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_SENT;
    in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED] = 1;
    predict(&in, &s, &p);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + FIRST_PASS_S / 4, 1e-9);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_LINK, ==, 0);
    in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED] = 0;

    /* A codec that does 10 MB/s a thread on the first pass's pages (and
     * fast on changed ones) binds the first pass: 262144 pages over two
     * threads with a share of 2 / (2 x 0.3 + 2) of the host each. */
    in.page_codec_speed_first[DR_PAGE_CODEC_ZSTD] = 1e7;
    predict(&in, &s, &p);
    g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + 262144.0 * 4096 / (2 * 1e7 * 2 / 2.6), 1e-6);
    g_assert_cmpfloat_with_epsilon(p.source_cpu_s, 262144.0 * 4096 / 1e7, 1e-6);
    in.page_codec_speed_first[DR_PAGE_CODEC_ZSTD] = 0;

    /* A value out of the enum is refused. */
    in.multifd_accounting = (DrMigMultifdAccounting)7;
    {
        g_autoptr(GError) err = NULL;
        g_assert_false(dr_mig_predict(&in, &s, &p, &err));
        g_assert_nonnull(strstr(err->message, "multifd_accounting"));
    }
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_SENT;

    /* Not measured: incompressible, and said so. */
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 0;
    predict(&in, &s, &p);
    g_assert_cmpuint(p.bytes, ==, 262144ULL * 4104);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_PAGE_RATIO, !=, 0);

    /* A ratio below 1/2 is not one a codec makes. */
    in.page_ratio[DR_PAGE_CODEC_ZSTD] = 0.4;
    {
        g_autoptr(GError) err = NULL;
        g_assert_false(dr_mig_predict(&in, &s, &p, &err));
        g_assert_nonnull(strstr(err->message, "'page_ratio'"));
    }
}

/* Later rounds send changed pages at their own ratio.  A 32 MiB set
 * written at 10 MiB/s is all dirty after 3.2 s: the first pass (25.65 s,
 * or 6.41 s at 4:1) dirties all of it either way, so a 4:1 first pass
 * saves 3/4 of the pass and nothing else.  Round 2 sends the 32 MiB in
 * 0.8 s, which dirties 8.02 MiB, under the 12 MiB threshold.  At 4:1 for
 * changed pages, round 2 takes 0.2 s and the switchover less. */
static void
test_zstd_changed_ratio(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_ZSTD, 0);
    DrMigPrediction plain, first, both;

    s.parallel = 2;
    guest(&in);
    in.dirty_rate = 10 * MIB;
    in.wss_model = DR_WSS_MODEL_SATURATING_LINEAR;
    in.wss_bytes = 32 * MIB;
    in.wss_rate = 10 * MIB;
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 1e12;
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 1;
    in.page_ratio[DR_PAGE_CODEC_ZSTD] = 1;
    /* Calibrated at the limit: the pace is the limit whatever the ratio
     * (test_zstd_first_pass_ratio has it uncalibrated). */
    in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED] = 1;
    predict(&in, &s, &plain);
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 4;
    predict(&in, &s, &first);
    in.page_ratio[DR_PAGE_CODEC_ZSTD] = 4;
    predict(&in, &s, &both);
    g_assert_true(plain.converges && first.converges && both.converges);
    g_assert_cmpfloat_with_epsilon(plain.total_s - first.total_s, 0.75 * FIRST_PASS_S, 1e-6);
    g_assert_cmpuint(plain.rounds, ==, 3);
    /* Round 2 takes d2 = 32 MiB on the wire; the guest dirties 10 d2 MiB
     * meanwhile, which the switchover sends. */
    {
        double d2 = 32 * 4104 / 4096.0 / 40;
        g_assert_cmpfloat_with_epsilon(first.total_s,
                                       SETUP_S + FIRST_PASS_S / 4 + d2 + 10 * d2 * 4104 / 4096.0 / 40,
                                       1e-6);
    }
    g_assert_cmpfloat(both.total_s, <, first.total_s - 0.5);
    g_assert_cmpuint(both.bytes, <, first.bytes);
}

/* Deterministic: the same input gives the same answer. */
static void
test_deterministic(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_XBZRLE, 128ULL << 20);
    DrMigPrediction a, b;

    sparse(&in);
    in.overflow_fraction = 0.3;
    in.wss_model = DR_WSS_MODEL_EXPONENTIAL;
    for (size_t i = 0; i < DR_MIG_PLACEMENT_BINS; i++)
        in.placement[i] = (i % 3) ? 0.5 : 0;
    predict(&in, &s, &a);
    predict(&in, &s, &b);
    g_assert_cmpmem(&a, sizeof(a), &b, sizeof(b));
}

/* The throttle slows a guest paced by the clock only once it takes more
 * than the guest used: busy 0.2 keeps its rate up to an 80% throttle. */
/* QEMU sets the wire bandwidth it saw against the dirty pages' raw
 * size.  With zstd at 4:1 and two threads of 20 MB/s, a round moves 40
 * MB/s of pages but 10 MB/s on the wire: the switchover waits until the
 * dirty pages fit in 10 MB/s x 300 ms, not in the link's 40 MiB/s. */
static void
test_zstd_cpu_bound_threshold(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_ZSTD, 0);
    DrMigPrediction p;
    double wire_rate = 2 * 20e6 / 4 * 4104 / 4096.0;

    s.parallel = 2;
    guest(&in);
    in.vcpu_busy = 0;
    in.dirty_rate = 5 * MIB;
    in.wss_model = DR_WSS_MODEL_SATURATING_LINEAR;
    in.wss_bytes = 64 * MIB;
    in.wss_rate = 5 * MIB;
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 20e6;
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 4;
    in.page_ratio[DR_PAGE_CODEC_ZSTD] = 4;
    predict(&in, &s, &p);
    g_assert_true(p.converges);
    g_assert_cmpfloat(p.pending_bytes, <=, wire_rate * 0.3);
    /* The first pass is CPU-bound: 1 GiB at 40 MB/s, 26.8 s, and the
     * whole set is dirty.  Round 2 sends its 64 MiB in 1.68 s, leaving
     * 8.4 MiB: under the link's 12 MiB, but over the wire's 3 MB, so
     * round 3 sends them (0.22 s), and the 1.1 MiB left go in 0.028 s
     * with the guest stopped. */
    {
        double r1 = 1073741824.0 / 40e6, r2 = 64 * MIB / 40e6;
        double r3 = 5 * MIB * r2 / 40e6, r4 = 5 * MIB * r3 / 40e6;
        g_assert_cmpfloat(5 * MIB * r2, >, wire_rate * 0.3);
        g_assert_cmpfloat(5 * MIB * r2, <, 12 * MIB);
        g_assert_cmpfloat_with_epsilon(p.total_s, SETUP_S + r1 + r2 + r3 + r4, 0.01);
        g_assert_cmpfloat_with_epsilon(p.downtime_s, r4 + DR_MIG_SWITCHOVER_S, 0.002);
    }

    /* Two CPUs' worth of other work on the two-CPU host: the two
     * threads get half a CPU each, so the first pass and round 2 take
     * twice as long (53.7 + 3.36 s); three short rounds follow (the
     * wire's threshold is halved too), 1.2 s in all. */
    {
        DrMigPrediction busy;
        double r12 = 2 * (1073741824.0 + 64 * MIB) / 40e6;
        in.host_other_cpus = 2;
        predict(&in, &s, &busy);
        g_assert_true(busy.converges);
        g_assert_cmpfloat(busy.total_s, >, SETUP_S + r12 + 1.0);
        g_assert_cmpfloat(busy.total_s, <, SETUP_S + r12 + 1.5);
    }
    {
        g_autoptr(GError) err = NULL;
        in.host_other_cpus = 3;
        g_assert_false(dr_mig_predict(&in, &s, &p, &err));
        g_assert_nonnull(strstr(err->message, "'host_other_cpus'"));
    }
}

static void
test_throttle_paced_guest(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_NONE, 0);
    DrMigPrediction cpu_bound, paced;

    /* Dense random writes over 128 MiB at 100 MiB/s. */
    guest(&in);
    in.dirty_rate = 100 * MIB;
    in.wss_model = DR_WSS_MODEL_EXPONENTIAL;
    in.wss_bytes = 128 * MIB;
    in.wss_rate = 100 * MIB;
    s.auto_converge = TRUE;
    s.auto_converge_initial = 20;
    s.auto_converge_increment = 10;

    in.vcpu_busy = 1.0;
    predict(&in, &s, &cpu_bound);
    in.vcpu_busy = 0.2;
    predict(&in, &s, &paced);
    g_assert_true(cpu_bound.converges);
    g_assert_true(paced.converges);
    /* The paced guest needs a throttle past 80% before anything changes. */
    g_assert_cmpfloat(paced.throttle, >, 0.8);
    g_assert_cmpfloat(cpu_bound.throttle, <, paced.throttle);
    g_assert_cmpfloat(cpu_bound.total_s, <, paced.total_s);
    g_assert_cmpuint(paced.uncertain & DR_MIG_UNCERTAIN_THROTTLE, ==, 0);

    /* Not measured: a guess, and said so. */
    in.vcpu_busy = -1;
    predict(&in, &s, &paced);
    g_assert_cmpuint(paced.uncertain & DR_MIG_UNCERTAIN_THROTTLE, !=, 0);
}

static void
test_check_refuses(void)
{
    DrMigInput in;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_XBZRLE, 0);
    DrMigPrediction p;
    g_autoptr(GError) err = NULL;

    guest(&in);
    g_assert_false(dr_mig_predict(&in, &s, &p, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "xbzrle_cache"));
    g_clear_error(&err);

    s = settings(DR_MIG_COMPRESSION_ZSTD, 0);
    g_assert_false(dr_mig_predict(&in, &s, &p, &err));
    g_assert_nonnull(strstr(err->message, "parallel"));
    g_clear_error(&err);

    s = settings(DR_MIG_COMPRESSION_NONE, 0);
    in.bandwidth = NAN;
    g_assert_false(dr_mig_predict(&in, &s, &p, &err));
    g_assert_nonnull(strstr(err->message, "bandwidth"));
}

/* ---- the engine's scenarios ------------------------------------------ */

static DrAdvice *
advise(const DrMigInput *in, const DrAdviceLimits *l, unsigned int caps)
{
    g_autoptr(GError) err = NULL;
    DrAdvice *a = dr_advise(in, l, caps, &err);
    g_assert_no_error(err);
    g_assert_nonnull(a);
    g_assert_nonnull(a->reasons);
    g_assert_nonnull(a->reasons[0]);
    return a;
}

static const DrMigSettings *
chosen(const DrAdvice *a)
{
    return &a->candidates[a->chosen].settings;
}

/* @a's candidate with @parallel connections and @compression, without
 * auto-converge or postcopy; NULL if there is none. */
static const DrAdviceCandidate *
candidate(const DrAdvice *a, unsigned int parallel, DrMigCompression compression)
{
    for (size_t i = 0; i < a->ncandidates; i++) {
        const DrMigSettings *s = &a->candidates[i].settings;
        if (s->parallel == parallel && s->compression == compression &&
            !s->auto_converge && !s->postcopy)
            return &a->candidates[i];
    }
    return NULL;
}

/* Whether one of @a's reasons contains @needle. */
static gboolean
has_reason(const DrAdvice *a, const char *needle)
{
    for (char **r = a->reasons; r && *r; r++) {
        if (strstr(*r, needle))
            return TRUE;
    }
    return FALSE;
}

static void
test_advise_idle(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;

    guest(&in);
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    g_assert_true(a->converges);
    /* Everything converges as fast: the one that asks least. */
    g_assert_cmpint(chosen(a)->compression, ==, DR_MIG_COMPRESSION_NONE);
    g_assert_false(chosen(a)->auto_converge);
    g_assert_cmpuint(chosen(a)->parallel, ==, 0);
}

/* The TCG hazard changes no choice, and the reasons warn of it. */
static void
test_advise_tcg_warning(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;
    g_autoptr(DrAdvice) b = NULL;

    guest(&in);
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    b = advise(&in, &l, ALL_CAPS | DR_MIG_CAP_TCG_LOSES_STORES);
    g_assert_false(has_reason(a, "under TCG"));
    g_assert_true(has_reason(b, "Warning: the guest runs under TCG on a QEMU older than 9.0"));
    g_assert_cmpuint(a->chosen, ==, b->chosen);
    g_assert_cmpfloat(a->candidates[a->chosen].prediction.total_s, ==,
                      b->candidates[b->chosen].prediction.total_s);
}

/* On a QEMU that counts multifd packets once sent, multifd is predicted
 * past a 40 MiB/s limit (12% for 2 connections), which the link may
 * not give: the choice compares it at the limit, where it is no faster
 * than one stream, and takes the one stream. */
static void
test_advise_multifd_pace_not_chosen(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;
    const DrAdviceCandidate *m = NULL;

    guest(&in);
    in.multifd_accounting = DR_MIG_MULTIFD_ACCOUNTING_SENT;
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    g_assert_cmpuint(chosen(a)->parallel, ==, 0);
    m = candidate(a, 2, DR_MIG_COMPRESSION_NONE);
    g_assert_nonnull(m);
    g_assert_cmpfloat(m->prediction.total_s, <, a->candidates[a->chosen].prediction.total_s / 1.1);
    g_assert_cmpfloat_with_epsilon(m->rank_s, a->candidates[a->chosen].prediction.total_s, 1e-9);
    g_assert_cmpuint(m->prediction.uncertain & DR_MIG_UNCERTAIN_LINK, !=, 0);
}

static void
test_advise_sparse(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;

    sparse(&in);
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    g_assert_true(a->converges);
    g_assert_cmpint(chosen(a)->compression, ==, DR_MIG_COMPRESSION_XBZRLE);
    /* The set is 256 MiB: a smaller cache misses. */
    g_assert_cmpuint(chosen(a)->xbzrle_cache, >=, 256ULL << 20);
    g_assert_false(chosen(a)->auto_converge);
    /* The smallest cache that does it: 256 MiB holds the set exactly. */
    g_assert_cmpuint(chosen(a)->xbzrle_cache, ==, 256ULL << 20);
}

/* Dense random full-page writes: every delta overflows, so XBZRLE sends
 * whole pages and costs CPU; it must not be chosen. */
static void
test_advise_dense(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;

    guest(&in);
    in.vcpu_busy = 1.0;
    in.dirty_rate = 100 * MIB;
    in.wss_model = DR_WSS_MODEL_EXPONENTIAL;
    in.wss_bytes = 128 * MIB;
    in.wss_rate = 100 * MIB;
    in.have_xbzrle = TRUE;
    in.overflow_fraction = 1.0;
    in.xbzrle_encoded = 0;
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    g_assert_true(a->converges);
    g_assert_cmpint(chosen(a)->compression, !=, DR_MIG_COMPRESSION_XBZRLE);
    g_assert_true(chosen(a)->auto_converge);
}

/* A sparse working set of 512 MiB against a cap of 256 MiB: no cache
 * within the cap holds it; without a throttle nothing converges. */
static void
test_advise_set_above_cap(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;

    sparse(&in);
    in.vcpu_busy = 1.0;
    in.wss_bytes = 512 * MIB;
    limits(&l);
    l.xbzrle_max_cache = 256ULL << 20;
    a = advise(&in, &l, ALL_CAPS);
    for (size_t i = 0; i < a->ncandidates; i++) {
        g_assert_cmpuint(a->candidates[i].settings.xbzrle_cache, <=, 256ULL << 20);
        if (!a->candidates[i].settings.auto_converge && !a->candidates[i].settings.postcopy)
            g_assert_false(a->candidates[i].prediction.converges);
    }
    g_assert_true(a->converges);
    g_assert_true(chosen(a)->auto_converge);
}

/* 1 MiB/s against 100 MiB/s of writes: nothing the policy allows (no
 * postcopy) converges; the advice says what would. */
static void
test_advise_slow_link(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;

    sparse(&in);
    in.bandwidth = 1 * MIB;
    limits(&l);
    l.auto_converge = FALSE;
    l.max_time_ms = 120000;
    a = advise(&in, &l, ALL_CAPS);
    g_assert_false(a->converges);
    g_assert_false(a->candidates[a->chosen].prediction.converges);
    g_assert_true(a->postcopy_would == FALSE); /* 1 GiB at 1 MiB/s: 17 min */
    g_assert_cmpfloat(a->needed_bandwidth, >, in.bandwidth);
    g_assert_true(has_reason(a, "Nothing the policy allows converges"));
    g_assert_true(has_reason(a, "MiB/s would converge"));
}

/* A destination without XBZRLE: no candidate uses it, and with
 * xbzrle.use=on there is nothing to advise. */
static void
test_advise_dest_without_xbzrle(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;
    g_autoptr(GError) err = NULL;

    sparse(&in);
    limits(&l);
    a = advise(&in, &l, ALL_CAPS & ~DR_MIG_CAP_XBZRLE);
    for (size_t i = 0; i < a->ncandidates; i++)
        g_assert_cmpint(a->candidates[i].settings.compression, !=, DR_MIG_COMPRESSION_XBZRLE);
    g_assert_true(has_reason(a, "XBZRLE: not supported by both ends"));

    l.xbzrle = DR_ADVICE_XBZRLE_ON;
    g_assert_null(dr_advise(&in, &l, ALL_CAPS & ~DR_MIG_CAP_XBZRLE, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_UNSUPPORTED);
}

/* The policy's fixed cache and its "off" are obeyed. */
static void
test_advise_policy_obeyed(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;
    g_autoptr(DrAdvice) b = NULL;

    sparse(&in);
    limits(&l);
    l.xbzrle_cache = 128ULL << 20;
    a = advise(&in, &l, ALL_CAPS);
    for (size_t i = 0; i < a->ncandidates; i++) {
        const DrMigSettings *s = &a->candidates[i].settings;
        if (s->compression == DR_MIG_COMPRESSION_XBZRLE)
            g_assert_cmpuint(s->xbzrle_cache, ==, 128ULL << 20);
        g_assert_false(s->postcopy);
    }
    l.xbzrle = DR_ADVICE_XBZRLE_OFF;
    l.auto_converge = FALSE;
    b = advise(&in, &l, ALL_CAPS);
    for (size_t i = 0; i < b->ncandidates; i++) {
        g_assert_cmpint(b->candidates[i].settings.compression, !=, DR_MIG_COMPRESSION_XBZRLE);
        g_assert_false(b->candidates[i].settings.auto_converge);
    }
}

/* Measured placement: a set scattered at random over RAM collides in a
 * cache as big as itself, so the model wants a bigger one than for a
 * set in one piece. */
static void
test_advise_scattered_set(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;

    sparse(&in);
    for (size_t i = 0; i < DR_MIG_PLACEMENT_BINS; i++)
        in.placement[i] = 0.25;
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    g_assert_true(a->converges);
    g_assert_cmpint(chosen(a)->compression, ==, DR_MIG_COMPRESSION_XBZRLE);
    g_assert_cmpuint(chosen(a)->xbzrle_cache, >, 256ULL << 20);
}

/* KVM with the dirty ring and QMP allowed: dirty-limit is weighed and
 * reported, but never chosen (libvirt cannot set it). */
static void
test_advise_dirty_limit_not_chosen(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;
    gboolean weighed = FALSE;

    sparse(&in);
    limits(&l);
    l.qmp = TRUE;
    l.auto_converge = FALSE;
    a = advise(&in, &l, ALL_CAPS | DR_MIG_CAP_DIRTY_LIMIT);
    for (size_t i = 0; i < a->ncandidates; i++)
        weighed |= a->candidates[i].settings.dirty_limit > 0;
    g_assert_true(weighed);
    g_assert_cmpfloat(chosen(a)->dirty_limit, ==, 0);
    g_assert_true(has_reason(a, "libvirt cannot set it in a migration"));
}

/* An idle guest whose pages zstd makes 4:1 of, where libvirt can pass
 * zstd: multifd with zstd is chosen, and until the host's calibration
 * has seen such a migration the reasons say its pace past the limit is
 * a guess. */
static void
test_advise_zstd_link_uncertain(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;
    g_autoptr(DrAdvice) cal = NULL;

    guest(&in);
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 1e12;
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 4;
    limits(&l);
    a = advise(&in, &l, ALL_CAPS | DR_MIG_CAP_MULTIFD_ZSTD);
    g_assert_cmpint(chosen(a)->compression, ==, DR_MIG_COMPRESSION_ZSTD);
    g_assert_cmpuint(a->candidates[a->chosen].prediction.uncertain & DR_MIG_UNCERTAIN_LINK, !=, 0);
    g_assert_true(has_reason(a, "how far multifd runs past the bandwidth limit"));
    /* ... and what it would take at the limit: the first pass at 4:1. */
    {
        g_autofree char *at_limit = g_strdup_printf("On a link no faster than the limit it would be %.1f s.",
                                                    SETUP_S + FIRST_PASS_S / 4);
        g_assert_true(has_reason(a, at_limit));
        g_assert_cmpfloat(a->candidates[a->chosen].prediction.total_s, <, SETUP_S + FIRST_PASS_S / 4);
    }

    in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED] = 1.2;
    cal = advise(&in, &l, ALL_CAPS | DR_MIG_CAP_MULTIFD_ZSTD);
    g_assert_cmpint(chosen(cal)->compression, ==, DR_MIG_COMPRESSION_ZSTD);
    g_assert_false(has_reason(cal, "how far multifd runs past the bandwidth limit"));
}

/* A curve that had not flattened by its longest period (8 s) says what
 * the guest dirties over a 26 s first pass only by carrying the fit
 * past its data: the prediction and the reasons say so.  A flattened
 * curve, or a first pass within the span, does not. */
static void
test_advise_open_curve(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    DrMigSettings s = settings(DR_MIG_COMPRESSION_NONE, 0);
    DrMigPrediction p;
    g_autoptr(DrAdvice) a = NULL;
    g_autoptr(GError) err = NULL;

    sparse(&in);
    in.wss_span_s = 8;
    in.wss_open = TRUE;
    predict(&in, &s, &p);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_WSS, !=, 0);
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    g_assert_cmpuint(a->candidates[a->chosen].prediction.uncertain & DR_MIG_UNCERTAIN_WSS, !=, 0);
    g_assert_true(has_reason(a, "still growing at the longest period measured (8 s)"));

    in.wss_span_s = 30;
    predict(&in, &s, &p);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_WSS, ==, 0);
    in.wss_span_s = 8;
    in.wss_open = FALSE;
    predict(&in, &s, &p);
    g_assert_cmpuint(p.uncertain & DR_MIG_UNCERTAIN_WSS, ==, 0);

    in.wss_span_s = -1;
    g_assert_false(dr_mig_predict(&in, &s, &p, &err));
    g_assert_nonnull(strstr(err->message, "wss_span_s"));
}

/* zstd and zlib within noise of each other in time: the one that costs
 * the host clearly less CPU is picked, whichever is a little faster, so
 * the advice does not flip between them from one measurement to the
 * next. */
static void
test_advise_codec_near_tie(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;
    g_autoptr(DrAdvice) b = NULL;
    g_autoptr(DrAdvice) c = NULL;
    const DrAdviceCandidate *zs, *zl;

    guest(&in);
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 1e9;
    in.page_codec_speed[DR_PAGE_CODEC_ZLIB] = 5e8;
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 4.0;
    in.page_ratio_first[DR_PAGE_CODEC_ZLIB] = 4.2;
    in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED] = 1;
    limits(&l);
    a = advise(&in, &l, ALL_CAPS | DR_MIG_CAP_MULTIFD_ZSTD | DR_MIG_CAP_MULTIFD_ZLIB);
    zs = candidate(a, chosen(a)->parallel, DR_MIG_COMPRESSION_ZSTD);
    zl = candidate(a, chosen(a)->parallel, DR_MIG_COMPRESSION_ZLIB);
    g_assert_nonnull(zs);
    g_assert_nonnull(zl);
    /* zlib is the faster, by less than the slack; zstd the cheaper. */
    g_assert_cmpfloat(zl->rank_s, <, zs->rank_s);
    g_assert_cmpfloat(zs->rank_s, <, zl->rank_s * DR_ADVICE_SLACK);
    g_assert_cmpfloat(zs->prediction.source_cpu_s * DR_ADVICE_CPU_SLACK, <, zl->prediction.source_cpu_s);
    g_assert_cmpint(chosen(a)->compression, ==, DR_MIG_COMPRESSION_ZSTD);

    /* The other way round, zlib. */
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 5e8;
    in.page_codec_speed[DR_PAGE_CODEC_ZLIB] = 1e9;
    b = advise(&in, &l, ALL_CAPS | DR_MIG_CAP_MULTIFD_ZSTD | DR_MIG_CAP_MULTIFD_ZLIB);
    g_assert_cmpint(chosen(b)->compression, ==, DR_MIG_COMPRESSION_ZLIB);

    /* As cheap as each other: the faster. */
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 1e9;
    c = advise(&in, &l, ALL_CAPS | DR_MIG_CAP_MULTIFD_ZSTD | DR_MIG_CAP_MULTIFD_ZLIB);
    g_assert_cmpint(chosen(c)->compression, ==, DR_MIG_COMPRESSION_ZLIB);
}

/* A 32 MiB set rewritten 6 times a second looks flat already at 1 s: the
 * curve's rate is only a lower bound.  A cache half the set's size would
 * converge at that rate, but not at a faster one: it is not chosen. */
static void
test_advise_unresolved_rate(void)
{
    DrMigInput in;
    DrAdviceLimits l;
    g_autoptr(DrAdvice) a = NULL;

    guest(&in);
    in.dirty_rate = 33 * MIB;
    in.wss_model = DR_WSS_MODEL_EXPONENTIAL;
    in.wss_bytes = 39 * MIB;
    in.wss_rate = 66 * MIB;
    in.wss_rate_high = 660 * MIB;
    in.zero_fraction = 0.88;
    in.have_xbzrle = TRUE;
    in.xbzrle_encoded = 4;
    in.overflow_fraction = 0.04;
    limits(&l);
    a = advise(&in, &l, ALL_CAPS);
    g_assert_true(a->converges);
    g_assert_cmpint(chosen(a)->compression, ==, DR_MIG_COMPRESSION_XBZRLE);
    g_assert_cmpuint(chosen(a)->xbzrle_cache, >=, 64ULL << 20);
}

static void
test_limits_from_policy(void)
{
    g_autoptr(DrPolicy) p = dr_policy_new();
    DrAdviceLimits l;
    g_autoptr(GError) err = NULL;

    g_assert_true(dr_advice_limits_from_policy(&l, p, 1ULL << 30, &err));
    g_assert_cmpuint(l.max_downtime_ms, ==, 300);
    g_assert_cmpuint(l.max_time_ms, ==, 600000);
    g_assert_cmpuint(l.xbzrle_max_cache, ==, 256ULL << 20);
    g_assert_cmpuint(l.xbzrle_cache, ==, 0);
    g_assert_true(l.auto_converge);
    g_assert_false(l.postcopy);
    g_assert_false(l.qmp);
    g_assert_true(dr_policy_set(p, "xbzrle.max-cache", "1GiB", &err));
    g_assert_true(dr_policy_set(p, "limits.when-exceeded", "postcopy", &err));
    g_assert_true(dr_policy_set(p, "xbzrle.cache", "512MiB", &err));
    g_assert_true(dr_advice_limits_from_policy(&l, p, 1ULL << 30, &err));
    g_assert_cmpuint(l.xbzrle_max_cache, ==, 1ULL << 30);
    g_assert_cmpuint(l.xbzrle_cache, ==, 512ULL << 20);
    g_assert_true(l.postcopy);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/migsim/idle", test_idle);
    g_test_add_func("/migsim/sparse-none", test_sparse_none_does_not_converge);
    g_test_add_func("/migsim/sparse-xbzrle-512", test_sparse_xbzrle_512);
    g_test_add_func("/migsim/sparse-xbzrle-64", test_sparse_xbzrle_64_misses);
    g_test_add_func("/migsim/deterministic", test_deterministic);
    g_test_add_func("/migsim/multifd-pace", test_multifd_pace);
    g_test_add_func("/migsim/zstd-first-pass-ratio", test_zstd_first_pass_ratio);
    g_test_add_func("/migsim/zstd-changed-ratio", test_zstd_changed_ratio);
    g_test_add_func("/migsim/zstd-cpu-bound-threshold", test_zstd_cpu_bound_threshold);
    g_test_add_func("/migsim/throttle-paced", test_throttle_paced_guest);
    g_test_add_func("/migsim/check", test_check_refuses);
    g_test_add_func("/advice/idle", test_advise_idle);
    g_test_add_func("/advice/tcg-warning", test_advise_tcg_warning);
    g_test_add_func("/advice/multifd-pace-not-chosen", test_advise_multifd_pace_not_chosen);
    g_test_add_func("/advice/sparse", test_advise_sparse);
    g_test_add_func("/advice/dense", test_advise_dense);
    g_test_add_func("/advice/set-above-cap", test_advise_set_above_cap);
    g_test_add_func("/advice/slow-link", test_advise_slow_link);
    g_test_add_func("/advice/dest-without-xbzrle", test_advise_dest_without_xbzrle);
    g_test_add_func("/advice/policy", test_advise_policy_obeyed);
    g_test_add_func("/advice/scattered", test_advise_scattered_set);
    g_test_add_func("/advice/dirty-limit", test_advise_dirty_limit_not_chosen);
    g_test_add_func("/advice/unresolved-rate", test_advise_unresolved_rate);
    g_test_add_func("/advice/open-curve", test_advise_open_curve);
    g_test_add_func("/advice/codec-near-tie", test_advise_codec_near_tie);
    g_test_add_func("/advice/zstd-link-uncertain", test_advise_zstd_link_uncertain);
    g_test_add_func("/advice/limits-from-policy", test_limits_from_policy);
    return g_test_run();
}
