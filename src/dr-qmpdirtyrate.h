/*
 * dr-qmpdirtyrate.h: QEMU's dirty-rate commands, parsed and checked
 *
 * calc-dirty-rate starts a measurement, query-dirty-rate reads it; the
 * QMP schema says which calc-dirty-rate arguments this QEMU takes.
 * Every field of a reply is type- and range-checked: a malformed reply
 * is an error, never a crash or a wrong number.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "dr-dirtyrate.h"
#include "dr-qmp.h"

G_BEGIN_DECLS

typedef enum {
    DR_QMP_DIRTYRATE_UNSTARTED,
    DR_QMP_DIRTYRATE_MEASURING,
    DR_QMP_DIRTYRATE_MEASURED,
} DrQmpDirtyRateStatus;

/* A checked query-dirty-rate reply. */
typedef struct {
    DrQmpDirtyRateStatus status;
    DrDirtyRateMode mode;
    gboolean has_rate;
    int64_t mib_per_s;
    int64_t start_time;
    int64_t calc_time;
    gboolean calc_time_ms;  /* calc-time-unit is millisecond */
    int64_t sample_pages;
    size_t nvcpus;
    DrDirtyRateVcpu *vcpus;
} DrQmpDirtyRateInfo;

void dr_qmp_dirty_rate_info_clear(DrQmpDirtyRateInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DrQmpDirtyRateInfo, dr_qmp_dirty_rate_info_clear)

gboolean dr_qmp_dirty_rate_info_parse(JsonNode *ret, DrQmpDirtyRateInfo *info,
                                      GError **error);

/* What calc-dirty-rate takes, from query-qmp-schema. */
typedef struct {
    gboolean has_command;
    gboolean has_mode;
    gboolean has_sample_pages;
    gboolean has_calc_time_unit;
} DrQmpCalcDirtyRateArgs;

gboolean dr_qmp_schema_calc_dirty_rate(JsonNode *schema, DrQmpCalcDirtyRateArgs *args,
                                       GError **error);

/* Runs query-qmp-schema and fills @args. */
gboolean dr_qmp_probe_calc_dirty_rate(DrQmp *qmp, DrQmpCalcDirtyRateArgs *args,
                                      GError **error);

/* Starts a measurement.  Arguments are only sent when @args says this
 * QEMU takes them, and were range-checked by the caller. */
gboolean dr_qmp_calc_dirty_rate(DrQmp *qmp, const DrQmpCalcDirtyRateArgs *args,
                                DrDirtyRateMode mode, unsigned int period_ms,
                                unsigned int sample_pages, GError **error);

/* @args: what QEMU's schema offers (nullable: nothing beyond 5.2). */
gboolean dr_qmp_query_dirty_rate(DrQmp *qmp, const DrQmpCalcDirtyRateArgs *args,
                                 DrQmpDirtyRateInfo *info, GError **error);

G_END_DECLS
