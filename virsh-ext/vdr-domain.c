/*
 * vdr-domain.c: finding a domain the way virsh does
 */
#include <config.h>

#include <glib/gi18n-lib.h>

#include "dr-error.h"
#include "dr-errorpriv.h"
#include "vdr-domain.h"

virDomainPtr
vdr_domain_lookup(VdrControl *ctl, const char *name, GError **error)
{
    virDomainPtr dom = NULL;
    virConnectPtr conn;
    guint64 id;

    /* The connection is opened here, after the command has checked its
     * arguments: a wrong option is reported before a connection fails. */
    if (!ctl->conn && !vdr_control_connect(ctl, ctl->want_readonly, error))
        return NULL;
    conn = ctl->conn;

    if (g_ascii_string_to_unsigned(name, 10, 0, G_MAXINT, &id, NULL))
        dom = virDomainLookupByID(conn, (int)id);
    if (!dom && g_uuid_string_is_valid(name))
        dom = virDomainLookupByUUIDString(conn, name);
    if (!dom)
        dom = virDomainLookupByName(conn, name);
    if (!dom) {
        int code;
        g_autofree char *msg = dr_error_libvirt_last(&code);
        if (code != VIR_ERR_NO_DOMAIN)
            g_set_error(error, DR_ERROR, DR_ERROR_LIBVIRT,
                        _("Failed to get domain '%1$s': %2$s"), name, msg);
        else
            g_set_error(error, DR_ERROR, DR_ERROR_NO_DOMAIN,
                        _("Domain '%1$s' not found: no domain has that name, ID or UUID"),
                        name);
    }
    return dom;
}

/* The schema: $DR_SCHEMA_DIR, else the source tree's when this program
 * runs from the build tree, else the installed one (NULL). */
const char *
vdr_policy_schema_dir(void)
{
    static const char *dir;
    static gsize once;

    if (g_once_init_enter(&once)) {
        g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
        dir = g_getenv("DR_SCHEMA_DIR");
        if (!dir && exe && g_str_has_prefix(exe, DR_BUILDDIR "/"))
            dir = DR_SRCDIR_SCHEMAS;
        g_debug("policy schema directory: %s", dir ? dir : "(installed)");
        g_once_init_leave(&once, 1);
    }
    return dir;
}
