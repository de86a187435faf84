/*
 * dr-xml.h: small libxml2 helpers shared by the modules that read XML
 */
#pragma once

#include <glib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject)

/* Parses XML that libvirt gave us (no network, no error output).
 * Returns the document and an XPath context on it, or NULL with @error. */
xmlDoc *dr_xml_read_libvirt(const char *xml, xmlXPathContext **ctxt, GError **error);

/* The string value of @expr ("string(/domain/name)"), or NULL if empty. */
char *dr_xml_xpath_string(xmlXPathContext *ctxt, const char *expr);
