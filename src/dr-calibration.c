/*
 * dr-calibration.c: what this host's finished migrations say about its link
 *
 * See dr-calibration.h.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "dr-calibration.h"
#include "dr-error.h"

#define KEY_FACTOR "link-factor"
#define KEY_ERROR "time-error"

struct _DrCalibration {
    GArray *factor[DR_MIG_LINK_CLASS_LAST]; /* double, oldest first */
    GArray *error[DR_MIG_LINK_CLASS_LAST];
};

DrCalibration *
dr_calibration_new(void)
{
    DrCalibration *cal = g_new0(DrCalibration, 1);

    for (size_t c = 0; c < DR_MIG_LINK_CLASS_LAST; c++) {
        cal->factor[c] = g_array_new(FALSE, FALSE, sizeof(double));
        cal->error[c] = g_array_new(FALSE, FALSE, sizeof(double));
    }
    return cal;
}

void
dr_calibration_free(DrCalibration *cal)
{
    if (!cal)
        return;
    for (size_t c = 0; c < DR_MIG_LINK_CLASS_LAST; c++) {
        g_array_unref(cal->factor[c]);
        g_array_unref(cal->error[c]);
    }
    g_free(cal);
}

/* Appends @v, keeping the newest DR_CALIBRATION_KEEP. */
static void
push(GArray *a, double v)
{
    g_array_append_val(a, v);
    if (a->len > DR_CALIBRATION_KEEP)
        g_array_remove_range(a, 0, a->len - DR_CALIBRATION_KEEP);
}

static gboolean
factor_ok(double f)
{
    return isfinite(f) && f >= DR_CALIBRATION_FACTOR_MIN && f <= DR_CALIBRATION_FACTOR_MAX;
}

static gboolean
error_ok(double e)
{
    return isfinite(e) && e >= -1.0 && e <= 100.0;
}

/* Reads at most DR_CALIBRATION_MAX_BYTES + 1 bytes of @path. */
static char *
read_bounded(const char *path, gsize *len, gboolean *missing, GError **error)
{
    g_autofree char *buf = g_malloc(DR_CALIBRATION_MAX_BYTES + 1);
    FILE *f = fopen(path, "re");
    size_t n;

    *missing = FALSE;
    if (!f) {
        if (errno == ENOENT) {
            *missing = TRUE;
            return NULL;
        }
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED, _("Cannot read the calibration history '%1$s': %2$s"),
                    path, g_strerror(errno));
        return NULL;
    }
    n = fread(buf, 1, DR_CALIBRATION_MAX_BYTES + 1, f);
    fclose(f);
    if (n > DR_CALIBRATION_MAX_BYTES) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The calibration history '%1$s' is larger than %2$d bytes"),
                    path, DR_CALIBRATION_MAX_BYTES);
        return NULL;
    }
    *len = n;
    return g_steal_pointer(&buf);
}

static gboolean
load_list(GKeyFile *kf, const char *path, const char *group, const char *key,
          gboolean (*ok)(double), GArray *into, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autofree double *v = NULL;
    gsize n = 0;

    if (!g_key_file_has_key(kf, group, key, NULL))
        return TRUE;
    v = g_key_file_get_double_list(kf, group, key, &n, &err);
    if (!v && err) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The calibration history '%1$s' is malformed: [%2$s] %3$s: %4$s"),
                    path, group, key, err->message);
        return FALSE;
    }
    for (gsize i = 0; i < n; i++) {
        if (!ok(v[i])) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("The calibration history '%1$s' is malformed: [%2$s] %3$s holds %4$g, out of range"),
                        path, group, key, v[i]);
            return FALSE;
        }
        push(into, v[i]);
    }
    return TRUE;
}

DrCalibration *
dr_calibration_load(const char *path, GError **error)
{
    g_autoptr(DrCalibration) cal = dr_calibration_new();
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    gboolean missing;
    gsize len = 0;

    if (!(data = read_bounded(path, &len, &missing, error)))
        return missing ? g_steal_pointer(&cal) : NULL;
    if (memchr(data, '\0', len)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The calibration history '%1$s' is malformed: it holds a NUL byte"), path);
        return NULL;
    }
    if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &err)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("The calibration history '%1$s' is malformed: %2$s"), path, err->message);
        return NULL;
    }
    /* Groups this version does not know are left alone. */
    for (size_t c = 0; c < DR_MIG_LINK_CLASS_LAST; c++) {
        const char *group = dr_mig_link_class_to_string(c);
        if (!load_list(kf, path, group, KEY_FACTOR, factor_ok, cal->factor[c], error) ||
            !load_list(kf, path, group, KEY_ERROR, error_ok, cal->error[c], error))
            return NULL;
    }
    return g_steal_pointer(&cal);
}

gboolean
dr_calibration_save(const DrCalibration *cal, const char *path, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) err = NULL;
    g_autofree char *data = NULL;
    gsize len = 0;

    for (size_t c = 0; c < DR_MIG_LINK_CLASS_LAST; c++) {
        const char *group = dr_mig_link_class_to_string(c);
        if (cal->factor[c]->len)
            g_key_file_set_double_list(kf, group, KEY_FACTOR, (double *)(void *)cal->factor[c]->data,
                                       cal->factor[c]->len);
        if (cal->error[c]->len)
            g_key_file_set_double_list(kf, group, KEY_ERROR, (double *)(void *)cal->error[c]->data,
                                       cal->error[c]->len);
    }
    data = g_key_file_to_data(kf, &len, NULL);
    if (!g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err)) {
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    _("Cannot write the calibration history: %1$s"), err->message);
        return FALSE;
    }
    return TRUE;
}

gboolean
dr_calibration_add(DrCalibration *cal, const DrCalibrationSample *s, GError **error)
{
    double send_s, factor;
    const char *bad = (unsigned)s->link_class >= DR_MIG_LINK_CLASS_LAST ? N_("link class")
                      : !isfinite(s->bandwidth) || s->bandwidth <= 0 ? N_("bandwidth")
                      : !isfinite(s->bytes) || s->bytes < 0 ? N_("bytes")
                      : !isfinite(s->total_s) ? N_("total time")
                      : !isfinite(s->predicted_s) || s->predicted_s < 0 ? N_("predicted time")
                      : !isfinite(s->zero_pages) || s->zero_pages < 0 ? N_("zero pages") : NULL;

    if (bad) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A migration's %1$s is out of range: not added to the calibration"), _(bad));
        return FALSE;
    }
    /* The model's setup, and its time on zero pages, are not the link's. */
    send_s = s->total_s - DR_MIG_SETUP_S - dr_mig_zero_pages_s(s->link_class, s->zero_pages);
    if (send_s < DR_CALIBRATION_MIN_SEND_S) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A migration of %1$.1f s is too short to measure the link"), s->total_s);
        return FALSE;
    }
    factor = s->bytes / send_s / s->bandwidth;
    g_debug("calibration %s: %.0f MiB in %.2f s less setup and %.2f s on zero pages: link factor %.3f",
            dr_mig_link_class_to_string(s->link_class), s->bytes / 1048576.0, s->total_s,
            dr_mig_zero_pages_s(s->link_class, s->zero_pages), factor);
    if (!factor_ok(factor)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("A migration moved %1$.2f times its bandwidth: taken for a measuring error"),
                    factor);
        return FALSE;
    }
    push(cal->factor[s->link_class], factor);
    if (s->predicted_s > 0) {
        double e = (s->total_s - s->predicted_s) / s->predicted_s;
        if (error_ok(e))
            push(cal->error[s->link_class], e);
    }
    return TRUE;
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double
dr_calibration_link_factor(const DrCalibration *cal, DrMigLinkClass cls)
{
    g_autofree double *v = NULL;
    guint n;

    g_return_val_if_fail((unsigned)cls < DR_MIG_LINK_CLASS_LAST, 0);
    n = cal->factor[cls]->len;
    if (n < DR_CALIBRATION_MIN)
        return 0;
    v = g_new(double, n);
    memcpy(v, cal->factor[cls]->data, n * sizeof(double));
    qsort(v, n, sizeof(double), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

unsigned int
dr_calibration_count(const DrCalibration *cal, DrMigLinkClass cls)
{
    g_return_val_if_fail((unsigned)cls < DR_MIG_LINK_CLASS_LAST, 0);
    return cal->factor[cls]->len;
}

double
dr_calibration_mean_error(const DrCalibration *cal, DrMigLinkClass cls, unsigned int n)
{
    const GArray *e;
    double sum = 0;
    guint from;

    g_return_val_if_fail((unsigned)cls < DR_MIG_LINK_CLASS_LAST, -1);
    e = cal->error[cls];
    if (e->len == 0 || n == 0)
        return -1;
    from = e->len > n ? e->len - n : 0;
    for (guint i = from; i < e->len; i++)
        sum += fabs(g_array_index(e, double, i));
    return sum / (double)(e->len - from);
}

void
dr_calibration_apply(const DrCalibration *cal, DrMigInput *in)
{
    for (size_t c = 0; c < DR_MIG_LINK_CLASS_LAST; c++)
        in->link_factor[c] = dr_calibration_link_factor(cal, c);
}
