/*
 * dr-xbzrle.h: QEMU's XBZRLE page delta codec
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* The largest page the codec takes, and the largest run length that
 * the wire format can carry (a two-byte ULEB128). */
#define DR_XBZRLE_MAX_PAGE 16384
#define DR_XBZRLE_MAX_RUN 0x3fff

/* Bytes on the wire besides the payload, as QEMU writes them (7.2 to
 * 10.0): the 8-byte page header, and for an XBZRLE page 1 flag byte and
 * a 2-byte length. */
#define DR_XBZRLE_PAGE_HEADER 8
#define DR_XBZRLE_DELTA_HEADER 3

/**
 * dr_xbzrle_encode:
 * @old_page: the copy of the page the destination already has
 * @new_page: the page as it is now
 * @len: bytes in each page, at most DR_XBZRLE_MAX_PAGE
 * @dst: where the encoded delta goes
 * @dlen: room in @dst
 *
 * Encodes the delta from @old_page to @new_page in QEMU's wire format,
 * with maximal runs, byte for byte as QEMU's encoder does.
 *
 * Bytes of @dst past the returned length may have been written.
 *
 * Returns: the encoded length; 0 if the pages are equal; -1 if the
 * encoding does not fit in @dlen (or @len is over DR_XBZRLE_MAX_PAGE).
 */
int dr_xbzrle_encode(const uint8_t *old_page, const uint8_t *new_page,
                     size_t len, uint8_t *dst, size_t dlen);

/**
 * dr_xbzrle_decode:
 * @src: an encoded delta
 * @slen: its length
 * @page: the old page, updated in place
 * @dlen: bytes in @page
 *
 * Applies the delta to @page.  Never reads outside @src or writes
 * outside @page, whatever the input.
 *
 * Returns: the decoded length (the end of the last changed run), or -1
 * for malformed input: a truncated or over-long ULEB128, a zero-length
 * run where the format forbids one, or a run past either buffer's end.
 * On -1, @page may have been partly updated.
 */
int dr_xbzrle_decode(const uint8_t *src, size_t slen,
                     uint8_t *page, size_t dlen);

G_END_DECLS
