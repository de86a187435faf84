/*
 * dr-migparams.c: libvirt's migration parameters for a chosen setting
 */
#include <config.h>

#include <math.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-migparams.h"

static const struct {
    unsigned int flag;
    const char *name;
} flag_names[] = {
    { VIR_MIGRATE_LIVE, "VIR_MIGRATE_LIVE" },
    { VIR_MIGRATE_PEER2PEER, "VIR_MIGRATE_PEER2PEER" },
    { VIR_MIGRATE_TUNNELLED, "VIR_MIGRATE_TUNNELLED" },
    { VIR_MIGRATE_PERSIST_DEST, "VIR_MIGRATE_PERSIST_DEST" },
    { VIR_MIGRATE_UNDEFINE_SOURCE, "VIR_MIGRATE_UNDEFINE_SOURCE" },
    { VIR_MIGRATE_COMPRESSED, "VIR_MIGRATE_COMPRESSED" },
    { VIR_MIGRATE_AUTO_CONVERGE, "VIR_MIGRATE_AUTO_CONVERGE" },
    { VIR_MIGRATE_POSTCOPY, "VIR_MIGRATE_POSTCOPY" },
    { VIR_MIGRATE_PARALLEL, "VIR_MIGRATE_PARALLEL" },
};

void
dr_mig_params_clear(DrMigParams *p)
{
    virTypedParamsFree(p->params, p->nparams);
    p->params = NULL;
    p->nparams = p->maxparams = 0;
    p->flags = 0;
}

static gboolean
failed(DrMigParams *p, GError **error)
{
    g_autofree char *msg = dr_error_libvirt_last(NULL);
    g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                _("Cannot build the migration parameters: %s"), msg);
    dr_mig_params_clear(p);
    return FALSE;
}

gboolean
dr_mig_params_build(const DrMigSettings *s, double bandwidth, const char *migrate_uri,
                    unsigned int flags, DrMigParams *out, GError **error)
{
    double mib = floor(bandwidth / 1048576.0);

    memset(out, 0, sizeof(*out));
    out->flags = flags | VIR_MIGRATE_LIVE;
    /* libvirt's typed-parameter helpers touch its thread-local error,
     * which is set up here when no connection has been opened yet. */
    if (virInitialize() < 0)
        return failed(out, error);
    if (s->dirty_limit > 0) {
        /* QEMU's dirty-limit capability and vcpu-dirty-limit parameter
         * have no libvirt API: setting them through QMP before libvirt
         * starts the job is not done yet. */
        g_set_error(error, DR_ERROR, DR_ERROR_UNSUPPORTED,
                    _("The plan uses QEMU's dirty-limit, which libvirt cannot set in a migration; it is advice only"));
        return FALSE;
    }
    if (!isfinite(bandwidth) || bandwidth <= 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The migration bandwidth must be above zero"));
        return FALSE;
    }
    if (migrate_uri &&
        virTypedParamsAddString(&out->params, &out->nparams, &out->maxparams,
                                VIR_MIGRATE_PARAM_URI, migrate_uri) < 0)
        return failed(out, error);
    if (virTypedParamsAddULLong(&out->params, &out->nparams, &out->maxparams,
                                VIR_MIGRATE_PARAM_BANDWIDTH,
                                (unsigned long long)MAX(1.0, MIN(mib, 1e15))) < 0)
        return failed(out, error);

    if (s->compression != DR_MIG_COMPRESSION_NONE) {
        out->flags |= VIR_MIGRATE_COMPRESSED;
        if (virTypedParamsAddString(&out->params, &out->nparams, &out->maxparams,
                                    VIR_MIGRATE_PARAM_COMPRESSION,
                                    dr_mig_compression_to_string(s->compression)) < 0)
            return failed(out, error);
    }
    if (s->compression == DR_MIG_COMPRESSION_XBZRLE &&
        virTypedParamsAddULLong(&out->params, &out->nparams, &out->maxparams,
                                VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE,
                                s->xbzrle_cache) < 0)
        return failed(out, error);
    if (s->parallel) {
        out->flags |= VIR_MIGRATE_PARALLEL;
        if (virTypedParamsAddInt(&out->params, &out->nparams, &out->maxparams,
                                 VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, (int)s->parallel) < 0)
            return failed(out, error);
    }
    if (s->auto_converge) {
        out->flags |= VIR_MIGRATE_AUTO_CONVERGE;
        if (virTypedParamsAddInt(&out->params, &out->nparams, &out->maxparams,
                                 VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
                                 (int)s->auto_converge_initial) < 0 ||
            virTypedParamsAddInt(&out->params, &out->nparams, &out->maxparams,
                                 VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT,
                                 (int)s->auto_converge_increment) < 0)
            return failed(out, error);
    }
    if (s->postcopy)
        out->flags |= VIR_MIGRATE_POSTCOPY;
    return TRUE;
}

char **
dr_mig_params_flag_names(unsigned int flags)
{
    g_autoptr(GPtrArray) a = g_ptr_array_new();
    for (size_t i = 0; i < G_N_ELEMENTS(flag_names); i++) {
        if (flags & flag_names[i].flag)
            g_ptr_array_add(a, g_strdup(flag_names[i].name));
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&a), FALSE);
}

char **
dr_mig_params_to_strv(const DrMigParams *p)
{
    g_autoptr(GPtrArray) a = g_ptr_array_new();
    for (int i = 0; i < p->nparams; i++) {
        const virTypedParameter *t = &p->params[i];
        switch (t->type) {
        case VIR_TYPED_PARAM_STRING:
            g_ptr_array_add(a, g_strdup_printf("%s=%s", t->field, t->value.s));
            break;
        case VIR_TYPED_PARAM_ULLONG:
            g_ptr_array_add(a, g_strdup_printf("%s=%llu", t->field, t->value.ul));
            break;
        case VIR_TYPED_PARAM_INT:
            g_ptr_array_add(a, g_strdup_printf("%s=%d", t->field, t->value.i));
            break;
        default:
            g_ptr_array_add(a, g_strdup_printf("%s=?", t->field));
            break;
        }
    }
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&a), FALSE);
}
