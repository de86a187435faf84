/*
 * dr-migparams.h: libvirt's migration parameters for a chosen setting
 *
 * The typed parameters and flags for virDomainMigrateToURI3 that carry
 * out a DrMigSettings.  The max downtime has no typed parameter in
 * libvirt: it is set with virDomainMigrateSetMaxDowntime once the job
 * runs, and postcopy is switched to with virDomainMigrateStartPostCopy
 * after the first pass.
 */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

#include "dr-migsim.h"

G_BEGIN_DECLS

typedef struct {
    virTypedParameterPtr params;
    int nparams;
    int maxparams;
    unsigned int flags;   /* VIR_MIGRATE_* */
} DrMigParams;

void dr_mig_params_clear(DrMigParams *p);

/**
 * dr_mig_params_build:
 * @bandwidth: bytes/s, given to libvirt as its limit (in MiB/s, at least 1)
 * @migrate_uri: (nullable): VIR_MIGRATE_PARAM_URI
 * @flags: VIR_MIGRATE_* flags to add (e.g. VIR_MIGRATE_PERSIST_DEST);
 *   VIR_MIGRATE_LIVE is always set
 *
 * Returns: FALSE with @error when libvirt cannot hold a value, or the
 * plan uses dirty-limit, which libvirt cannot set.
 */
gboolean dr_mig_params_build(const DrMigSettings *s, double bandwidth, const char *migrate_uri,
                             unsigned int flags, DrMigParams *out, GError **error);

/* The names of the VIR_MIGRATE_* flags set in @flags, NULL-terminated. */
char **dr_mig_params_flag_names(unsigned int flags);

/* Each parameter as "name=value", NULL-terminated. */
char **dr_mig_params_to_strv(const DrMigParams *p);

G_END_DECLS
