/*
 * dr-units.h: quantities written as people write them, parsed strictly
 *
 *   sizes       512MiB  2GiB  4096B  (B KiB MiB GiB TiB)
 *   shares      25%  (0 to 100)
 *   durations   300ms  2s  5min  1h
 *   bandwidths  1Gbit/s  100Mbit/s  40MiB/s  (bit/s kbit/s Mbit/s Gbit/s
 *               B/s KiB/s MiB/s GiB/s)
 *
 * A number needs its unit; only a bare "0" may go without.  Numbers are
 * read exactly, as integers and decimals, never through a double:
 * decimals are allowed where the result is whole ("1.5GiB"), and a
 * value that would not fit is refused.  Formatting picks the largest
 * unit that divides exactly (shares: fixed point, at most 9 decimals),
 * so parse(format(x)) == x for every value the parser accepts.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* Digits before and after the decimal point that a quantity may have. */
#define DR_UNITS_MAX_INT_DIGITS 20
#define DR_UNITS_MAX_DECIMALS 9

/* The largest values, in bytes, milliseconds and bytes per second. */
#define DR_UNITS_SIZE_MAX G_MAXUINT64
#define DR_UNITS_DURATION_MAX 999999999999999ULL /* 15 digits, as the schema takes */
#define DR_UNITS_BANDWIDTH_MAX G_MAXUINT64

gboolean dr_units_parse_size(const char *s, uint64_t *bytes, GError **error);
gboolean dr_units_parse_percent(const char *s, double *percent, GError **error);
gboolean dr_units_parse_duration(const char *s, uint64_t *ms, GError **error);
gboolean dr_units_parse_bandwidth(const char *s, uint64_t *bytes_per_s, GError **error);

char *dr_units_format_size(uint64_t bytes);
char *dr_units_format_percent(double percent);
char *dr_units_format_duration(uint64_t ms);
char *dr_units_format_bandwidth(uint64_t bytes_per_s);

G_END_DECLS
