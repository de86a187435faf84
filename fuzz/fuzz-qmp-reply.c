/*
 * fuzz-qmp-reply.c: libFuzzer target for the parsers of QEMU's QMP replies
 *
 * Input: QMP replies, one per line.  Each command the monitor layer sends
 * gets the next line as QEMU's reply; once the lines run out, the
 * transport fails as a closed monitor would.  The lines feed, in turn:
 * - the XBZRLE queries (query-migrate-capabilities, -parameters, query-migrate);
 * - the calc-dirty-rate probe (query-qmp-schema);
 * - query-dirty-rate.
 * Checks: the parsers stay inside their buffers (ASan), never hit
 * undefined behaviour (UBSan), and either succeed or set a GError, never
 * both and never neither.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "dr-qmp.h"
#include "dr-qmpdirtyrate.h"
#include "dr-qmpxbzrle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    const char *pos;
    const char *end;
} FuzzReplies;

static char *
fuzz_transport(const char *command_json, void *opaque, GError **error)
{
    FuzzReplies *r = opaque;
    const char *nl;

    (void)command_json;
    if (r->pos >= r->end) {
        g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_CLOSED, "no more replies");
        return NULL;
    }
    nl = memchr(r->pos, '\n', r->end - r->pos);
    if (!nl)
        nl = r->end;
    {
        char *reply = g_strndup(r->pos, nl - r->pos);

        r->pos = nl + 1;
        return reply;
    }
}

static void
check_outcome(gboolean ok, GError *error)
{
    /* Success with an error, or failure without one, is a bug. */
    if (ok == (error != NULL))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size heap copy, so that ASan sees any over-read. */
    char *text = malloc(size ? size : 1);
    FuzzReplies replies;
    DrQmpCalcDirtyRateArgs args = { 0 };
    g_autoptr(DrQmp) qmp = NULL;

    if (!text)
        return 0;
    memcpy(text, data, size);
    replies.pos = text;
    replies.end = text + size;
    qmp = dr_qmp_new(fuzz_transport, &replies, NULL);

    {
        g_auto(DrQmpXbzrle) x = { 0 };
        g_autoptr(GError) error = NULL;

        check_outcome(dr_qmp_xbzrle_query(qmp, &x, &error), error);
    }
    {
        g_autoptr(GError) error = NULL;

        check_outcome(dr_qmp_probe_calc_dirty_rate(qmp, &args, &error), error);
    }
    {
        g_auto(DrQmpDirtyRateInfo) info = { 0 };
        g_autoptr(GError) error = NULL;

        check_outcome(dr_qmp_query_dirty_rate(qmp, &args, &info, &error), error);
    }

    free(text);
    return 0;
}
