/*
 * dr-calibration.h: what this host's finished migrations say about its link
 *
 * Every completed migration, whoever started it, measures the link as
 * QEMU used it: the bytes it moved over its time less the setup,
 * against the bandwidth it was given.  The ratio differs by kind of
 * migration (dr_mig_link_class(): multifd on QEMU 10.0 moved more than
 * its limit on the Debian 13 bed, one stream somewhat less), so it is
 * kept per kind, and the model takes the median of the newest
 * DR_CALIBRATION_KEEP as that kind's link factor.
 *
 * The history is a small GKeyFile, written whole and atomically:
 *
 *   [multifd-compressed]
 *   link-factor=1.44;1.38;1.51;
 *   time-error=0.34;0.31;0.36;
 *
 * time-error is (actual - predicted) / predicted of each migration's
 * total time, kept to show how the predictions improve with use.
 */
#pragma once

#include <glib.h>

#include "dr-migsim.h"

G_BEGIN_DECLS

/* Samples kept per kind; the median needs at least DR_CALIBRATION_MIN. */
#define DR_CALIBRATION_KEEP 20
#define DR_CALIBRATION_MIN 3
/* A history file larger than this is refused. */
#define DR_CALIBRATION_MAX_BYTES (64 * 1024)
/* A migration must spend this long sending to measure the link. */
#define DR_CALIBRATION_MIN_SEND_S 1.0
/* Link factors outside this range are taken for a measuring error. */
#define DR_CALIBRATION_FACTOR_MIN 0.1
#define DR_CALIBRATION_FACTOR_MAX 10.0

typedef struct _DrCalibration DrCalibration;

/* One completed migration. */
typedef struct {
    DrMigLinkClass link_class;
    double bandwidth;     /* bytes/s it was given */
    double bytes;         /* it moved (libvirt's memory processed) */
    double total_s;       /* from start to end */
    double predicted_s;   /* 0: no prediction */
    double zero_pages;    /* it sent as zero pages; 0: not known */
} DrCalibrationSample;

DrCalibration *dr_calibration_new(void);
void dr_calibration_free(DrCalibration *cal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrCalibration, dr_calibration_free)

/* Reads @path: a missing file is an empty history; anything malformed
 * or too large fails with @error naming the file and what was wrong. */
DrCalibration *dr_calibration_load(const char *path, GError **error);
/* Writes @path atomically (g_file_set_contents), mode 0644. */
gboolean dr_calibration_save(const DrCalibration *cal, const char *path, GError **error);

/* Adds a migration.  Returns FALSE (and adds nothing) for one too short
 * to measure the link or whose figures are out of range; @error then
 * says why. */
gboolean dr_calibration_add(DrCalibration *cal, const DrCalibrationSample *sample,
                            GError **error);

/* The median link factor of @cls's newest samples, or 0 with fewer
 * than DR_CALIBRATION_MIN. */
double dr_calibration_link_factor(const DrCalibration *cal, DrMigLinkClass cls);
/* How many samples @cls has. */
unsigned int dr_calibration_count(const DrCalibration *cal, DrMigLinkClass cls);
/* The mean of the absolute time errors of @cls's newest @n migrations
 * that had a prediction, or a negative number when there are none. */
double dr_calibration_mean_error(const DrCalibration *cal, DrMigLinkClass cls, unsigned int n);

/* Sets @in's link factors from the history. */
void dr_calibration_apply(const DrCalibration *cal, DrMigInput *in);

G_END_DECLS
