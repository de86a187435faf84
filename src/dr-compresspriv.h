/*
 * dr-compresspriv.h: the estimator's arithmetic, for unit tests
 */
#pragma once

#include "dr-compress.h"

typedef struct _DrCompressTally DrCompressTally;

/* The estimator's accumulator: fed page observations, it produces the
 * estimate.  Kept apart from libvirt so that tests can feed it. */
DrCompressTally *dr_compress_tally_new(unsigned int pages, unsigned int rounds);
void dr_compress_tally_free(DrCompressTally *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DrCompressTally, dr_compress_tally_free)

/* Page @page in round @round: unchanged (@encoded_len 0), changed with a
 * delta of @encoded_len bytes, or overflowed (-1). */
void dr_compress_tally_add(DrCompressTally *t, unsigned int page, int encoded_len);

/* Page @page (sampled from stretch @bin of RAM, all zero or not) as
 * first read. */
void dr_compress_tally_first(DrCompressTally *t, unsigned int page, unsigned int bin,
                             gboolean zero);

/* @n neighbouring pages (@n > 0) as first read, from one stretch of
 * RAM: their zero share, and the non-zero ones given in order to the
 * first-read codecs, as multifd gives a packet's pages to its stream.
 * Once any run is given, the zero share comes from the runs alone. */
void dr_compress_tally_run(DrCompressTally *t, const uint8_t *pages, unsigned int n);

/* Run @run (counted in the order dr_compress_tally_run() was given the
 * runs) as read again: @changed[j] non-zero where its page j changed
 * since; @n at most the run's length.  Once any run is read again, the
 * written set comes from the runs' pages; the sampled pages alone give
 * the rest. */
void dr_compress_tally_run_changes(DrCompressTally *t, unsigned int run,
                                   const uint8_t *changed, unsigned int n);

/* The content of a sampled page, for the whole-page codecs: as first
 * read (@changed FALSE; zero pages are left out, as QEMU sends them as a
 * header) or as re-read after it changed (@changed TRUE).  The first
 * DR_COMPRESS_CODEC_PAGES_MAX of each kind are used. */
void dr_compress_tally_content(DrCompressTally *t, gboolean changed, const uint8_t *page);

/* A round of re-reads has ended: the changed pages' codecs forget what
 * they were fed (dr_page_codec_forget()), since the next round feeds
 * the same pages again. */
void dr_compress_tally_round(DrCompressTally *t);

DrCompressEstimate *dr_compress_tally_finish(DrCompressTally *t,
                                             uint64_t ram_pages,
                                             double interval_s,
                                             double elapsed_s);
