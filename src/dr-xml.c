/*
 * dr-xml.c: small libxml2 helpers shared by the modules that read XML
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-xml.h"

xmlDoc *
dr_xml_read_libvirt(const char *xml, xmlXPathContext **ctxt, GError **error)
{
    g_autoptr(xmlDoc) doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                                          XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING);

    if (!doc || !(*ctxt = xmlXPathNewContext(doc))) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("libvirt returned domain XML that is not well formed"));
        return NULL;
    }
    return g_steal_pointer(&doc);
}

char *
dr_xml_xpath_string(xmlXPathContext *ctxt, const char *expr)
{
    g_autoptr(xmlXPathObject) obj = xmlXPathEvalExpression(BAD_CAST expr, ctxt);

    if (!obj || obj->type != XPATH_STRING || !obj->stringval || !*obj->stringval)
        return NULL;
    return g_strdup((const char *)obj->stringval);
}
