/*
 * dr-units.h: quantities written as people write them, parsed strictly
 *
 *   sizes       512MiB  2GiB  4096B  (B KiB MiB GiB TiB)
 *   shares      25%  (0 to 100)
 *   durations   300ms  2s  5min  1h
 *   bandwidths  1Gbit/s  100Mbit/s  40MiB/s  (bit/s kbit/s Mbit/s Gbit/s
 *               B/s KiB/s MiB/s GiB/s)
 *
 * A number needs its unit; only a bare "0" may go without.  Decimals
 * are allowed where the result is whole ("1.5GiB").  Formatting picks
 * the largest unit that divides exactly, so parse(format(x)) == x.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

gboolean dr_units_parse_size(const char *s, uint64_t *bytes, GError **error);
gboolean dr_units_parse_percent(const char *s, double *percent, GError **error);
gboolean dr_units_parse_duration(const char *s, uint64_t *ms, GError **error);
gboolean dr_units_parse_bandwidth(const char *s, uint64_t *bytes_per_s, GError **error);

char *dr_units_format_size(uint64_t bytes);
char *dr_units_format_percent(double percent);
char *dr_units_format_duration(uint64_t ms);
char *dr_units_format_bandwidth(uint64_t bytes_per_s);

G_END_DECLS
