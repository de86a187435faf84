/*
 * dr-metrics.h: the daemon's numbers in Prometheus' text format
 *
 * Plain data in, one text document out (exposition format 0.0.4): a
 * HELP and a TYPE line per metric, then one sample per domain that has
 * a value, labelled with the domain's name and UUID.  Label values are
 * escaped as the format requires (\\, \" and \n), so a domain name can
 * hold anything libvirt allows.  The same text serves an HTTP endpoint
 * and node_exporter's textfile directory.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* What is known of one monitored domain; NAN (or FALSE) where not. */
typedef struct {
    const char *name;
    const char *uuid;
    double dirty_rate;          /* bytes/s, last measurement */
    double dirty_rate_low;      /* its 95% interval */
    double dirty_rate_high;
    double wss_bytes;           /* working set */
    double wss_low_bytes;       /* its 95% interval */
    double wss_high_bytes;
    double measured_at;         /* Unix time of the last measurement */
    gboolean have_advice;
    gboolean advice_converges;
    double advice_total_s;      /* the advised plan's predicted time */
    gboolean migrating;
    double migration_remaining; /* bytes, while migrating */
    double migration_iteration; /* round, while migrating */
    double migration_cache_miss_rate; /* XBZRLE, 0-1, while migrating */
    uint64_t migrations_completed;
    uint64_t migrations_failed;
    double last_total_s;        /* the last completed migration's */
    double last_predicted_s;
} DrMetricsDomain;

/* The document; never NULL. */
char *dr_metrics_format(const DrMetricsDomain *domains, size_t n);

G_END_DECLS
