/*
 * dr-jobstats.c: one look at a domain's job, from libvirt's statistics
 *
 * See dr-jobstats.h.
 */
#include <config.h>

#include <string.h>

#include "dr-jobstats.h"

void
dr_job_stats_from_params(DrJobStats *s, int type, virTypedParameterPtr params, int nparams)
{
    memset(s, 0, sizeof(*s));
    s->type = type;
    s->active = type == VIR_DOMAIN_JOB_BOUNDED || type == VIR_DOMAIN_JOB_UNBOUNDED;
    virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_OPERATION, &s->operation);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, &s->elapsed_ms);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_REMAINING, &s->remaining);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_TOTAL, &s->total);
    if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_PROCESSED, &s->processed) <= 0)
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED, &s->processed);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_ITERATION, &s->iteration);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_CONSTANT, &s->zero_pages);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DOWNTIME, &s->downtime_ms);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_MEMORY_BPS, &s->bandwidth);
    s->xbzrle = virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_COMPRESSION_CACHE,
                                        &s->xbzrle_cache) > 0;
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_COMPRESSION_PAGES, &s->xbzrle_pages);
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_COMPRESSION_CACHE_MISSES,
                            &s->xbzrle_misses);
}

gboolean
dr_job_stats_get(virDomainPtr dom, unsigned int flags, DrJobStats *s)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = 0;

    memset(s, 0, sizeof(*s));
    if (virDomainGetJobStats(dom, &type, &params, &nparams, flags) < 0)
        return FALSE;
    dr_job_stats_from_params(s, type, params, nparams);
    virTypedParamsFree(params, nparams);
    return TRUE;
}

double
dr_job_stats_miss_rate(const DrJobStats *prev, const DrJobStats *now)
{
    unsigned long long dp = now->xbzrle_pages - MIN(prev->xbzrle_pages, now->xbzrle_pages);
    unsigned long long dm = now->xbzrle_misses - MIN(prev->xbzrle_misses, now->xbzrle_misses);

    return dp + dm ? (double)dm / (double)(dp + dm) : 0;
}
