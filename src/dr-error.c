/*
 * dr-error.c: the GError domain of libdirtyrate
 */
#include <config.h>

#include "dr-error.h"

G_DEFINE_QUARK(dr-error-quark, dr_error)
