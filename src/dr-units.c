/*
 * dr-units.c: quantities written as people write them, parsed strictly
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-units.h"

/* A unit is an exact rational factor to the base unit: num / den. */
typedef struct {
    const char *name;
    uint64_t num, den;
} Unit;

static const Unit size_units[] = {
    { "B", 1, 1 }, { "KiB", 1ULL << 10, 1 }, { "MiB", 1ULL << 20, 1 },
    { "GiB", 1ULL << 30, 1 }, { "TiB", 1ULL << 40, 1 }, { NULL, 0, 0 },
};
static const Unit duration_units[] = {
    { "ms", 1, 1 }, { "s", 1000, 1 }, { "min", 60000, 1 }, { "h", 3600000, 1 }, { NULL, 0, 0 },
};
/* Bits are SI (a Gbit/s is 10^9 bit/s), bytes IEC; the base is B/s. */
static const Unit bandwidth_units[] = {
    { "bit/s", 1, 8 }, { "kbit/s", 125, 1 }, { "Mbit/s", 125000, 1 },
    { "Gbit/s", 125000000, 1 }, { "B/s", 1, 1 }, { "KiB/s", 1ULL << 10, 1 },
    { "MiB/s", 1ULL << 20, 1 }, { "GiB/s", 1ULL << 30, 1 }, { NULL, 0, 0 },
};

typedef unsigned __int128 u128;

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
 * exponent, no spaces.  It is read exactly, as @mant / 10^@scale, never
 * through a double. */
static gboolean
parse_decimal(const char *s, const char **end, u128 *mant, unsigned int *scale)
{
    const char *p = s;
    unsigned int ndigits = 0, nfrac = 0;
    u128 m = 0;

    for (; g_ascii_isdigit(*p); p++, ndigits++) {
        if (ndigits >= DR_UNITS_MAX_INT_DIGITS)
            return FALSE;
        m = m * 10 + (unsigned int)(*p - '0');
    }
    if (!ndigits)
        return FALSE;
    if (*p == '.') {
        p++;
        if (!g_ascii_isdigit(*p))
            return FALSE;
        for (; g_ascii_isdigit(*p); p++, nfrac++) {
            if (nfrac >= DR_UNITS_MAX_DECIMALS)
                return FALSE;
            m = m * 10 + (unsigned int)(*p - '0');
        }
    }
    *mant = m;
    *scale = nfrac;
    *end = p;
    return TRUE;
}

static u128
pow10_u128(unsigned int n)
{
    u128 r = 1;

    while (n--)
        r *= 10;
    return r;
}

static gboolean
bad_number(const char *s, const char *what, const Unit *units, GError **error)
{
    g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                _("'%1$s' is not a %2$s: write a number (at most %3$d digits, and %4$d after the point) and a unit (%5$s)"),
                s ? s : "", what, DR_UNITS_MAX_INT_DIGITS, DR_UNITS_MAX_DECIMALS, unit_list(units));
    return FALSE;
}

/* Parses "<decimal><unit>" into a whole number of base units, at most
 * @max; @fmt_max formats @max for the message. */
static gboolean
parse_with_units(const char *s, const Unit *units, const char *what, const char *base_name,
                 uint64_t max, char *(*fmt_max)(uint64_t), uint64_t *out, GError **error)
{
    const char *rest;
    u128 mant, den, v;
    unsigned int scale;

    if (!s || !parse_decimal(s, &rest, &mant, &scale))
        return bad_number(s, what, units, error);
    if (*rest == '\0') {
        if (mant == 0) {
            *out = 0;
            return TRUE;
        }
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' has no unit: write it as a %2$s with one of %3$s"),
                    s, what, unit_list(units));
        return FALSE;
    }
    for (const Unit *u = units; u->name; u++) {
        if (strcmp(rest, u->name) != 0)
            continue;
        den = pow10_u128(scale) * u->den;
        /* mant < 10^29 < 2^97 and num <= 2^40: no overflow in 128 bits. */
        v = mant * u->num;
        if (v % den != 0) {
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("'%1$s' is not a whole number of %2$s"), s, base_name);
            return FALSE;
        }
        v /= den;
        if (v > max) {
            g_autofree char *m = fmt_max(max);
            g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                        _("'%1$s' is too large a %2$s: the largest is %3$s"), s, what, m);
            return FALSE;
        }
        *out = (uint64_t)v;
        return TRUE;
    }
    g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                _("'%1$s' has an unknown unit '%2$s': use one of %3$s"),
                s, rest, unit_list(units));
    return FALSE;
}

gboolean
dr_units_parse_size(const char *s, uint64_t *bytes, GError **error)
{
    return parse_with_units(s, size_units, _("size"), _("bytes"), DR_UNITS_SIZE_MAX,
                            dr_units_format_size, bytes, error);
}

gboolean
dr_units_parse_duration(const char *s, uint64_t *ms, GError **error)
{
    return parse_with_units(s, duration_units, _("duration"), _("milliseconds"),
                            DR_UNITS_DURATION_MAX, dr_units_format_duration, ms, error);
}

gboolean
dr_units_parse_bandwidth(const char *s, uint64_t *bytes_per_s, GError **error)
{
    return parse_with_units(s, bandwidth_units, _("bandwidth"), _("bytes per second"),
                            DR_UNITS_BANDWIDTH_MAX, dr_units_format_bandwidth, bytes_per_s, error);
}

gboolean
dr_units_parse_percent(const char *s, double *percent, GError **error)
{
    const char *rest;
    u128 mant;
    unsigned int scale;

    if (!s || !parse_decimal(s, &rest, &mant, &scale) || (*rest && strcmp(rest, "%") != 0)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' is not a share: write a number from 0 to 100, with at most %2$d decimals, and '%%', e.g. 25%%"),
                    s ? s : "", DR_UNITS_MAX_DECIMALS);
        return FALSE;
    }
    if (!*rest && mant != 0) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' has no unit: write a share as a number and '%%', e.g. 25%%"), s);
        return FALSE;
    }
    if (mant > 100 * pow10_u128(scale)) {
        g_set_error(error, DR_ERROR, DR_ERROR_INVALID_ARG,
                    _("'%1$s' is over 100%%"), s);
        return FALSE;
    }
    /* At most 3 + 9 significant digits: the nearest double, printed
     * with 9 decimals, gives the same digits back. */
    *percent = (double)(uint64_t)mant / (double)(uint64_t)pow10_u128(scale);
    return TRUE;
}

static char *
format_u128(u128 v)
{
    char buf[48];
    char *p = buf + sizeof(buf) - 1;

    *p = '\0';
    do {
        *--p = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    return g_strdup(p);
}

/* The largest of units[first..last] (in increasing order) in which @v
 * is whole, so that parsing the text gives @v back; units[first] for 0. */
static char *
format_exact(uint64_t v, const Unit *units, size_t first, size_t last)
{
    for (size_t i = last + 1; i-- > first;) {
        const Unit *u = &units[i];
        u128 scaled = (u128)v * u->den;
        if (i == first || (v && scaled % u->num == 0)) {
            g_autofree char *num = format_u128(scaled / u->num);
            return g_strdup_printf("%s%s", num, u->name);
        }
    }
    g_return_val_if_reached(NULL);
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
     * people write it; bytes otherwise (never bit/s or kbit/s). */
    u128 bits = (u128)bytes_per_s * 8;

    if (bytes_per_s && bits % 1000000U == 0)
        return format_exact(bytes_per_s, bandwidth_units, 2, 3); /* Mbit/s, Gbit/s */
    return format_exact(bytes_per_s, bandwidth_units, 4, 7);     /* B/s .. GiB/s */
}

char *
dr_units_format_percent(double percent)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    size_t len;

    /* Fixed point, never an exponent: the parser and the schema take at
     * most 9 decimals. */
    g_ascii_formatd(buf, sizeof(buf), "%.9f", percent);
    len = strlen(buf);
    while (len > 0 && buf[len - 1] == '0')
        buf[--len] = '\0';
    if (len > 0 && buf[len - 1] == '.')
        buf[--len] = '\0';
    return g_strdup_printf("%s%%", buf);
}
