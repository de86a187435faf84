/*
 * fuzz-xbzrle-decode.c: libFuzzer target for the XBZRLE decoder
 *
 * Input: 2 bytes of page length (little endian, taken modulo
 * DR_XBZRLE_MAX_PAGE + 1), then an encoded delta.  Checks:
 * - the decoder stays inside both buffers (ASan) whatever the input;
 * - a delta it accepts re-encodes, with every encoder the CPU has, to
 *   bytes that decode to the same page, and all encoders agree.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "dr-xbzrlepriv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t old_page[DR_XBZRLE_MAX_PAGE], page[DR_XBZRLE_MAX_PAGE];
    static uint8_t enc[DR_XBZRLE_MAX_PAGE * 2], first[DR_XBZRLE_MAX_PAGE * 2];
    static uint8_t again[DR_XBZRLE_MAX_PAGE];
    size_t len;
    int r, first_len = -2;
    uint8_t *src;

    if (size < 2)
        return 0;
    len = (size_t)(data[0] | (data[1] << 8)) % (DR_XBZRLE_MAX_PAGE + 1);
    data += 2;
    size -= 2;

    /* An exact-size heap copy, so that ASan sees any over-read. */
    src = malloc(size ? size : 1);
    if (!src)
        return 0;
    memcpy(src, data, size);
    for (size_t i = 0; i < len; i++)
        old_page[i] = (uint8_t)(i * 31 + 7);
    memcpy(page, old_page, len);
    {
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
            free(src);
            return 0;
        }
        memcpy(exact, page, len);
        r = dr_xbzrle_decode(src, size, exact, len);
        memcpy(page, exact, len);
        free(exact);
    }
    free(src);
    if (r < 0)
        return 0;
    if ((size_t)r > len)
        abort();

    for (DrXbzrleImpl impl = 0; impl < DR_XBZRLE_IMPL_LAST; impl++) {
        int e;
        if (!dr_xbzrle_impl_supported(impl))
            continue;
        e = dr_xbzrle_impl_encoder(impl)(old_page, page, len, enc, sizeof(enc));
        if (first_len == -2) {
            first_len = e;
            if (e > 0)
                memcpy(first, enc, (size_t)e);
        } else if (e != first_len || (e > 0 && memcmp(enc, first, (size_t)e) != 0)) {
            abort(); /* encoders disagree */
        }
    }
    if (first_len < 0) {
        /* Only a whole 16 KiB page changed cannot be encoded. */
        if (len != DR_XBZRLE_MAX_PAGE)
            abort();
        return 0;
    }
    memcpy(again, old_page, len);
    if (first_len > 0 && dr_xbzrle_decode(first, (size_t)first_len, again, len) < 0)
        abort();
    if (memcmp(again, page, len) != 0)
        abort();
    return 0;
}
