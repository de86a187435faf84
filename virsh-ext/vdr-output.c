/*
 * vdr-output.c: JSON output helpers shared by the commands
 */
#include <config.h>

#include "vdr-output.h"

void
vdr_json_add_int(JsonBuilder *b, const char *name, gint64 v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_int_value(b, v);
}

void
vdr_json_add_double(JsonBuilder *b, const char *name, double v)
{
    json_builder_set_member_name(b, name);
    json_builder_add_double_value(b, v);
}

void
vdr_json_add_estimate(JsonBuilder *b, const char *name, const DrEstimate *e)
{
    json_builder_set_member_name(b, name);
    json_builder_begin_object(b);
    vdr_json_add_double(b, "value", e->value);
    vdr_json_add_double(b, "low", e->low);
    vdr_json_add_double(b, "high", e->high);
    json_builder_end_object(b);
}

void
vdr_json_print(FILE *out, JsonNode *root)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autofree char *text = NULL;

    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    fprintf(out, "%s\n", text);
}
