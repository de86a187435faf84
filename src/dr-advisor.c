/*
 * dr-advisor.c: measure what the decision engine needs, then advise
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib/gi18n-lib.h>

#include "dr-advisor.h"
#include "dr-error.h"
#include "dr-hostmem.h"
#include "dr-errorpriv.h"
#include "dr-migcaps.h"
#include "dr-units.h"
#include "dr-xbzrle.h"

#define PAGE 4096

void
dr_advisor_params_init(DrAdvisorParams *p)
{
    memset(p, 0, sizeof(*p));
    p->wss_max_seconds = DR_WSS_MAX_SECONDS_DEFAULT;
    dr_compress_params_init(&p->compress);
}

void
dr_advisor_result_free(DrAdvisorResult *r)
{
    if (!r)
        return;
    dr_policy_free(r->policy);
    dr_wss_free(r->wss);
    dr_compress_estimate_free(r->compress);
    g_strfreev(r->cap_notes);
    dr_advice_free(r->advice);
    g_free(r);
}

static double
thread_cpu_s(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
dr_advisor_encoder_speed(unsigned int ms)
{
    enum { NPAGES = 64 };
    g_autofree uint8_t *old = g_malloc(NPAGES * PAGE);
    g_autofree uint8_t *cur = g_malloc(NPAGES * PAGE);
    uint8_t out[PAGE];
    uint64_t s = 0x2545f4914f6cdd1dULL, pages = 0;
    double start, now, end;

    for (size_t i = 0; i < NPAGES * PAGE; i += 8) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        memcpy(old + i, &s, 8);
    }
    memcpy(cur, old, NPAGES * PAGE);
    /* A few bytes changed per page: the encoder scans the whole page
     * either way, which is what costs. */
    for (size_t p = 0; p < NPAGES; p++)
        cur[p * PAGE + (p * 97) % PAGE] ^= 0x5a;
    /* On this thread's CPU time, not the clock: how the model shares a
     * busy host out is its business (dr-migsim.c), not this one's. */
    start = thread_cpu_s();
    end = start + ms / 1000.0;
    do {
        for (size_t p = 0; p < NPAGES; p++)
            (void)dr_xbzrle_encode(old + p * PAGE, cur + p * PAGE, PAGE, out, PAGE);
        pages += NPAGES;
        now = thread_cpu_s();
    } while (now < end && now > 0);
    return now > start ? (double)pages * PAGE / (now - start) : 0;
}

/* The host's CPU time so far, ns: busy and idle (iowait counts as idle). */
static gboolean
node_cpu_time(virConnectPtr conn, uint64_t *busy, uint64_t *idle)
{
    int n = 0;
    g_autofree virNodeCPUStatsPtr st = NULL;

    *busy = *idle = 0;
    if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, NULL, &n, 0) < 0 || n <= 0 ||
        n > 64)
        return FALSE;
    st = g_new0(virNodeCPUStats, n);
    if (virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS, st, &n, 0) < 0)
        return FALSE;
    for (int i = 0; i < n; i++) {
        if (g_str_equal(st[i].field, VIR_NODE_CPU_STATS_IDLE) ||
            g_str_equal(st[i].field, VIR_NODE_CPU_STATS_IOWAIT))
            *idle += st[i].value;
        else if (g_str_equal(st[i].field, VIR_NODE_CPU_STATS_KERNEL) ||
                 g_str_equal(st[i].field, VIR_NODE_CPU_STATS_USER))
            *busy += st[i].value;
    }
    return *busy + *idle > 0;
}

/* CPUs' worth of the host busy over @ms, from libvirt's node
 * statistics; -1 where the host does not give them. */
static double
host_busy_cpus(virConnectPtr conn, unsigned int cpus, unsigned int ms)
{
    uint64_t b0, i0, b1, i1;

    if (!node_cpu_time(conn, &b0, &i0))
        goto unknown;
    g_usleep((gulong)ms * 1000);
    if (!node_cpu_time(conn, &b1, &i1) || b1 < b0 || i1 < i0 || (b1 - b0) + (i1 - i0) == 0)
        goto unknown;
    return (double)cpus * (double)(b1 - b0) / (double)((b1 - b0) + (i1 - i0));

 unknown:
    virResetLastError();
    g_debug("the host's CPU statistics are not available: its other load is taken as none");
    return -1;
}

/* The vCPUs' CPU time so far, ns, summed. */
static gboolean
vcpu_time(virDomainPtr dom, unsigned int nvcpus, unsigned long long *ns, GError **error)
{
    g_autofree virVcpuInfoPtr info = g_new0(virVcpuInfo, nvcpus);
    int n = virDomainGetVcpus(dom, info, (int)nvcpus, NULL, 0);

    if (n < 0) {
        dr_error_set_libvirt_domain(error, dom, _("its vCPU times were read"));
        return FALSE;
    }
    *ns = 0;
    for (int i = 0; i < n; i++)
        *ns += info[i].cpuTime;
    return TRUE;
}

typedef struct {
    DrAdvisorProgressFunc fn;
    void *opaque;
} Progress;

static void
wss_progress(size_t done, size_t total, const DrWssPoint *last, void *opaque)
{
    Progress *p = opaque;
    if (p->fn)
        p->fn(N_("working set"), done, total, p->opaque);
}

/* Curve points by period, ascending. */
static int
point_cmp(const void *a, const void *b)
{
    double x = ((const DrWssPoint *)a)->period_s, y = ((const DrWssPoint *)b)->period_s;

    return (x > y) - (x < y);
}

DrAdvisorResult *
dr_advisor_run(DrMeasurePlan *plan, const DrAdvisorParams *params,
               DrAdvisorProgressFunc progress, void *opaque,
               GCancellable *cancellable, GError **error)
{
    virDomainPtr dom = dr_measure_plan_domain(plan);
    virConnectPtr conn = virDomainGetConnect(dom);
    g_autoptr(DrAdvisorResult) r = g_new0(DrAdvisorResult, 1);
    DrAdviceLimits limits;
    DrMigInput in;
    virDomainInfo info;
    virNodeInfo node;
    unsigned int periods[DR_WSS_PERIODS_MAX], caps = 0;
    size_t n = 0;
    unsigned long long cpu0, cpu1;
    gint64 t0, t1;
    Progress prog = { progress, opaque };
    const char *bw;

    dr_mig_input_init(&in);
    if (params->wss_max_seconds < DR_WSS_MAX_SECONDS_MIN ||
        params->wss_max_seconds > DR_WSS_MAX_SECONDS_MAX) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The longest working-set period must be %1$d to %2$d s, not %3$u"),
                    DR_WSS_MAX_SECONDS_MIN, DR_WSS_MAX_SECONDS_MAX, params->wss_max_seconds);
        return NULL;
    }
    if (!dr_compress_params_check(&params->compress, error))
        return NULL;
    if (!(r->policy = dr_policy_load(dom, VIR_DOMAIN_AFFECT_LIVE, params->schema_dir, error)))
        return NULL;
    if (virDomainGetInfo(dom, &info) < 0) {
        dr_error_set_libvirt_domain(error, dom, _("its state was read"));
        return NULL;
    }
    /* The boot RAM, as configured: the layout (dr-guestmem) leaves out
     * holes such as 640 KiB-1 MiB, which would put a 25% cap just under
     * a power of two. */
    in.ram_bytes = (uint64_t)info.maxMem * 1024;
    if (!dr_advice_limits_from_policy(&limits, r->policy, in.ram_bytes, error))
        return NULL;
    if (params->max_downtime_ms)
        limits.max_downtime_ms = params->max_downtime_ms;

    bw = dr_policy_get_effective(r->policy, "network.bandwidth", NULL);
    if (params->bandwidth > 0) {
        in.bandwidth = params->bandwidth;
    } else if (strcmp(bw, "measure") != 0) {
        uint64_t b;
        if (!dr_units_parse_bandwidth(bw, &b, error))
            return NULL;
        in.bandwidth = (double)b;
    } else {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("No link bandwidth for domain '%1$s': give --bandwidth, or set the policy's network.bandwidth"),
                    virDomainGetName(dom));
        return NULL;
    }

    if (!dr_mig_caps_probe(dom, params->dest, &caps, &r->cap_notes, error))
        return NULL;
    in.multifd_accounting = dr_mig_caps_multifd_accounting(caps);
    in.vcpus = MAX(info.nrVirtCpu, 1);
    if (virNodeGetInfo(conn, &node) < 0) {
        g_autofree char *msg = dr_error_libvirt_last(NULL);
        g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT, _("Cannot read the host's CPUs: %s"), msg);
        return NULL;
    }
    in.host_cpus = MAX(node.cpus, 1);

    /* The measurements, with the vCPUs' use over them. */
    for (unsigned int p = 1; p < params->wss_max_seconds; p *= 2)
        periods[n++] = p * 1000;
    periods[n++] = params->wss_max_seconds * 1000;
    t0 = g_get_monotonic_time();
    if (!vcpu_time(dom, in.vcpus, &cpu0, error))
        return NULL;
    if (!(r->wss = dr_wss_measure(plan, periods, n, 1, wss_progress, &prog, cancellable, error)))
        return NULL;
    if (progress)
        progress(N_("compressibility"), 0, 1, opaque);
    if (!(r->compress = dr_compress_estimate(dom, &params->compress, cancellable, error)))
        return NULL;
    if (progress)
        progress(N_("compressibility"), 1, 1, opaque);
    if (!vcpu_time(dom, in.vcpus, &cpu1, error))
        return NULL;
    t1 = g_get_monotonic_time();
    r->measure_s = (double)(t1 - t0) / 1e6;
    in.vcpu_busy = CLAMP((double)(cpu1 - cpu0) / 1e3 / (double)(t1 - t0) / in.vcpus, 0.0, 1.0);
    /* What else keeps the host busy, now that our sampling is done: the
     * migration's threads will share what is left. */
    {
        double busy = host_busy_cpus(conn, in.host_cpus, 500);
        if (busy >= 0)
            in.host_other_cpus = CLAMP(busy - in.vcpus * in.vcpu_busy, 0.0, (double)in.host_cpus);
    }

    /* The compressibility sample saw what was written in one of its
     * intervals and over its whole span: two more points of the curve,
     * each with its own precision (a stratified sample of other size),
     * so the fit stands on them and on QEMU's together. */
    if (r->compress->rounds > 0 && r->compress->interval_s > 0) {
        const double mib = 1048576.0;
        const double ram = (double)r->compress->ram_bytes;
        DrWssPoint q[2] = { { 0 } };
        size_t nq = 0, np = r->wss->npoints;
        g_autofree DrWssPoint *pts = NULL;

        if (r->compress->rounds > 1) {
            q[nq].period_s = r->compress->interval_s;
            q[nq].dirtied = dr_estimate_scale(r->compress->dirty_fraction, ram / mib);
            nq++;
        }
        q[nq].period_s = r->compress->written_span_s > 0 ? r->compress->written_span_s :
                         r->compress->rounds * r->compress->interval_s;
        q[nq].dirtied = dr_estimate_scale(r->compress->written_set_bytes, 1 / mib);
        nq++;
        pts = g_new0(DrWssPoint, np + nq);
        memcpy(pts, r->wss->points, np * sizeof(*pts));
        for (size_t i = 0; i < nq; i++) {
            q[i].dirtied_mib = q[i].dirtied.value;
            q[i].mib_per_s = q[i].dirtied_mib / q[i].period_s;
            pts[np + i] = q[i];
        }
        qsort(pts, np + nq, sizeof(*pts), point_cmp);
        dr_wss_free(r->wss);
        r->wss = dr_wss_fit(pts, np + nq, in.ram_bytes);
    }

    in.host_free_bytes = dr_hostmem_available(conn);
    in.xbzrle_encode_speed = dr_advisor_encoder_speed(20);
    if (params->calibration)
        dr_calibration_apply(params->calibration, &in);
    dr_mig_input_set_wss(&in, r->wss);
    dr_mig_input_set_compress(&in, r->compress);
    /* The short periods' rate (see dr_wss_rate()). */
    {
        DrEstimate rate;
        in.dirty_rate = dr_wss_rate(r->wss, &rate) ? rate.value * 1048576.0 : 0;
    }
    g_debug("advisor %s: ram %" G_GUINT64_FORMAT " MiB, %u vCPUs %.0f%% busy, %u host CPUs, "
            "%" G_GUINT64_FORMAT " MiB free, encoder %.0f MB/s, W %.0f MiB r %.1f MiB/s, "
            "zero %.2f, overflow %.2f, delta %.0f B, multifd counted %s, "
            "zstd %.0f/%.0f MB/s, zlib %.0f/%.0f MB/s (first pass/changed)",
            virDomainGetName(dom), in.ram_bytes >> 20, in.vcpus, in.vcpu_busy * 100,
            in.host_cpus, in.host_free_bytes >> 20, in.xbzrle_encode_speed / 1e6,
            in.wss_bytes / 1048576.0, in.wss_rate / 1048576.0, in.zero_fraction,
            in.overflow_fraction, in.xbzrle_encoded,
            dr_mig_multifd_accounting_to_string(in.multifd_accounting),
            in.page_codec_speed_first[DR_PAGE_CODEC_ZSTD] / 1e6,
            in.page_codec_speed[DR_PAGE_CODEC_ZSTD] / 1e6,
            in.page_codec_speed_first[DR_PAGE_CODEC_ZLIB] / 1e6,
            in.page_codec_speed[DR_PAGE_CODEC_ZLIB] / 1e6);

    if (!(r->advice = dr_advise(&in, &limits, caps, error)))
        return NULL;
    return g_steal_pointer(&r);
}
