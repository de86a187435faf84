/*
 * dr-wait.h: the one cancellable sleep of the library
 *
 * Measurements wait for periods, series for their intervals and the
 * compressibility estimate for its rounds; all of them sleep here, in
 * short slices, so that a cancellation (a daemon stopping, Ctrl-C)
 * is seen within DR_WAIT_SLICE_US.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DR_WAIT_SLICE_US 100000

/* Sleeps until the monotonic clock (g_get_monotonic_time()) reaches
 * @deadline_us.  Returns: TRUE, or FALSE with @error set to
 * G_IO_ERROR_CANCELLED if @cancellable was cancelled first. */
gboolean dr_wait_until(gint64 deadline_us, GCancellable *cancellable, GError **error);

/* The same, for @us microseconds from now. */
gboolean dr_wait_for(gint64 us, GCancellable *cancellable, GError **error);

G_END_DECLS
