/*
 * vdr-advise.h: what domdirtyrate-advise and domdirtyrate-migrate share
 */
#pragma once

#include <gio/gio.h>

#include "dr-advisor.h"
#include "dr-wss.h"
#include "vdr-command.h"

/* --bandwidth, --downtime, --dest, --max-seconds and --calibration. */
#define VDR_ADVISE_OPTS \
    { .name = "bandwidth", .type = VDR_OPT_STRING, \
      .help = N_("the link's bandwidth, e.g. 40MiB/s or 10Gbit/s (default: the policy's network.bandwidth)") }, \
    { .name = "downtime", .type = VDR_OPT_STRING, \
      .help = N_("longest pause of the guest, e.g. 300ms, 1ms to 60s (default: the policy's limits.max-downtime)") }, \
    { .name = "dest", .type = VDR_OPT_STRING, \
      .help = N_("the destination's libvirt URI, to check what it supports") }, \
    { .name = "max-seconds", .type = VDR_OPT_UINT, \
      .min = DR_WSS_MAX_SECONDS_MIN, .max = DR_WSS_MAX_SECONDS_MAX, \
      .help = N_("longest working-set period, 2 to 60 (default 8)") }, \
    { .name = "calibration", .type = VDR_OPT_STRING, \
      .help = N_("this host's history of finished migrations as virt-dirtyrated keeps it, or 'none' (default: the daemon's, where it exists)") }

/* Where an installed virt-dirtyrated keeps its calibration history. */
#define VDR_ADVISE_CALIBRATION_FILE VDR_LOCALSTATEDIR "/lib/virt-dirtyrate/calibration"

/* Reads the options above (but --dest) into @params; the calibration
 * history it loads is returned in @calibration, which @params points to
 * (NULL: predictions are not calibrated). */
gboolean vdr_advise_params_from_options(const VdrCmd *cmd, DrAdvisorParams *params,
                                        DrCalibration **calibration, GError **error);

/* Measures and advises, with progress on a terminal unless @quiet. */
DrAdvisorResult *vdr_advise_run(VdrControl *ctl, virDomainPtr dom,
                                const DrAdvisorParams *params, gboolean quiet,
                                GCancellable *cancellable, GError **error);
