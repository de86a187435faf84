/*
 * dr-qmp.c: QMP commands over a transport, with checked replies
 */
#include <config.h>

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "dr-qmp.h"

/* A reply larger than this is not one we asked for (the whole QMP
 * schema of QEMU 7.2 is 186 KB). */
#define DR_QMP_REPLY_MAX (16 * 1024 * 1024)

struct _DrQmp {
    DrQmpTransportFunc transport;
    void *opaque;
    GDestroyNotify opaque_free;
};

DrQmp *
dr_qmp_new(DrQmpTransportFunc transport, void *opaque, GDestroyNotify opaque_free)
{
    DrQmp *qmp = g_new0(DrQmp, 1);

    qmp->transport = transport;
    qmp->opaque = opaque;
    qmp->opaque_free = opaque_free;
    return qmp;
}

void
dr_qmp_free(DrQmp *qmp)
{
    if (!qmp)
        return;
    if (qmp->opaque_free)
        qmp->opaque_free(qmp->opaque);
    g_free(qmp);
}

static char *
libvirt_transport(const char *command_json, void *opaque, GError **error)
{
    virDomainPtr dom = opaque;
    char *reply = NULL;
    char *copy;

    g_debug("virDomainQemuMonitorCommand(%s): this taints the domain", virDomainGetName(dom));
    if (virDomainQemuMonitorCommand(dom, command_json, &reply, 0) < 0) {
        int code;
        g_autofree char *msg = dr_error_libvirt_last(&code);
        g_set_error(error, DR_ERROR,
                    code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_OPERATION_INVALID ?
                    DR_ERROR_NO_DOMAIN : DR_ERROR_LIBVIRT,
                    _("QMP passthrough to domain '%1$s' failed: %2$s"),
                    virDomainGetName(dom), msg);
        return NULL;
    }
    copy = g_strdup(reply);
    free(reply);
    return copy;
}

static void
unref_domain(void *opaque)
{
    virDomainFree(opaque);
}

DrQmp *
dr_qmp_new_for_domain(virDomainPtr dom)
{
    virDomainRef(dom);
    return dr_qmp_new(libvirt_transport, dom, unref_domain);
}

JsonNode *
dr_qmp_execute(DrQmp *qmp, const char *command, JsonObject *arguments, GError **error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autofree char *text = NULL;
    g_autofree char *reply = NULL;
    g_autoptr(GError) perr = NULL;
    JsonObject *obj;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "execute");
    json_builder_add_string_value(b, command);
    if (arguments) {
        json_builder_set_member_name(b, "arguments");
        json_builder_add_value(b, json_node_init_object(json_node_alloc(), arguments));
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);

    g_debug("QMP send: %s", text);
    if (!(reply = qmp->transport(text, qmp->opaque, error))) {
        g_debug("QMP transport failed: %s", error && *error ? (*error)->message : "?");
        return NULL;
    }
    g_debug("QMP reply (%zu bytes): %.4096s", strlen(reply), reply);
    if (strlen(reply) > DR_QMP_REPLY_MAX ||
        !json_parser_load_from_data(parser, reply, -1, &perr) ||
        !json_parser_get_root(parser) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("QEMU's reply to '%1$s' is not a QMP reply"), command);
        return NULL;
    }
    obj = json_node_get_object(json_parser_get_root(parser));
    if (json_object_has_member(obj, "error")) {
        JsonNode *en = json_object_get_member(obj, "error");
        const char *desc = NULL;
        if (JSON_NODE_HOLDS_OBJECT(en)) {
            JsonNode *dn = json_object_get_member(json_node_get_object(en), "desc");
            if (dn && JSON_NODE_HOLDS_VALUE(dn) &&
                json_node_get_value_type(dn) == G_TYPE_STRING)
                desc = json_node_get_string(dn);
        }
        g_set_error(error, DR_ERROR, DR_ERROR_FAILED,
                    _("QEMU refused '%1$s': %2$s"), command,
                    desc ? desc : _("no description"));
        return NULL;
    }
    if (!json_object_has_member(obj, "return")) {
        g_set_error(error, DR_ERROR, DR_ERROR_PROTOCOL,
                    _("QEMU's reply to '%1$s' has neither 'return' nor 'error'"), command);
        return NULL;
    }
    return json_node_copy(json_object_get_member(obj, "return"));
}
