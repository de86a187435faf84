/*
 * dr-units.c: quantities written as people write them, parsed strictly
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-units.h"

typedef struct {
    const char *name;
    double factor; /* to the base unit */
} Unit;

static const Unit size_units[] = {
    { "B", 1 }, { "KiB", 1024.0 }, { "MiB", 1048576.0 },
    { "GiB", 1073741824.0 }, { "TiB", 1099511627776.0 }, { NULL, 0 },
};
static const Unit duration_units[] = {
    { "ms", 1 }, { "s", 1000 }, { "min", 60000 }, { "h", 3600000 }, { NULL, 0 },
};
/* Bits are SI (a Gbit/s is 10^9 bit/s), bytes IEC; the base is B/s. */
static const Unit bandwidth_units[] = {
    { "bit/s", 1.0 / 8 }, { "kbit/s", 1e3 / 8 }, { "Mbit/s", 1e6 / 8 },
    { "Gbit/s", 1e9 / 8 }, { "B/s", 1 }, { "KiB/s", 1024.0 },
    { "MiB/s", 1048576.0 }, { "GiB/s", 1073741824.0 }, { NULL, 0 },
};

static const char *
unit_list(const Unit *units)
{
    if (units == size_units)
        return "B, KiB, MiB, GiB, TiB";
    if (units == duration_units)
        return "ms, s, min, h";
    return "bit/s, kbit/s, Mbit/s, Gbit/s, B/s, KiB/s, MiB/s, GiB/s";
}

/* A plain decimal: digits, optionally '.' and digits.  No sign, no
 * exponent, no spaces. */
static gboolean
parse_number(const char *s, const char **end, double *v)
{
    const char *p = s;
    gboolean digits = FALSE;

    while (g_ascii_isdigit(*p)) {
        p++;
        digits = TRUE;
    }
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p))
            return FALSE;
        while (g_ascii_isdigit(*p))
            p++;
    }
    if (!digits || p - s > 30)
        return FALSE;
    {
        g_autofree char *num = g_strndup(s, (gsize)(p - s));
        *v = g_ascii_strtod(num, NULL);
    }
    *end = p;
    return TRUE;
}

static gboolean
parse_with_units(const char *s, const Unit *units, const char *what, double max,
                 double *out, GError **error)
{
    const char *rest;
    double v;

    if (!s || !parse_number(s, &rest, &v)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' is not a %2$s: write a number and a unit (%3$s)"),
                    s ? s : "", what, unit_list(units));
        return FALSE;
    }
    if (*rest == '\0') {
        if (v == 0) {
            *out = 0;
            return TRUE;
        }
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' has no unit: write it as a %2$s with one of %3$s"),
                    s, what, unit_list(units));
        return FALSE;
    }
    for (const Unit *u = units; u->name; u++) {
        if (strcmp(rest, u->name) == 0) {
            double r = v * u->factor;
            if (r > max) {
                g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                            _("'%1$s' is too large a %2$s"), s, what);
                return FALSE;
            }
            *out = r;
            return TRUE;
        }
    }
    g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                _("'%1$s' has an unknown unit '%2$s': use one of %3$s"),
                s, rest, unit_list(units));
    return FALSE;
}

static gboolean
whole(const char *s, const char *what, double v, uint64_t *out, GError **error)
{
    if (fabs(v - round(v)) > 1e-6 * MAX(1.0, v)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' is not a whole number of %2$s"), s, what);
        return FALSE;
    }
    *out = (uint64_t)round(v);
    return TRUE;
}

gboolean
dr_units_parse_size(const char *s, uint64_t *bytes, GError **error)
{
    double v;

    return parse_with_units(s, size_units, _("size"), 9.0e18, &v, error) &&
           whole(s, _("bytes"), v, bytes, error);
}

gboolean
dr_units_parse_duration(const char *s, uint64_t *ms, GError **error)
{
    double v;

    return parse_with_units(s, duration_units, _("duration"), 9.0e15, &v, error) &&
           whole(s, _("milliseconds"), v, ms, error);
}

gboolean
dr_units_parse_bandwidth(const char *s, uint64_t *bytes_per_s, GError **error)
{
    double v;

    return parse_with_units(s, bandwidth_units, _("bandwidth"), 9.0e18, &v, error) &&
           whole(s, _("bytes per second"), v, bytes_per_s, error);
}

gboolean
dr_units_parse_percent(const char *s, double *percent, GError **error)
{
    const char *rest;
    double v;

    if (!s || !parse_number(s, &rest, &v) || (*rest && strcmp(rest, "%") != 0)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' is not a share: write a number from 0 to 100 and '%%', e.g. 25%%"),
                    s ? s : "");
        return FALSE;
    }
    if (!*rest && v != 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' has no unit: write a share as a number and '%%', e.g. 25%%"), s);
        return FALSE;
    }
    if (v > 100) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' is over 100%%"), s);
        return FALSE;
    }
    *percent = v;
    return TRUE;
}

static char *
format_exact(uint64_t v, const Unit *units, size_t first, size_t last)
{
    for (size_t i = last + 1; i-- > first;) {
        uint64_t f = (uint64_t)units[i].factor;
        if (f && v % f == 0)
            return g_strdup_printf("%" G_GUINT64_FORMAT "%s", (guint64)(v / f), units[i].name);
    }
    return g_strdup_printf("%" G_GUINT64_FORMAT "%s", (guint64)v, units[first].name);
}

char *
dr_units_format_size(uint64_t bytes)
{
    return format_exact(bytes, size_units, 0, 4);
}

char *
dr_units_format_duration(uint64_t ms)
{
    return format_exact(ms, duration_units, 0, 3);
}

char *
dr_units_format_bandwidth(uint64_t bytes_per_s)
{
    /* Bits when it is a whole number of Mbit/s or Gbit/s, as network
     * people write it; bytes otherwise. */
    if (bytes_per_s && (bytes_per_s * 8) % 1000000000ULL == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT "Gbit/s", (guint64)(bytes_per_s * 8 / 1000000000ULL));
    if (bytes_per_s && (bytes_per_s * 8) % 1000000ULL == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT "Mbit/s", (guint64)(bytes_per_s * 8 / 1000000ULL));
    return format_exact(bytes_per_s, bandwidth_units, 4, 7);
}

char *
dr_units_format_percent(double percent)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    return g_strdup_printf("%s%%", g_ascii_formatd(buf, sizeof(buf), "%.6g", percent));
}
