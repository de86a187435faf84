/*
 * dr-probe.h: what a domain can measure, found before anything is sent
 *
 * The probe reads the domain XML, libvirt's version and QEMU's version:
 * none of that goes through QMP, so probing does not taint.  Only when
 * the QMP backend is chosen (which taints anyway) is QEMU's schema read
 * to learn exactly which calc-dirty-rate arguments it takes.
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "dr-dirtyrate.h"
#include "dr-qmpdirtyrate.h"

G_BEGIN_DECLS

typedef enum {
    DR_PROBE_ACCEL_TCG,   /* <domain type='qemu'> */
    DR_PROBE_ACCEL_KVM,   /* <domain type='kvm'> */
    DR_PROBE_ACCEL_OTHER,
} DrProbeAccel;

typedef struct {
    char *name;
    char *driver;                   /* libvirt's hypervisor type, e.g. "QEMU" */
    DrProbeAccel accel;
    gboolean dirty_ring;            /* <features><kvm><dirty-ring state='on'> */
    unsigned int dirty_ring_size;
    unsigned long libvirt_version;  /* major * 1000000 + minor * 1000 + micro */
    unsigned long qemu_version;
    uint64_t ram_bytes;
    unsigned int nvcpus;
    gboolean native_api;            /* virDomainStartDirtyRateCalc (libvirt 7.2) */
    gboolean native_modes;          /* its mode flags (libvirt 8.1) */
    gboolean qmp_schema_read;       /* qmp_args come from QEMU's schema */
    DrQmpCalcDirtyRateArgs qmp_args;/* else inferred from QEMU's version */
} DrProbe;

void dr_probe_free(DrProbe *probe);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrProbe, dr_probe_free)

/* Probe from the facts alone (for tests and for dr_probe_new). */
DrProbe *dr_probe_new_from_facts(const char *domain_xml, unsigned long libvirt_version,
                                 unsigned long qemu_version, uint64_t ram_bytes,
                                 unsigned int nvcpus, GError **error);
DrProbe *dr_probe_new(virDomainPtr dom, GError **error);

/* Replaces the version-inferred QMP arguments with QEMU's schema. */
gboolean dr_probe_read_qmp_schema(DrProbe *probe, DrQmp *qmp, GError **error);

/**
 * dr_probe_mode_why_not:
 * Returns: NULL when @mode can be measured with @backend (neither AUTO),
 * or a new whole sentence saying why not and what to use instead.
 */
char *dr_probe_mode_why_not(const DrProbe *probe, DrDirtyRateMode mode,
                            DrDirtyRateBackend backend);

/**
 * dr_probe_resolve:
 * @req: what the caller asked for
 * @out: @req with mode, backend and defaults decided
 *
 * auto picks page sampling (dirty-ring when per-vCPU rates are asked
 * for) and the native backend whenever it covers the request, since
 * QMP passthrough taints the domain.  Ranges are checked here, before
 * anything reaches QEMU, and errors quote them.
 *
 * Returns: TRUE, or FALSE with @error (DR_ERROR_INVALID_ARG or
 * DR_ERROR_UNSUPPORTED) naming what was wrong.
 */
gboolean dr_probe_resolve(const DrProbe *probe, const DrDirtyRateRequest *req,
                          DrDirtyRateRequest *out, GError **error);

G_END_DECLS
