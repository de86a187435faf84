/*
 * vdr-request.h: the measurement options that domdirtyrate and
 * domdirtyrate-wss share, and their progress line
 */
#pragma once

#include <stdio.h>

#include "dr-dirtyrate.h"
#include "vdr-command.h"

/* --backend */
gboolean vdr_request_backend_from_option(const VdrCmd *cmd, DrDirtyRateBackend *backend,
                                         GError **error);
/* --mode, --seconds or --milliseconds, --sample-pages, --backend and
 * --no-qmp into @req. */
gboolean vdr_request_from_options(const VdrCmd *cmd, DrDirtyRateRequest *req, GError **error);

/* A progress line on a terminal, while measurements run. */
typedef struct {
    FILE *err;
    gboolean live;
} VdrProgress;
