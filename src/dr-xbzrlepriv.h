/*
 * dr-xbzrlepriv.h: the codec's implementations, for tests and benchmarks
 */
#pragma once

#include "dr-xbzrle.h"

typedef enum {
    DR_XBZRLE_IMPL_SCALAR,
    DR_XBZRLE_IMPL_AVX2,
    DR_XBZRLE_IMPL_AVX512BW,

    DR_XBZRLE_IMPL_LAST
} DrXbzrleImpl;

typedef int (*DrXbzrleEncodeFunc)(const uint8_t *old_page,
                                  const uint8_t *new_page,
                                  size_t len, uint8_t *dst, size_t dlen);

const char *dr_xbzrle_impl_name(DrXbzrleImpl impl);
gboolean dr_xbzrle_impl_supported(DrXbzrleImpl impl);
DrXbzrleEncodeFunc dr_xbzrle_impl_encoder(DrXbzrleImpl impl);
DrXbzrleImpl dr_xbzrle_impl_best(void);

int dr_xbzrle_encode_scalar(const uint8_t *old_page, const uint8_t *new_page,
                            size_t len, uint8_t *dst, size_t dlen);
int dr_xbzrle_encode_avx2(const uint8_t *old_page, const uint8_t *new_page,
                          size_t len, uint8_t *dst, size_t dlen);
int dr_xbzrle_encode_avx512bw(const uint8_t *old_page, const uint8_t *new_page,
                              size_t len, uint8_t *dst, size_t dlen);
