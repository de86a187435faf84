/*
 * dr-dirtyrate.c: a dirty-rate request and its result, as plain data
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "dr-estimate.h"
#include "dr-dirtyrate.h"

/* The one table of each enum's names; NULL-terminated, so that the
 * policy's keys and the CLI can list them. */
const char *const dr_dirtyrate_mode_names[DR_DIRTYRATE_MODE_LAST + 1] = {
    [DR_DIRTYRATE_MODE_AUTO] = "auto",
    [DR_DIRTYRATE_MODE_PAGE_SAMPLING] = "page-sampling",
    [DR_DIRTYRATE_MODE_DIRTY_BITMAP] = "dirty-bitmap",
    [DR_DIRTYRATE_MODE_DIRTY_RING] = "dirty-ring",
    [DR_DIRTYRATE_MODE_LAST] = NULL,
};

const char *const dr_dirtyrate_backend_names[DR_DIRTYRATE_BACKEND_LAST + 1] = {
    [DR_DIRTYRATE_BACKEND_AUTO] = "auto",
    [DR_DIRTYRATE_BACKEND_NATIVE] = "native",
    [DR_DIRTYRATE_BACKEND_QMP] = "qmp",
    [DR_DIRTYRATE_BACKEND_LAST] = NULL,
};

#define mode_names dr_dirtyrate_mode_names
#define backend_names dr_dirtyrate_backend_names

const char *
dr_dirtyrate_mode_to_string(DrDirtyRateMode mode)
{
    return mode < DR_DIRTYRATE_MODE_LAST ? mode_names[mode] : "?";
}

gboolean
dr_dirtyrate_mode_from_string(const char *s, DrDirtyRateMode *mode)
{
    for (int i = 0; i < DR_DIRTYRATE_MODE_LAST; i++) {
        if (strcmp(s, mode_names[i]) == 0) {
            *mode = (DrDirtyRateMode)i;
            return TRUE;
        }
    }
    return FALSE;
}

const char *
dr_dirtyrate_backend_to_string(DrDirtyRateBackend backend)
{
    return backend < DR_DIRTYRATE_BACKEND_LAST ? backend_names[backend] : "?";
}

gboolean
dr_dirtyrate_backend_from_string(const char *s, DrDirtyRateBackend *backend)
{
    for (int i = 0; i < DR_DIRTYRATE_BACKEND_LAST; i++) {
        if (strcmp(s, backend_names[i]) == 0) {
            *backend = (DrDirtyRateBackend)i;
            return TRUE;
        }
    }
    return FALSE;
}

void
dr_dirtyrate_request_init(DrDirtyRateRequest *req)
{
    memset(req, 0, sizeof(*req));
    req->mode = DR_DIRTYRATE_MODE_AUTO;
    req->backend = DR_DIRTYRATE_BACKEND_AUTO;
}

DrDirtyRate *
dr_dirtyrate_new(void)
{
    return g_new0(DrDirtyRate, 1);
}

void
dr_dirtyrate_free(DrDirtyRate *rate)
{
    if (!rate)
        return;
    g_free(rate->vcpus);
    g_free(rate);
}

DrEstimate
dr_dirtyrate_sampling_interval_pooled(const double *mib_per_s, size_t n,
                                      unsigned int period_ms,
                                      unsigned int sample_pages,
                                      uint64_t ram_bytes)
{
    double ram_mib = (double)ram_bytes / 1048576.0;
    double secs = period_ms / 1000.0;
    double per_run = MAX(1.0, floor(sample_pages * ram_mib / 1024.0));
    double dirty = 0, mean = 0;
    DrEstimate e;

    for (size_t i = 0; i < n; i++) {
        /* rate = dirty / samples * RAM / period, so: */
        dirty += round(mib_per_s[i] * secs / ram_mib * per_run);
        mean += mib_per_s[i] / (double)n;
    }
    dirty = MIN(dirty, per_run * (double)n);
    e = dr_estimate_wilson((uint64_t)dirty, (uint64_t)(per_run * (double)n));
    e.value = mean;
    e.low = e.low * ram_mib / secs;
    e.high = e.high * ram_mib / secs;
    /* QEMU rounds each rate down to whole MiB/s. */
    e.high += 1.0;
    return e;
}

DrEstimate
dr_dirtyrate_sampling_interval(double mib_per_s, unsigned int period_ms,
                               unsigned int sample_pages, uint64_t ram_bytes)
{
    return dr_dirtyrate_sampling_interval_pooled(&mib_per_s, 1, period_ms,
                                                 sample_pages, ram_bytes);
}
