/*
 * vdr-printers.h: what the measuring commands print on success, human
 * and JSON, kept callable on their own so that golden files can check
 * them without a guest (tests/unit/test-vdr-printers.c)
 */
#pragma once

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "dr-advisor.h"
#include "dr-compress.h"
#include "dr-migparams.h"
#include "dr-qmpxbzrle.h"
#include "dr-series.h"
#include "dr-wss.h"

/* An achieved interval more than 10% over the one asked for is noted. */
#define VDR_INTERVAL_SLACK 1.1

/* domdirtyrate (vdr-cmd-dirtyrate.c) */
void vdr_dirtyrate_print(FILE *out, const char *name, const DrSeries *s,
                         unsigned int interval_ms, gboolean json);
/* domdirtyrate-wss (vdr-cmd-wss.c) */
void vdr_wss_print(FILE *out, const char *name, const DrWss *w, gboolean json);
/* domdirtyrate-compress (vdr-cmd-compress.c) */
void vdr_compress_print(FILE *out, const char *name, const DrCompressEstimate *e,
                        gboolean json);
/* domdirtyrate-advise (vdr-cmd-advise.c): the advice, and @mp, the
 * libvirt parameters of its plan */
void vdr_advice_print(FILE *out, const char *name, const DrAdvisorResult *r,
                      const DrMigParams *mp, gboolean json);
/* The member "inputs" of @r's JSON: what was measured, with the
 * working-set points; domdirtyrate-migrate's JSON has it too, so that
 * a prediction that missed shows what it stood on. */
void vdr_advice_inputs_json(JsonBuilder *b, const DrAdvisorResult *r);
/* domxbzrle (vdr-cmd-xbzrle.c) */
void vdr_xbzrle_print(FILE *out, const char *name, const DrQmpXbzrle *x, gboolean json);
