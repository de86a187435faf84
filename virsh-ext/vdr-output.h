/*
 * vdr-output.h: JSON output helpers shared by the commands
 */
#pragma once

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "dr-estimate.h"

void vdr_json_add_int(JsonBuilder *b, const char *name, gint64 v);
void vdr_json_add_double(JsonBuilder *b, const char *name, double v);
/* { "value": v, "low": l, "high": h } */
void vdr_json_add_estimate(JsonBuilder *b, const char *name, const DrEstimate *e);
/* Pretty-printed, with a final newline. */
void vdr_json_print(FILE *out, JsonNode *root);
