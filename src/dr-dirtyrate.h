/*
 * dr-dirtyrate.h: a dirty-rate request and its result, as plain data
 */
#pragma once

#include <stdint.h>

#include <glib.h>

#include "dr-estimate.h"

G_BEGIN_DECLS

typedef enum {
    DR_DIRTYRATE_MODE_AUTO,
    DR_DIRTYRATE_MODE_PAGE_SAMPLING,
    DR_DIRTYRATE_MODE_DIRTY_BITMAP,
    DR_DIRTYRATE_MODE_DIRTY_RING,

    DR_DIRTYRATE_MODE_LAST
} DrDirtyRateMode;

typedef enum {
    DR_DIRTYRATE_BACKEND_AUTO,
    DR_DIRTYRATE_BACKEND_NATIVE, /* virDomainStartDirtyRateCalc: no taint */
    DR_DIRTYRATE_BACKEND_QMP,    /* QMP passthrough: taints the domain */

    DR_DIRTYRATE_BACKEND_LAST
} DrDirtyRateBackend;

/* QEMU's names ("page-sampling", ...), and "auto". */
/* Every mode's and backend's name, in enum order, NULL-terminated. */
extern const char *const dr_dirtyrate_mode_names[DR_DIRTYRATE_MODE_LAST + 1];
extern const char *const dr_dirtyrate_backend_names[DR_DIRTYRATE_BACKEND_LAST + 1];

const char *dr_dirtyrate_mode_to_string(DrDirtyRateMode mode);
gboolean dr_dirtyrate_mode_from_string(const char *s, DrDirtyRateMode *mode);
const char *dr_dirtyrate_backend_to_string(DrDirtyRateBackend backend);
gboolean dr_dirtyrate_backend_from_string(const char *s, DrDirtyRateBackend *backend);

/* The valid ranges; errors quote them. */
#define DR_DIRTYRATE_PERIOD_MS_MIN_QMP 50     /* with calc-time-unit */
#define DR_DIRTYRATE_PERIOD_MS_MIN 1000
#define DR_DIRTYRATE_PERIOD_MS_MAX 60000
#define DR_DIRTYRATE_SAMPLE_PAGES_MIN 128
#define DR_DIRTYRATE_SAMPLE_PAGES_MAX 16384
#define DR_DIRTYRATE_SAMPLE_PAGES_QEMU_DEFAULT 512
/* vCPU ids a per-vCPU rate may have (QEMU's x86 limit is lower). */
#define DR_DIRTYRATE_VCPUS_MAX 4096

typedef struct {
    DrDirtyRateMode mode;
    DrDirtyRateBackend backend;
    unsigned int period_ms;     /* 0: the default */
    unsigned int sample_pages;  /* per GiB; 0: QEMU's default (512) */
    gboolean vcpus;             /* per-vCPU rates wanted */
    gboolean forbid_qmp;        /* never use QMP passthrough */
} DrDirtyRateRequest;

#define DR_DIRTYRATE_PERIOD_MS_DEFAULT 2000

void dr_dirtyrate_request_init(DrDirtyRateRequest *req);

typedef struct {
    int id;
    double mib_per_s;
} DrDirtyRateVcpu;

/* One measurement.  QEMU's "MB/s" are MiB/s. */
typedef struct {
    DrDirtyRateMode mode;        /* as measured, never AUTO */
    DrDirtyRateBackend backend;  /* as used, never AUTO */
    unsigned int period_ms;
    unsigned int sample_pages;   /* per GiB; 0 outside page sampling */
    int64_t start_time;          /* QEMU's start-time, seconds */
    double mib_per_s;
    uint64_t ram_bytes;          /* guest RAM, for the interval below */
    DrEstimate interval;         /* 95%, page sampling; else [rate, rate] */
    size_t nvcpus;
    DrDirtyRateVcpu *vcpus;
} DrDirtyRate;

DrDirtyRate *dr_dirtyrate_new(void);
void dr_dirtyrate_free(DrDirtyRate *rate);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrDirtyRate, dr_dirtyrate_free)

/**
 * dr_dirtyrate_sampling_interval:
 * @mib_per_s: QEMU's page-sampling rate
 * @period_ms: its period
 * @sample_pages: pages sampled per GiB
 * @ram_bytes: guest RAM
 *
 * QEMU's page sampling reads @sample_pages pages per GiB and counts
 * those that changed over the period; the rate is that fraction of RAM
 * per second.  The 95% interval is a Wilson interval on the fraction.
 */
DrEstimate dr_dirtyrate_sampling_interval(double mib_per_s, unsigned int period_ms,
                                          unsigned int sample_pages, uint64_t ram_bytes);

/* The same for a pooled series: each of @n measurements with its own
 * rate, all with the same period, sample count and RAM. */
DrEstimate dr_dirtyrate_sampling_interval_pooled(const double *mib_per_s, size_t n,
                                                 unsigned int period_ms,
                                                 unsigned int sample_pages,
                                                 uint64_t ram_bytes);

G_END_DECLS
