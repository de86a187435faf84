/*
 * dr-wait.c: the one cancellable sleep of the library
 */
#include <config.h>

#include "dr-wait.h"

gboolean
dr_wait_until(gint64 deadline_us, GCancellable *cancellable, GError **error)
{
    gint64 now;

    while ((now = g_get_monotonic_time()) < deadline_us) {
        if (g_cancellable_set_error_if_cancelled(cancellable, error))
            return FALSE;
        g_usleep((gulong)MIN(DR_WAIT_SLICE_US, deadline_us - now));
    }
    return !g_cancellable_set_error_if_cancelled(cancellable, error);
}

gboolean
dr_wait_for(gint64 us, GCancellable *cancellable, GError **error)
{
    return dr_wait_until(g_get_monotonic_time() + us, cancellable, error);
}
