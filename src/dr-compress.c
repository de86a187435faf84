/*
 * dr-compress.c: how well XBZRLE would compress a live guest
 *
 * Reads K random RAM pages (virDomainMemoryPeek, VIR_MEMORY_PHYSICAL) in
 * rounds.  A page whose XXH3 hash changed between two reads is encoded
 * against its previous copy with our XBZRLE codec, exactly as QEMU would
 * encode it against its cached copy.  Every page is re-read in the same
 * order, so each page's interval is the time between its own two reads.
 *
 * Before the rounds, each sampled page is read once more with up to
 * DR_COMPRESS_RUN_PAGES_MAX - 1 of its neighbours, in one call: the zero
 * share and the first pass's whole-page ratios come from these runs.
 * multifd compresses a packet's neighbouring pages in one stream, which
 * finds what neighbours have in common, and a run holds 16 times the
 * pages for the same number of calls.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <xxhash.h>

#include "dr-compresspriv.h"
#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-estimate.h"
#include "dr-guestmem.h"
#include "dr-wait.h"
#include "dr-xbzrle.h"

#define PAGE DR_GUEST_PAGE_SIZE

const char *
dr_compress_size_class_name(DrCompressSizeClass cls)
{
    switch (cls) {
    case DR_COMPRESS_SIZE_TINY:
        return "1-16";
    case DR_COMPRESS_SIZE_SMALL:
        return "17-64";
    case DR_COMPRESS_SIZE_MEDIUM:
        return "65-256";
    case DR_COMPRESS_SIZE_LARGE:
        return "257-1024";
    case DR_COMPRESS_SIZE_HUGE:
        return "1025-4095";
    case DR_COMPRESS_SIZE_OVERFLOW:
        return "overflow";
    case DR_COMPRESS_SIZE_LAST:
        break;
    }
    return "?";
}

static DrCompressSizeClass
size_class(int encoded_len)
{
    if (encoded_len < 0)
        return DR_COMPRESS_SIZE_OVERFLOW;
    if (encoded_len <= 16)
        return DR_COMPRESS_SIZE_TINY;
    if (encoded_len <= 64)
        return DR_COMPRESS_SIZE_SMALL;
    if (encoded_len <= 256)
        return DR_COMPRESS_SIZE_MEDIUM;
    if (encoded_len <= 1024)
        return DR_COMPRESS_SIZE_LARGE;
    return DR_COMPRESS_SIZE_HUGE;
}

void
dr_compress_params_init(DrCompressParams *params)
{
    params->pages = DR_COMPRESS_PAGES_DEFAULT;
    params->interval_ms = DR_COMPRESS_INTERVAL_MS_DEFAULT;
    params->rounds = DR_COMPRESS_ROUNDS_DEFAULT;
    params->seed = 0;
}

gboolean
dr_compress_params_check(const DrCompressParams *params, GError **error)
{
    if (params->pages < DR_COMPRESS_PAGES_MIN || params->pages > DR_COMPRESS_PAGES_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The number of pages %1$u is out of range: use %2$d to %3$d"),
                    params->pages, DR_COMPRESS_PAGES_MIN, DR_COMPRESS_PAGES_MAX);
        return FALSE;
    }
    if (params->interval_ms < DR_COMPRESS_INTERVAL_MS_MIN ||
        params->interval_ms > DR_COMPRESS_INTERVAL_MS_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The interval of %1$u ms is out of range: use %2$d ms to %3$d s"),
                    params->interval_ms, DR_COMPRESS_INTERVAL_MS_MIN,
                    DR_COMPRESS_INTERVAL_MS_MAX / 1000);
        return FALSE;
    }
    if (params->rounds < DR_COMPRESS_ROUNDS_MIN || params->rounds > DR_COMPRESS_ROUNDS_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The number of rounds %1$u is out of range: use %2$d to %3$d"),
                    params->rounds, DR_COMPRESS_ROUNDS_MIN, DR_COMPRESS_ROUNDS_MAX);
        return FALSE;
    }
    return TRUE;
}


struct _DrCompressTally {
    unsigned int pages;
    unsigned int rounds;
    uint64_t observations;
    uint64_t changed;
    uint64_t overflow;
    uint64_t fit;
    double enc_sum, enc_sumsq;     /* encoded sizes of pages that fit */
    double share_sum, share_sumsq; /* per changed page: sent / full */
    double xbzrle_bytes;           /* QEMU's counter: encoded + 3 */
    uint64_t size_classes[DR_COMPRESS_SIZE_LAST];
    unsigned int *changes;         /* per page: rounds it changed in */
    uint8_t *bins;                 /* per page: its stretch of RAM */
    uint64_t zero;                 /* pages all zero at the first read */
    uint64_t runs, run_pages, run_zero; /* runs of neighbours first read */
    GArray *run_zero_share;        /* per run, in order: its zero share */
    GArray *run_len;               /* per run, in order: its pages */
    unsigned int *run_changes;     /* per page of the runs, in order:
                                    * rounds it changed in; NULL until
                                    * a run is re-read */
    unsigned int *run_first;       /* per run: its first page's index
                                    * in run_changes */
    /* [0]: first reads, [1]: changed pages */
    DrPageCodec *codec[2][DR_PAGE_CODEC_LAST];
    unsigned int codec_pages[2];
};

DrCompressTally *
dr_compress_tally_new(unsigned int pages, unsigned int rounds)
{
    DrCompressTally *t = g_new0(DrCompressTally, 1);

    t->pages = pages;
    t->rounds = rounds;
    t->changes = g_new0(unsigned int, pages);
    t->bins = g_new0(uint8_t, pages);
    t->run_len = g_array_new(FALSE, FALSE, sizeof(unsigned int));
    t->run_zero_share = g_array_new(FALSE, FALSE, sizeof(double));
    for (size_t k = 0; k < 2; k++) {
        for (size_t c = 0; c < DR_PAGE_CODEC_LAST; c++)
            t->codec[k][c] = dr_page_codec_new(c, DR_PAGE_CODEC_LEVEL_DEFAULT);
    }
    return t;
}

void
dr_compress_tally_free(DrCompressTally *t)
{
    if (!t)
        return;
    g_free(t->changes);
    g_free(t->bins);
    g_array_unref(t->run_len);
    g_array_unref(t->run_zero_share);
    g_free(t->run_changes);
    g_free(t->run_first);
    for (size_t k = 0; k < 2; k++) {
        for (size_t c = 0; c < DR_PAGE_CODEC_LAST; c++)
            dr_page_codec_free(t->codec[k][c]);
    }
    g_free(t);
}

void
dr_compress_tally_add(DrCompressTally *t, unsigned int page, int encoded_len)
{
    const double full = DR_XBZRLE_PAGE_HEADER + PAGE;
    double sent;

    g_return_if_fail(page < t->pages);
    t->observations++;
    if (encoded_len == 0)
        return;
    t->changed++;
    t->changes[page]++;
    t->size_classes[size_class(encoded_len)]++;
    if (encoded_len < 0) {
        t->overflow++;
        sent = full;
    } else {
        double e = encoded_len;
        t->fit++;
        t->enc_sum += e;
        t->enc_sumsq += e * e;
        t->xbzrle_bytes += e + DR_XBZRLE_DELTA_HEADER;
        sent = DR_XBZRLE_PAGE_HEADER + DR_XBZRLE_DELTA_HEADER + e;
    }
    t->share_sum += sent / full;
    t->share_sumsq += (sent / full) * (sent / full);
}

void
dr_compress_tally_first(DrCompressTally *t, unsigned int page, unsigned int bin, gboolean zero)
{
    g_return_if_fail(page < t->pages && bin < DR_COMPRESS_PLACEMENT_BINS);
    t->bins[page] = (uint8_t)bin;
    t->zero += zero != FALSE;
}

static gboolean
page_is_zero(const uint8_t *page)
{
    return page[0] == 0 && memcmp(page, page + 1, PAGE - 1) == 0;
}

void
dr_compress_tally_run(DrCompressTally *t, const uint8_t *pages, unsigned int n)
{
    unsigned int zero = 0;
    double share;

    g_return_if_fail(n > 0);
    for (unsigned int j = 0; j < n; j++) {
        const uint8_t *page = pages + (gsize)j * PAGE;
        if (page_is_zero(page))
            zero++;
        else
            dr_compress_tally_content(t, FALSE, page);
    }
    share = (double)zero / n;
    t->runs++;
    t->run_pages += n;
    t->run_zero += zero;
    g_array_append_val(t->run_zero_share, share);
    g_array_append_val(t->run_len, n);
}

void
dr_compress_tally_run_changes(DrCompressTally *t, unsigned int run, const uint8_t *changed,
                              unsigned int n)
{
    g_return_if_fail(run < t->run_len->len);
    g_return_if_fail(n <= g_array_index(t->run_len, unsigned int, run));
    if (!t->run_changes) {
        unsigned int at = 0;
        t->run_changes = g_new0(unsigned int, t->run_pages);
        t->run_first = g_new(unsigned int, t->run_len->len);
        for (unsigned int r = 0; r < t->run_len->len; r++) {
            t->run_first[r] = at;
            at += g_array_index(t->run_len, unsigned int, r);
        }
    }
    for (unsigned int j = 0; j < n; j++)
        t->run_changes[t->run_first[run] + j] += changed[j] != 0;
}

/* A share of @pages pages that lie in @n runs of neighbours, one run in
 * each of @n equal stretches of RAM, @y[i] the share in the run of
 * stretch i.  The pages of a run are not independent, nor are the
 * stretches alike: the interval is the wider of the one independent
 * pages would give and the runs' own.  The latter takes the variance
 * of a stratified sample of one run per stretch from the differences
 * between neighbouring stretches (the collapsed-strata estimator,
 * which errs high where neighbours differ): a set that lies together
 * in RAM is then measured as closely as its edges allow, where taking
 * the runs as a simple random sample would weigh every run inside it
 * against every run outside. */
static DrEstimate
pooled_share(uint64_t hits, uint64_t pages, const double *y, size_t n)
{
    DrEstimate e = dr_estimate_wilson(hits, pages);
    double mean = 0, v = 0, half;

    if (pages <= n || n < 2)
        return e;
    for (size_t i = 0; i < n; i++)
        mean += y[i] / (double)n;
    for (size_t i = 1; i < n; i++)
        v += (y[i] - y[i - 1]) * (y[i] - y[i - 1]);
    v /= 2.0 * (double)n * (double)(n - 1);
    half = DR_ESTIMATE_Z95 * sqrt(v);
    e.low = MAX(MIN(e.low, mean - half), 0.0);
    e.high = MIN(MAX(e.high, mean + half), 1.0);
    return e;
}

/* The zero share of the pages first read: from the runs of neighbours
 * where there are any, else from the sampled pages. */
static DrEstimate
zero_fraction(const DrCompressTally *t, uint64_t *pages)
{
    if (t->runs == 0) {
        *pages = t->pages;
        return dr_estimate_wilson(t->zero, t->pages);
    }
    *pages = t->run_pages;
    return pooled_share(t->run_zero, t->run_pages, (const double *)t->run_zero_share->data,
                        t->run_zero_share->len);
}

/* The shares of RAM written at least once and in every round.  The
 * written set comes from the runs re-read at the end where there are
 * any, else from the sampled pages; the hot set, which needs every
 * round, from the sampled pages. */
static void
written_shares(const DrCompressTally *t, DrEstimate *written, DrEstimate *hot,
               uint64_t *pages)
{
    uint64_t w = 0, h = 0;
    unsigned int nruns = t->run_len->len;
    g_autofree double *ws = NULL;

    for (unsigned int i = 0; i < t->pages; i++) {
        unsigned int c = MIN(t->changes[i], t->rounds);
        w += c > 0;
        h += c == t->rounds;
    }
    *hot = dr_estimate_wilson(h, t->pages);
    if (!t->run_changes) {
        *pages = t->pages;
        *written = dr_estimate_wilson(w, t->pages);
        return;
    }
    w = 0;
    ws = g_new(double, nruns);
    for (unsigned int r = 0; r < nruns; r++) {
        unsigned int n = g_array_index(t->run_len, unsigned int, r), rw = 0;
        const unsigned int *c = t->run_changes + t->run_first[r];
        for (unsigned int j = 0; j < n; j++)
            rw += c[j] > 0;
        w += rw;
        ws[r] = (double)rw / n;
    }
    *pages = t->run_pages;
    *written = pooled_share(w, t->run_pages, ws, nruns);
}

void
dr_compress_tally_content(DrCompressTally *t, gboolean changed, const uint8_t *page)
{
    size_t k = changed != FALSE;

    if (t->codec_pages[k] >= DR_COMPRESS_CODEC_PAGES_MAX)
        return;
    t->codec_pages[k]++;
    for (size_t c = 0; c < DR_PAGE_CODEC_LAST; c++)
        dr_page_codec_add(t->codec[k][c], page, PAGE);
}

void
dr_compress_tally_round(DrCompressTally *t)
{
    for (size_t c = 0; c < DR_PAGE_CODEC_LAST; c++)
        dr_page_codec_forget(t->codec[1][c]);
}

DrCompressEstimate *
dr_compress_tally_finish(DrCompressTally *t, uint64_t ram_pages,
                         double interval_s, double elapsed_s)
{
    g_autoptr(DrCompressEstimate) est = g_new0(DrCompressEstimate, 1);
    DrEstimate written, hot;
    double ram_bytes = (double)ram_pages * PAGE;

    est->pages = t->pages;
    est->rounds = t->rounds;
    est->interval_s = interval_s;
    est->elapsed_s = elapsed_s;
    est->ram_bytes = ram_pages * PAGE;
    est->observations = t->observations;
    est->changed = t->changed;
    est->overflow_fraction = dr_estimate_wilson(t->overflow, t->changed);
    est->mean_encoded = dr_estimate_mean_from_sums(t->enc_sum, t->enc_sumsq, t->fit);
    est->xbzrle_share = dr_estimate_mean_from_sums(t->share_sum, t->share_sumsq, t->changed);
    est->encoding_rate = t->xbzrle_bytes > 0 ?
        (double)t->fit * PAGE / t->xbzrle_bytes : 0.0;
    memcpy(est->size_classes, t->size_classes, sizeof(est->size_classes));

    est->temperature = g_new0(uint64_t, t->rounds + 1);
    for (unsigned int i = 0; i < t->pages; i++) {
        unsigned int c = MIN(t->changes[i], t->rounds);
        est->temperature[c]++;
        est->bin_sampled[t->bins[i]]++;
        est->bin_written[t->bins[i]] += c > 0;
    }
    est->zero_fraction = zero_fraction(t, &est->first_read_pages);
    est->dirty_fraction = dr_estimate_wilson(t->changed, t->observations);
    written_shares(t, &written, &hot, &est->written_read_pages);
    est->written_set_bytes = dr_estimate_scale(written, ram_bytes);
    est->hot_set_bytes = dr_estimate_scale(hot, ram_bytes);
    for (size_t c = 0; c < DR_PAGE_CODEC_LAST; c++) {
        DrPageCodec *first = t->codec[0][c], *changed = t->codec[1][c];
        double in = 0, cpu = 0;

        dr_page_codec_flush(first);
        dr_page_codec_flush(changed);
        est->first_ratio[c] = dr_page_codec_ratio(first);
        est->changed_ratio[c] = dr_page_codec_ratio(changed);
        /* Both sets together time the codec: a guest mostly of zero
         * pages gives each too few pages to be timed alone. */
        for (size_t k = 0; k < 2; k++) {
            if (dr_page_codec_cpu_seconds(t->codec[k][c]) > 0) {
                in += (double)dr_page_codec_bytes_in(t->codec[k][c]);
                cpu += dr_page_codec_cpu_seconds(t->codec[k][c]);
            }
        }
        est->codec_speed[c] = in >= DR_PAGE_CODEC_SPEED_MIN_BYTES && cpu > 0 ? in / cpu : 0;
        est->codec_speed_first[c] = dr_page_codec_speed(first);
        est->codec_speed_changed[c] = dr_page_codec_speed(changed);
        if (est->codec_speed_first[c] <= 0)
            est->codec_speed_first[c] = est->codec_speed[c];
        if (est->codec_speed_changed[c] <= 0)
            est->codec_speed_changed[c] = est->codec_speed[c];
    }
    return g_steal_pointer(&est);
}

void
dr_compress_estimate_free(DrCompressEstimate *est)
{
    if (!est)
        return;
    g_free(est->temperature);
    g_free(est);
}

/* ---- sampling a live guest ------------------------------------------ */

/* K distinct page indices below @npages, ascending: one at random in
 * each of K equal stretches of RAM.  Stratified, it is as unbiased as a
 * simple random sample, and far more precise for what clusters in RAM:
 * zero pages, the written set and where it lies. */
static uint64_t *
choose_pages(unsigned int k, uint64_t npages, uint64_t seed)
{
    g_autoptr(GRand) rnd = seed ? g_rand_new_with_seed((guint32)(seed ^ (seed >> 32)))
                                : g_rand_new();
    uint64_t *idx = g_new(uint64_t, k);

    for (unsigned int i = 0; i < k; i++) {
        uint64_t lo = npages * i / k, hi = npages * (i + 1) / k;
        uint64_t r = ((uint64_t)g_rand_int(rnd) << 32) | g_rand_int(rnd);
        idx[i] = lo + r % (hi - lo);
    }
    return idx;
}

/* @n pages of guest RAM from @addr, which the caller has checked lie
 * together in RAM (dr_guest_mem_contiguous_pages()). */
static gboolean
read_pages(virDomainPtr dom, uint64_t addr, unsigned int n, uint8_t *buf, GError **error)
{
    if (virDomainMemoryPeek(dom, addr, (size_t)n * PAGE, buf, VIR_MEMORY_PHYSICAL) < 0) {
        /* No libvirt call before the error is taken: each one clears
         * libvirt's last error (virDomainGetName too). */
        g_autofree char *what = g_strdup_printf(_("its memory at 0x%1$" G_GINT64_MODIFIER "x was read"),
                                                addr);
        dr_error_set_libvirt_domain(error, dom, what);
        return FALSE;
    }
    return TRUE;
}

/* Each sampled page with the neighbours after it, within its stretch of
 * RAM and RAM's own ranges, for the first-read tallies; @run_len gets
 * each run's pages, @run_hash (DR_COMPRESS_RUN_PAGES_MAX a run) their
 * hashes and @run_read_at when each was read, for the written set.
 * The runs are as long as keeps all of them within what the codecs
 * take. */
static gboolean
read_runs(virDomainPtr dom, const DrGuestMem *mem, const uint64_t *idx, unsigned int k,
          unsigned int *run_len, uint64_t *run_hash, gint64 *run_read_at,
          DrCompressTally *tally, GCancellable *cancellable, GError **error)
{
    unsigned int run = CLAMP(DR_COMPRESS_CODEC_PAGES_MAX / k, 1, DR_COMPRESS_RUN_PAGES_MAX);
    g_autofree uint8_t *buf = g_malloc((gsize)run * PAGE);
    uint64_t npages = dr_guest_mem_pages(mem);

    for (unsigned int i = 0; i < k; i++) {
        uint64_t end = npages * (i + 1) / k;
        uint64_t n = dr_guest_mem_contiguous_pages(mem, idx[i], MIN(run, end - idx[i]));

        if (g_cancellable_set_error_if_cancelled(cancellable, error))
            return FALSE;
        if (n == 0) {
            g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                        _("Page %1$" G_GUINT64_FORMAT " is past the guest's RAM"), idx[i]);
            return FALSE;
        }
        if (!read_pages(dom, dr_guest_mem_page_address(mem, idx[i]), (unsigned int)n, buf, error))
            return FALSE;
        run_read_at[i] = g_get_monotonic_time();
        run_len[i] = (unsigned int)n;
        for (unsigned int j = 0; j < n; j++)
            run_hash[(gsize)i * DR_COMPRESS_RUN_PAGES_MAX + j] = XXH3_64bits(buf + (gsize)j * PAGE, PAGE);
        dr_compress_tally_run(tally, buf, (unsigned int)n);
    }
    return TRUE;
}

DrCompressEstimate *
dr_compress_estimate(virDomainPtr dom, const DrCompressParams *params,
                     GCancellable *cancellable, GError **error)
{
    g_autoptr(DrGuestMem) mem = NULL;
    g_autoptr(DrCompressTally) tally = NULL;
    g_autofree uint64_t *idx = NULL;
    g_autofree uint64_t *addr = NULL;
    g_autofree uint64_t *hash = NULL;
    g_autofree gint64 *read_at = NULL;
    g_autofree uint8_t *changed = NULL;
    g_autofree uint8_t *prev = NULL;
    g_autofree uint8_t *cur = NULL;
    g_autofree unsigned int *run_len = NULL;
    g_autofree uint64_t *run_hash = NULL;
    g_autofree gint64 *run_read_at = NULL;
    g_autofree uint8_t *run_buf = g_malloc((gsize)DR_COMPRESS_RUN_PAGES_MAX * PAGE);
    uint8_t run_changed[DR_COMPRESS_RUN_PAGES_MAX];
    uint8_t enc[PAGE];
    DrCompressEstimate *est;
    double interval_sum = 0, span_sum = 0;
    gint64 begin, start;
    unsigned int k;

    if (!dr_compress_params_check(params, error))
        return NULL;
    if (virDomainIsActive(dom) != 1) {
        g_set_error(error, DR_ERROR, DR_ERROR_NO_DOMAIN,
                    _("Domain '%1$s' is not running: only a running guest's memory can be sampled"),
                    virDomainGetName(dom));
        return NULL;
    }
    if (!(mem = dr_guest_mem_new_for_domain(dom, error)))
        return NULL;
    k = params->pages;
    if (k > dr_guest_mem_pages(mem)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The guest has only %1$llu pages of RAM, fewer than the %2$u asked for"),
                    (unsigned long long)dr_guest_mem_pages(mem), k);
        return NULL;
    }

    prev = g_try_malloc((gsize)k * PAGE);
    cur = g_try_malloc((gsize)k * PAGE);
    if (!prev || !cur) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    _("Cannot allocate memory for %1$u sampled pages"), k);
        return NULL;
    }
    idx = choose_pages(k, dr_guest_mem_pages(mem), params->seed);
    addr = g_new(uint64_t, k);
    hash = g_new(uint64_t, k);
    read_at = g_new(gint64, k);
    changed = g_new0(uint8_t, k);
    run_len = g_new0(unsigned int, k);
    run_hash = g_new0(uint64_t, (gsize)k * DR_COMPRESS_RUN_PAGES_MAX);
    run_read_at = g_new0(gint64, k);
    for (unsigned int i = 0; i < k; i++)
        addr[i] = dr_guest_mem_page_address(mem, idx[i]);
    tally = dr_compress_tally_new(k, params->rounds);

    begin = g_get_monotonic_time();
    g_debug("compress estimate of %s: reading runs of neighbours at %u pages", virDomainGetName(dom), k);
    if (!read_runs(dom, mem, idx, k, run_len, run_hash, run_read_at, tally, cancellable, error))
        return NULL;
    start = g_get_monotonic_time();
    for (unsigned int round = 0; round <= params->rounds; round++) {
        gint64 due = start + (gint64)round * params->interval_ms * 1000;

        if (!dr_wait_until(due, cancellable, error))
            return NULL;
        g_debug("compress estimate of %s: round %u, reading %u pages", virDomainGetName(dom),
                round, k);
        for (unsigned int i = 0; i < k; i++) {
            uint8_t *page = cur + (gsize)i * PAGE;
            uint64_t h;
            gint64 now;
            gboolean zero;

            if (g_cancellable_set_error_if_cancelled(cancellable, error))
                return NULL;
            /* The last round reads each sampled page with its run, in
             * the same call: what changed in the run since it was first
             * read is the written set over the whole span.  The rounds
             * between read the sampled pages alone, as each 64 KiB call
             * takes longer in a busy guest. */
            if (round == params->rounds) {
                if (!read_pages(dom, addr[i], run_len[i], run_buf, error))
                    return NULL;
                now = g_get_monotonic_time();
                memcpy(page, run_buf, PAGE);
                for (unsigned int j = 0; j < run_len[i]; j++) {
                    uint64_t x = XXH3_64bits(run_buf + (gsize)j * PAGE, PAGE);
                    run_changed[j] = x != run_hash[(gsize)i * DR_COMPRESS_RUN_PAGES_MAX + j];
                }
                dr_compress_tally_run_changes(tally, i, run_changed, run_len[i]);
                span_sum += (double)(now - run_read_at[i]) / 1e6;
            } else {
                if (!read_pages(dom, addr[i], 1, page, error))
                    return NULL;
                now = g_get_monotonic_time();
            }
            h = XXH3_64bits(page, PAGE);
            zero = page_is_zero(page);
            if (round == 0) {
                dr_compress_tally_first(tally, i,
                                        (unsigned int)(idx[i] * DR_COMPRESS_PLACEMENT_BINS /
                                                       dr_guest_mem_pages(mem)),
                                        zero);
            } else {
                int len = 0;
                interval_sum += (double)(now - read_at[i]) / 1e6;
                changed[i] = h != hash[i];
                if (changed[i])
                    len = dr_xbzrle_encode(prev + (gsize)i * PAGE, page, PAGE, enc, PAGE);
                dr_compress_tally_add(tally, i, len);
            }
            hash[i] = h;
            read_at[i] = now;
        }
        /* The round's changed pages go to the codecs after its reads,
         * back to back as a multifd channel compresses a packet: fed
         * between libvirt calls, a codec finds its tables cold and is
         * timed slower than it runs in QEMU. */
        if (round > 0) {
            for (unsigned int i = 0; i < k; i++) {
                if (changed[i])
                    dr_compress_tally_content(tally, TRUE, cur + (gsize)i * PAGE);
            }
            dr_compress_tally_round(tally);
        }
        /* This round's pages are the next round's previous copies. */
        {
            uint8_t *tmp = prev;
            prev = cur;
            cur = tmp;
        }
    }

    est = dr_compress_tally_finish(tally, dr_guest_mem_pages(mem),
                                   interval_sum / ((double)k * params->rounds),
                                   (double)(g_get_monotonic_time() - begin) / 1e6);
    est->requested_interval_s = params->interval_ms / 1000.0;
    est->written_span_s = span_sum / k;
    g_debug("compress estimate: %u pages x %u rounds, interval %.3f s (asked %.3f s), %" G_GUINT64_FORMAT " changed; "
            "%" G_GUINT64_FORMAT " pages first read in runs, %.1f%% zero; written set %.1f MiB of %"
            G_GUINT64_FORMAT " pages over %.2f s",
            est->pages, est->rounds, est->interval_s, est->requested_interval_s, est->changed,
            est->first_read_pages, 100 * est->zero_fraction.value,
            est->written_set_bytes.value / 1048576.0, est->written_read_pages,
            est->written_span_s);
    return est;
}
