/*
 * dr-migsim.c: predict a pre-copy migration, round by round
 *
 * See dr-migsim.h for the model and docs/decision-engine.md for where
 * each rule comes from in QEMU (migration/ram.c, migration.c).
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-migsim.h"
#include "dr-pagecache.h"

/* QEMU: a throttle step needs two high periods of at least 1 s each, in
 * which the guest dirtied more than throttle-trigger-threshold (50%) of
 * what was sent; the throttle never passes max-cpu-throttle (99%). */
#define THROTTLE_PERIOD_S 1.0
#define THROTTLE_TRIGGER 0.5
#define THROTTLE_HIGH_PERIODS 2
#define THROTTLE_MAX 0.99
/* A migration whose rounds have stopped getting shorter for this many
 * rounds, with nothing left to tighten, will not converge. */
#define STALL_ROUNDS 6
#define ROUNDS_MAX 100000
/* Encoder speeds assumed when they were not measured (bytes/s, one
 * thread): rough figures for a current x86 core, flagged as a guess. */
#define GUESS_XBZRLE_SPEED (1.0e9)
#define GUESS_ZSTD_SPEED (4.0e8)
#define GUESS_ZLIB_SPEED (1.0e8)
/* XBZRLE deltas assumed when they were not measured. */
#define GUESS_OVERFLOW 0.5
#define GUESS_ENCODED 1024.0

static const char *const compression_names[DR_MIG_COMPRESSION_LAST] = {
    "none", "xbzrle", "zstd", "zlib",
};

const char *
dr_mig_compression_to_string(DrMigCompression c)
{
    return (unsigned)c < DR_MIG_COMPRESSION_LAST ? compression_names[c] : "unknown";
}

static const char *const link_class_names[DR_MIG_LINK_CLASS_LAST] = {
    "plain", "xbzrle", "multifd", "multifd-compressed",
};

const char *
dr_mig_link_class_to_string(DrMigLinkClass cls)
{
    return (unsigned)cls < DR_MIG_LINK_CLASS_LAST ? link_class_names[cls] : "unknown";
}

static const char *const accounting_names[] = { "unknown", "queued", "sent" };

const char *
dr_mig_multifd_accounting_to_string(DrMigMultifdAccounting a)
{
    return (unsigned)a < G_N_ELEMENTS(accounting_names) ? accounting_names[a] : "unknown";
}

DrMigLinkClass
dr_mig_link_class(const DrMigSettings *s)
{
    if (s->parallel > 0)
        return s->compression == DR_MIG_COMPRESSION_NONE ? DR_MIG_LINK_CLASS_MULTIFD
                                                         : DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED;
    return s->compression == DR_MIG_COMPRESSION_XBZRLE ? DR_MIG_LINK_CLASS_XBZRLE
                                                       : DR_MIG_LINK_CLASS_PLAIN;
}

double
dr_mig_zero_pages_s(DrMigLinkClass cls, double zero_pages)
{
    gboolean one_stream = cls == DR_MIG_LINK_CLASS_PLAIN || cls == DR_MIG_LINK_CLASS_XBZRLE;
    return one_stream ? zero_pages * DR_MIG_ZERO_PAGE_S : 0;
}

void
dr_mig_input_init(DrMigInput *in)
{
    memset(in, 0, sizeof(*in));
    in->page_size = 4096;
    in->vcpus = 1;
    in->vcpu_busy = -1;
    in->wss_model = DR_WSS_MODEL_SATURATING_LINEAR;
    in->host_cpus = 1;
}

void
dr_mig_input_set_wss(DrMigInput *in, const DrWss *wss)
{
    in->wss_model = wss->model;
    in->wss_bytes = MAX(0, wss->wss_mib) * 1048576.0;
    in->wss_rate = MAX(0, wss->new_mib_per_s) * 1048576.0;
    in->wss_rate_high = 0;
    in->wss_span_s = dr_wss_span(wss);
    in->wss_open = wss->npoints > 0 && !wss->saturated;
    /* Flat already at the shortest period (most of W dirtied in it, or
     * a flat curve fits as well within the sampling noise): the curve
     * cannot tell how fast the set is rewritten, only that it is at
     * least that fast. */
    if (wss->npoints > 0 && wss->wss_mib > 0) {
        const DrWssPoint *first = &wss->points[0];
        for (size_t i = 1; i < wss->npoints; i++) {
            if (wss->points[i].period_s < first->period_s)
                first = &wss->points[i];
        }
        if (first->dirtied_mib >= 0.8 * wss->wss_mib || wss->rate_unbounded)
            in->wss_rate_high = in->wss_rate * 10;
    }
}

void
dr_mig_input_set_compress(DrMigInput *in, const DrCompressEstimate *est)
{
    uint64_t sampled = 0, written = 0;

    G_STATIC_ASSERT(DR_MIG_PLACEMENT_BINS == DR_COMPRESS_PLACEMENT_BINS);
    in->zero_fraction = CLAMP(est->zero_fraction.value, 0, 1);
    in->have_xbzrle = est->changed > 0;
    in->overflow_fraction = in->have_xbzrle ? CLAMP(est->overflow_fraction.value, 0, 1) : 0;
    in->xbzrle_encoded = CLAMP(est->mean_encoded.value, 0, (double)in->page_size);
    in->wss_bytes_high = MAX(0, est->written_set_bytes.high);
    in->hot_fraction = est->written_set_bytes.value > 0 ?
        CLAMP(est->hot_set_bytes.value / est->written_set_bytes.value, 0, 1) : 0;
    for (size_t b = 0; b < DR_MIG_PLACEMENT_BINS; b++) {
        sampled += est->bin_sampled[b];
        written += est->bin_written[b];
    }
    for (size_t c = 0; c < DR_PAGE_CODEC_LAST; c++) {
        in->page_ratio_first[c] = est->first_ratio[c];
        in->page_ratio[c] = est->changed_ratio[c];
        in->page_codec_speed[c] = est->codec_speed_changed[c];
        in->page_codec_speed_first[c] = est->codec_speed_first[c];
    }
    for (size_t b = 0; b < DR_MIG_PLACEMENT_BINS; b++) {
        in->placement[b] = est->bin_sampled[b] ?
            (double)est->bin_written[b] / est->bin_sampled[b] :
            sampled ? (double)written / (double)sampled : 0;
    }
}

double
dr_mig_dirtied(const DrMigInput *in, double period_s)
{
    double w = MIN(in->wss_bytes, (double)in->ram_bytes);
    double rt = in->wss_rate * period_s;

    if (w <= 0 || rt <= 0)
        return 0;
    if (in->wss_model == DR_WSS_MODEL_EXPONENTIAL)
        return w * -expm1(-rt / w);
    return MIN(rt, w);
}

static gboolean
share_ok(double v)
{
    return isfinite(v) && v >= 0 && v <= 1;
}

/* 0 (not measured), or what a codec can make of a page: incompressible
 * data comes out a little larger than it went in. */
static gboolean
ratio_ok(double v)
{
    return v == 0 || (isfinite(v) && v >= 0.5 && v <= 4096);
}

gboolean
dr_mig_check(const DrMigInput *in, const DrMigSettings *s, GError **error)
{
    const char *bad = NULL;

    if (in->page_size < 512 || (in->page_size & (in->page_size - 1)))
        bad = "page_size";
    else if (in->ram_bytes < in->page_size)
        bad = "ram_bytes";
    else if (in->vcpus == 0)
        bad = "vcpus";
    else if (in->host_cpus == 0)
        bad = "host_cpus";
    else if (!isfinite(in->host_other_cpus) || in->host_other_cpus < 0 ||
             in->host_other_cpus > in->host_cpus)
        bad = "host_other_cpus";
    else if (!share_ok(in->zero_fraction))
        bad = "zero_fraction";
    else if (!isfinite(in->vcpu_busy) || in->vcpu_busy > 1)
        bad = "vcpu_busy";
    else if (!isfinite(in->dirty_rate) || in->dirty_rate < 0)
        bad = "dirty_rate";
    else if (!isfinite(in->wss_bytes) || in->wss_bytes < 0)
        bad = "wss_bytes";
    else if (!isfinite(in->wss_bytes_high) || in->wss_bytes_high < 0)
        bad = "wss_bytes_high";
    else if (!isfinite(in->wss_rate_high) || in->wss_rate_high < 0)
        bad = "wss_rate_high";
    else if (!isfinite(in->wss_rate) || in->wss_rate < 0)
        bad = "wss_rate";
    else if (!isfinite(in->wss_span_s) || in->wss_span_s < 0)
        bad = "wss_span_s";
    else if (in->wss_model != DR_WSS_MODEL_SATURATING_LINEAR &&
             in->wss_model != DR_WSS_MODEL_EXPONENTIAL)
        bad = "wss_model";
    else if (!share_ok(in->hot_fraction))
        bad = "hot_fraction";
    else if (!share_ok(in->overflow_fraction))
        bad = "overflow_fraction";
    else if (!isfinite(in->xbzrle_encoded) || in->xbzrle_encoded < 0 ||
             in->xbzrle_encoded > in->page_size)
        bad = "xbzrle_encoded";
    else if (!isfinite(in->bandwidth) || in->bandwidth <= 0)
        bad = "bandwidth";
    else if (!isfinite(in->xbzrle_encode_speed) || in->xbzrle_encode_speed < 0)
        bad = "xbzrle_encode_speed";
    else if ((unsigned)in->multifd_accounting > DR_MIG_MULTIFD_ACCOUNTING_SENT)
        bad = "multifd_accounting";
    for (size_t i = 0; !bad && i < DR_MIG_PLACEMENT_BINS; i++) {
        if (!share_ok(in->placement[i]))
            bad = "placement";
    }
    for (size_t i = 0; !bad && i < DR_MIG_LINK_CLASS_LAST; i++) {
        if (!isfinite(in->link_factor[i]) || in->link_factor[i] < 0 || in->link_factor[i] > 16)
            bad = "link_factor";
    }
    for (size_t i = 0; !bad && i < DR_PAGE_CODEC_LAST; i++) {
        if (!ratio_ok(in->page_ratio_first[i]))
            bad = "page_ratio_first";
        else if (!ratio_ok(in->page_ratio[i]))
            bad = "page_ratio";
        else if (!isfinite(in->page_codec_speed[i]) || in->page_codec_speed[i] < 0)
            bad = "page_codec_speed";
        else if (!isfinite(in->page_codec_speed_first[i]) || in->page_codec_speed_first[i] < 0)
            bad = "page_codec_speed_first";
    }
    if (bad) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Migration model input '%1$s' is out of range"), bad);
        return FALSE;
    }

    if ((unsigned)s->compression >= DR_MIG_COMPRESSION_LAST)
        bad = "compression";
    else if (s->compression == DR_MIG_COMPRESSION_XBZRLE &&
             (s->parallel || s->xbzrle_cache < in->page_size))
        bad = s->parallel ? "parallel" : "xbzrle_cache";
    else if ((s->compression == DR_MIG_COMPRESSION_ZSTD ||
              s->compression == DR_MIG_COMPRESSION_ZLIB) && !s->parallel)
        bad = "parallel";
    else if (s->auto_converge &&
             (s->auto_converge_initial < 1 || s->auto_converge_initial > 99 ||
              s->auto_converge_increment < 1 || s->auto_converge_increment > 100))
        bad = "auto_converge";
    else if (!isfinite(s->dirty_limit) || s->dirty_limit < 0)
        bad = "dirty_limit";
    else if (s->max_downtime_ms == 0)
        bad = "max_downtime_ms";
    else if (s->max_time_ms == 0)
        bad = "max_time_ms";
    if (bad) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("Migration setting '%1$s' is out of range"), bad);
        return FALSE;
    }
    return TRUE;
}

/* ---- the page stream ------------------------------------------------ */

static uint64_t
splitmix(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The working set, scaled down, laid out over the scaled RAM as the
 * placement map says, with a hot part and a warm part, and the cursors
 * that walk them. */
typedef struct {
    uint64_t scale;       /* real pages per simulated page */
    uint64_t npages;      /* simulated RAM */
    uint64_t *hot, *warm; /* pfns */
    uint64_t nhot, nwarm;
    uint64_t hot_next, warm_next;
    gboolean random_order;
    uint64_t rng;
} Stream;

static void
stream_clear(Stream *st)
{
    g_free(st->hot);
    g_free(st->warm);
}

static gboolean
placement_known(const DrMigInput *in)
{
    for (size_t i = 0; i < DR_MIG_PLACEMENT_BINS; i++) {
        if (in->placement[i] > 0)
            return TRUE;
    }
    return FALSE;
}

/* Picks @count distinct pages of [lo, hi): in one piece when they fill
 * most of it, else at random. */
static void
place_in_bin(Stream *st, uint64_t lo, uint64_t hi, uint64_t count, uint64_t *out)
{
    uint64_t len = hi - lo;

    if (count * 10 >= len * 9) {
        for (uint64_t i = 0; i < count; i++)
            out[i] = lo + i;
        return;
    }
    /* Floyd's sampling, then sorted so the order is the address order. */
    {
        g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
        uint64_t k = 0;
        for (uint64_t j = len - count; j < len; j++) {
            uint64_t t = splitmix(&st->rng) % (j + 1);
            if (g_hash_table_contains(seen, GSIZE_TO_POINTER(t + 1)))
                t = j;
            g_hash_table_add(seen, GSIZE_TO_POINTER(t + 1));
            out[k++] = lo + t;
        }
    }
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
stream_init(Stream *st, const DrMigInput *in)
{
    uint64_t real = in->ram_bytes / in->page_size;
    uint64_t w, nhot;
    g_autofree uint64_t *pages = NULL;
    double weight[DR_MIG_PLACEMENT_BINS], total = 0;
    uint64_t placed = 0;

    memset(st, 0, sizeof(*st));
    st->rng = 0x5eed5eed5eedULL;
    st->scale = 1;
    while (real / st->scale > DR_MIG_SIM_PAGES_MAX)
        st->scale *= 2;
    st->npages = MAX(real / st->scale, 1);
    w = (uint64_t)llround(MIN(in->wss_bytes, (double)in->ram_bytes) /
                          in->page_size / (double)st->scale);
    w = MIN(w, st->npages);
    st->random_order = in->wss_model == DR_WSS_MODEL_EXPONENTIAL;
    pages = g_new0(uint64_t, MAX(w, 1));

    if (!placement_known(in)) {
        for (uint64_t i = 0; i < w; i++)
            pages[i] = i;
        placed = w;
    } else {
        for (size_t b = 0; b < DR_MIG_PLACEMENT_BINS; b++) {
            uint64_t lo = st->npages * b / DR_MIG_PLACEMENT_BINS;
            uint64_t hi = st->npages * (b + 1) / DR_MIG_PLACEMENT_BINS;
            weight[b] = in->placement[b] * (double)(hi - lo);
            total += weight[b];
        }
        for (size_t b = 0; b < DR_MIG_PLACEMENT_BINS && placed < w; b++) {
            uint64_t lo = st->npages * b / DR_MIG_PLACEMENT_BINS;
            uint64_t hi = st->npages * (b + 1) / DR_MIG_PLACEMENT_BINS;
            uint64_t want = (uint64_t)llround((double)w * weight[b] / total);
            want = MIN(MIN(want, hi - lo), w - placed);
            if (want)
                place_in_bin(st, lo, hi, want, pages + placed);
            placed += want;
        }
        /* Rounding may leave a few: put them after the last page placed. */
        if (placed < w) {
            g_autoptr(GHashTable) used = g_hash_table_new(g_direct_hash, g_direct_equal);
            for (uint64_t i = 0; i < placed; i++)
                g_hash_table_add(used, GSIZE_TO_POINTER(pages[i] + 1));
            for (uint64_t p = 0; p < st->npages && placed < w; p++) {
                if (!g_hash_table_contains(used, GSIZE_TO_POINTER(p + 1)))
                    pages[placed++] = p;
            }
        }
        qsort(pages, placed, sizeof(*pages), cmp_u64);
    }

    /* The hot part: spread evenly through the set. */
    nhot = (uint64_t)llround(in->hot_fraction * (double)placed);
    st->hot = g_new(uint64_t, MAX(nhot, 1));
    st->warm = g_new(uint64_t, MAX(placed - nhot, 1));
    for (uint64_t i = 0; i < placed; i++) {
        gboolean is_hot = nhot && (i * nhot / placed) != ((i + 1) * nhot / placed);
        if (is_hot && st->nhot < nhot)
            st->hot[st->nhot++] = pages[i];
        else
            st->warm[st->nwarm++] = pages[i];
    }
}

/* The next page of @set (a cursor, or at random). */
static uint64_t
stream_pick(Stream *st, const uint64_t *set, uint64_t n, uint64_t *cursor)
{
    if (st->random_order)
        return set[splitmix(&st->rng) % n];
    return set[(*cursor)++ % n];
}

/* ---- one round ----------------------------------------------------- */

typedef struct {
    double miss, overflow, delta, unchanged; /* shares of a round's pages */
    double delta_bytes;                      /* mean wire bytes of a delta */
} XbzrleShares;

/* Sends @n simulated pages through the cache model and returns what
 * shares of them missed, overflowed or went as deltas. */
static void
xbzrle_round(DrPageCache *cache, Stream *st, const DrMigInput *in, uint64_t n,
             XbzrleShares *sh)
{
    DrPageCacheStats before, after;
    double overflow = in->have_xbzrle ? in->overflow_fraction : GUESS_OVERFLOW;
    double encoded = in->have_xbzrle ? in->xbzrle_encoded : GUESS_ENCODED;
    int enc = (int)MAX(1, MIN(llround(encoded), (long long)in->page_size - 1));
    uint64_t from_hot = MIN(n, st->nhot), from_warm = MIN(n - from_hot, st->nwarm);
    uint64_t sent;

    dr_page_cache_get_stats(cache, &before);
    dr_page_cache_begin_round(cache);
    for (uint64_t i = 0; i < from_hot + from_warm; i++) {
        uint64_t pfn = i < from_hot ? stream_pick(st, st->hot, st->nhot, &st->hot_next)
                                    : stream_pick(st, st->warm, st->nwarm, &st->warm_next);
        gboolean over = (double)(splitmix(&st->rng) >> 11) * 0x1.0p-53 < overflow;
        dr_page_cache_send(cache, pfn, over ? DR_PAGE_CACHE_DELTA_OVERFLOW : enc);
    }
    dr_page_cache_get_stats(cache, &after);
    sent = after.pages - before.pages;
    if (sent == 0)
        return; /* keep the last round's shares */
    sh->miss = (double)(after.misses - before.misses) / (double)sent;
    sh->overflow = (double)(after.overflow - before.overflow) / (double)sent;
    sh->delta = (double)(after.xbzrle_pages - before.xbzrle_pages) / (double)sent;
    sh->unchanged = (double)(after.unchanged - before.unchanged) / (double)sent;
    sh->delta_bytes = DR_MIG_PAGE_OVERHEAD + DR_XBZRLE_DELTA_HEADER + enc;
}

/* The share of one host CPU each migration thread gets beside the guest
 * and whatever else keeps the host busy. */
static double
thread_share(const DrMigInput *in, unsigned int threads)
{
    double busy = in->vcpu_busy < 0 ? 1.0 : in->vcpu_busy;
    double runnable = in->host_other_cpus + in->vcpus * busy + threads;
    return MIN(1.0, in->host_cpus / runnable);
}

/* Whether multifd's pace is guessed past the limit: a QEMU that counts
 * packets once sent, and no calibrated link factor. */
static gboolean
multifd_past_limit(const DrMigInput *in, const DrMigSettings *s)
{
    return s->parallel > 0 && !(in->link_factor[dr_mig_link_class(s)] > 0) &&
           in->multifd_accounting != DR_MIG_MULTIFD_ACCOUNTING_QUEUED;
}

/* The pace on the wire, bytes/s, of multifd packets that shrink by
 * @ratio, against the limit @B.  A QEMU that counts a packet once it
 * is sent (migration_rate_exceeded() against mig_stats.multifd_bytes,
 * which the channel thread adds to after its write) stops a 100 ms
 * window at the first count past the limit.  The count rises a packet
 * at a time: packets of one size (@varying false) pass the limit by
 * what the whole packets come to; packets whose size varies (a codec,
 * zero pages among them) by half a packet on average.  The packets its
 * channels hold then, one each, still go out in that window.  The
 * model takes the link to carry what QEMU lets out, as it does for
 * every other setting; a link no faster than the limit gives @B, and
 * the choice weighs multifd at that (dr-advice.c).  A calibrated link
 * factor (in @B) has measured the pace itself. */
static double
multifd_pace(const DrMigInput *in, const DrMigSettings *s, double B, double ratio,
             gboolean varying)
{
    const double window = B * DR_MIG_RATE_WINDOW_S;
    double packet, counted;

    if (!multifd_past_limit(in, s))
        return B;
    packet = DR_PAGE_CODEC_PACKET_PAGES * (in->page_size + DR_MIG_PAGE_OVERHEAD) / ratio;
    counted = varying ? window + packet / 2 : (floor(window / packet) + 1) * packet;
    return (counted + s->parallel * packet) / DR_MIG_RATE_WINDOW_S;
}

/* How the throttle @x slows the guest's dirtying. */
static double
throttle_effect(const DrMigInput *in, double x)
{
    double left = 1.0 - x;
    if (x <= 0)
        return 1.0;
    if (in->vcpu_busy < 0)
        return left;
    if (in->vcpu_busy <= left)
        return 1.0;
    return left / in->vcpu_busy;
}

gboolean
dr_mig_predict(const DrMigInput *in, const DrMigSettings *s, DrMigPrediction *out,
               GError **error)
{
    const double P = in->page_size;
    const double B = in->bandwidth * (in->link_factor[dr_mig_link_class(s)] > 0 ?
                                      in->link_factor[dr_mig_link_class(s)] : 1.0);
    const double downtime_max = (double)s->max_downtime_ms / 1000.0;
    const double time_max = (double)s->max_time_ms / 1000.0;
    gboolean xbzrle = s->compression == DR_MIG_COMPRESSION_XBZRLE;
    gboolean page_codec = s->compression == DR_MIG_COMPRESSION_ZSTD ||
                          s->compression == DR_MIG_COMPRESSION_ZLIB;
    DrPageCodecKind codec = s->compression == DR_MIG_COMPRESSION_ZLIB ?
                            DR_PAGE_CODEC_ZLIB : DR_PAGE_CODEC_ZSTD;
    double ratio_first = 1, ratio = 1, codec_rate = 0, codec_rate_first = 0, xbzrle_rate = 0;
    g_autoptr(DrPageCache) cache = NULL;
    Stream st = { 0 };
    XbzrleShares sh = { 1.0, 0, 0, 0, 0 };
    double t, d, bytes, pending, dirty_factor = 1.0, x = 0;
    double best_d = INFINITY, period_t = 0, period_dirty = 0, period_xfer = 0;
    double cpu = 0, misses = 0, later_pages = 0, achieved;
    unsigned int rounds = 1, stall = 0, high = 0;
    /* QEMU < 8.1 sets multifd's raw pages against the limit. */
    gboolean queued = s->parallel > 0 &&
                      in->multifd_accounting == DR_MIG_MULTIFD_ACCOUNTING_QUEUED;
    double pace1, pace, cap;
    double nonzero = (1.0 - in->zero_fraction) * (double)in->ram_bytes / P;
    double zero = in->zero_fraction * (double)in->ram_bytes / P;

    memset(out, 0, sizeof(*out));
    if (!dr_mig_check(in, s, error))
        return FALSE;

    if (!placement_known(in) && xbzrle)
        out->uncertain |= DR_MIG_UNCERTAIN_PLACEMENT;
    if (xbzrle && !in->have_xbzrle)
        out->uncertain |= DR_MIG_UNCERTAIN_XBZRLE;
    /* How far past the limit multifd runs depends on the link
     * (multifd_pace()); only this host's own migrations tell. */
    if (multifd_past_limit(in, s))
        out->uncertain |= DR_MIG_UNCERTAIN_LINK;

    if (xbzrle) {
        double speed = in->xbzrle_encode_speed;
        if (speed <= 0) {
            speed = GUESS_XBZRLE_SPEED;
            out->uncertain |= DR_MIG_UNCERTAIN_ENCODER;
        }
        xbzrle_rate = speed * thread_share(in, 1);
        stream_init(&st, in);
        /* The cache is scaled down as the stream was. */
        cache = dr_page_cache_new(MAX(s->xbzrle_cache / st.scale, (uint64_t)in->page_size),
                                  in->page_size, error);
        if (!cache) {
            stream_clear(&st);
            return FALSE;
        }
        out->source_memory = s->xbzrle_cache;
    }
    if (page_codec) {
        double speed = in->page_codec_speed[codec];
        double speed_first = in->page_codec_speed_first[codec];
        if (in->page_ratio_first[codec] > 0)
            ratio_first = in->page_ratio_first[codec];
        else
            out->uncertain |= DR_MIG_UNCERTAIN_PAGE_RATIO;
        /* No changed page sampled: the later rounds are small, and
         * sent as if incompressible. */
        if (in->page_ratio[codec] > 0)
            ratio = in->page_ratio[codec];
        /* Each set stands in for the other; neither timed: a guess. */
        if (speed <= 0)
            speed = speed_first;
        if (speed_first <= 0)
            speed_first = speed;
        if (speed <= 0) {
            speed = speed_first = codec == DR_PAGE_CODEC_ZLIB ? GUESS_ZLIB_SPEED : GUESS_ZSTD_SPEED;
            out->uncertain |= DR_MIG_UNCERTAIN_ENCODER;
        }
        codec_rate = speed * s->parallel * thread_share(in, s->parallel);
        codec_rate_first = speed_first * s->parallel * thread_share(in, s->parallel);
    }
    if (s->dirty_limit > 0 && in->dirty_rate > 0)
        dirty_factor = MIN(1.0, s->dirty_limit * in->vcpus / in->dirty_rate);

    pace1 = multifd_pace(in, s, B, ratio_first, page_codec || in->zero_fraction > 0);
    pace = multifd_pace(in, s, B, ratio, page_codec);
    cap = MAX(pace1, pace);

    /* Round 1: every page, whole; zero pages as a header. */
    bytes = nonzero * (P + DR_MIG_PAGE_OVERHEAD) / ratio_first + zero * DR_MIG_ZERO_PAGE_BYTES;
    if (queued)
        d = (nonzero * (P + DR_MIG_PAGE_OVERHEAD) + zero * DR_MIG_ZERO_PAGE_BYTES) / B;
    else
        d = nonzero * (P + DR_MIG_PAGE_OVERHEAD) / ratio_first / pace1 +
            zero * DR_MIG_ZERO_PAGE_BYTES / B;
    d += dr_mig_zero_pages_s(dr_mig_link_class(s), zero); /* in runs, beside the bytes */
    if (page_codec) {
        d = MAX(d, nonzero * P / codec_rate_first);
        cpu += nonzero * P * s->parallel * thread_share(in, s->parallel) / codec_rate_first;
    }
    if (xbzrle)
        dr_page_cache_begin_round(cache); /* the model's first pass: nothing cached */
    /* What the guest dirties over the first pass comes from the curve
     * past its longest period: a guess where it had not flattened. */
    if (in->wss_open && in->wss_span_s > 0 && d > in->wss_span_s)
        out->uncertain |= DR_MIG_UNCERTAIN_WSS;
    t = DR_MIG_SETUP_S + d;
    period_t = d;
    period_xfer = bytes;
    /* QEMU's switchover threshold is the wire bandwidth it just saw
     * times the max downtime, set against the dirty pages' raw size:
     * a compressed or CPU-bound round lowers it. */
    achieved = queued ? B : d > 0 ? MIN(cap, bytes / d) : cap;

    if (s->postcopy) {
        /* Switch after the first pass; what was dirtied meanwhile moves
         * once, on demand or in the background, while the guest runs
         * on the destination. */
        double rest = dr_mig_dirtied(in, d);
        out->converges = TRUE;
        out->postcopy_s = rest * (P + DR_MIG_PAGE_OVERHEAD) / P / B;
        out->downtime_s = DR_MIG_SWITCHOVER_S;
        out->total_s = t + out->postcopy_s;
        out->bytes = (uint64_t)(bytes + rest * (P + DR_MIG_PAGE_OVERHEAD) / P);
        out->rounds = 1;
        out->uncertain |= DR_MIG_UNCERTAIN_POSTCOPY;
        out->converges = out->total_s <= time_max;
        stream_clear(&st);
        return TRUE;
    }

    for (;;) {
        double f = dirty_factor * throttle_effect(in, x);
        double wire, pages, dn;

        pending = dr_mig_dirtied(in, f * d);
        period_dirty += pending;

        /* QEMU's migration_trigger_throttle, at this sync. */
        if (period_t >= THROTTLE_PERIOD_S) {
            if (s->auto_converge && period_dirty > THROTTLE_TRIGGER * period_xfer &&
                ++high >= THROTTLE_HIGH_PERIODS) {
                high = 0;
                if (x == 0)
                    x = s->auto_converge_initial / 100.0;
                else
                    x = MIN(THROTTLE_MAX, x + s->auto_converge_increment / 100.0);
                if (in->vcpu_busy < 0)
                    out->uncertain |= DR_MIG_UNCERTAIN_THROTTLE;
            }
            period_t = period_dirty = period_xfer = 0;
        }

        pages = pending / P;
        if (xbzrle) {
            uint64_t n = (uint64_t)llround(pages / (double)st.scale);
            xbzrle_round(cache, &st, in, n, &sh);
            wire = pages * (sh.miss * (P + DR_MIG_PAGE_OVERHEAD) +
                            sh.overflow * (P + DR_MIG_PAGE_OVERHEAD) +
                            sh.delta * sh.delta_bytes);
            dn = MAX(wire / B, pages * (1.0 - sh.miss) * P / xbzrle_rate);
            cpu += pages * (1.0 - sh.miss) * P / (xbzrle_rate / thread_share(in, 1));
            misses += pages * sh.miss;
            later_pages += pages;
        } else {
            wire = pages * (P + DR_MIG_PAGE_OVERHEAD) / ratio;
            dn = queued ? pages * (P + DR_MIG_PAGE_OVERHEAD) / B : wire / pace;
            if (page_codec) {
                dn = MAX(dn, pages * P / codec_rate);
                cpu += pages * P * s->parallel * thread_share(in, s->parallel) / codec_rate;
            }
        }
        rounds++;

        if (pending <= achieved * downtime_max) {
            /* Switchover: the rest goes with the guest stopped. */
            out->converges = t + dn <= time_max;
            out->downtime_s = dn + DR_MIG_SWITCHOVER_S;
            t += dn;
            bytes += wire;
            break;
        }
        if (t + dn >= time_max || rounds >= ROUNDS_MAX) {
            /* Not by max time: what it would cost to force it there. */
            double left = time_max - t;
            bytes += MAX(0, left) * (queued ? B / ratio : cap);
            out->converges = FALSE;
            out->downtime_s = dn + DR_MIG_SWITCHOVER_S;
            t = time_max;
            break;
        }
        if (dn < best_d * 0.99) {
            best_d = dn;
            stall = 0;
        } else if (++stall >= STALL_ROUNDS &&
                   (!s->auto_converge || x >= THROTTLE_MAX ||
                    throttle_effect(in, THROTTLE_MAX) >= throttle_effect(in, x))) {
            /* A fixed point above the threshold: the link stays busy
             * until max time; the rounds go on at this length. */
            double left = time_max - t;
            bytes += left * (queued ? B / ratio : cap);
            rounds += (unsigned int)MIN(left / MAX(dn, 1e-3), (double)ROUNDS_MAX);
            out->converges = FALSE;
            out->downtime_s = dn + DR_MIG_SWITCHOVER_S;
            t = time_max;
            break;
        }
        t += dn;
        bytes += wire;
        period_t += dn;
        period_xfer += wire;
        if (dn > 0 && !queued)
            achieved = MIN(cap, wire / dn);
        d = dn;
    }

    out->total_s = t;
    out->bytes = (uint64_t)MIN(bytes, 1.8e19);
    out->rounds = rounds;
    out->pending_bytes = pending;
    out->throttle = x;
    out->cache_miss_rate = later_pages > 0 ? misses / later_pages : 0;
    out->source_cpu_s = cpu;
    stream_clear(&st);
    return TRUE;
}
