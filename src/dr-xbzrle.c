/*
 * dr-xbzrle.c: QEMU's XBZRLE page delta codec
 *
 * Wire grammar (QEMU docs/xbzrle.txt), for one page:
 *
 *   page   = zrun nzrun | zrun nzrun page
 *   zrun   = length            ; bytes equal in the old and new page
 *   nzrun  = length byte...    ; bytes that differ, then their new values
 *   length = ULEB128 in 1 or 2 bytes, at most 0x3fff
 *
 * Only the first zrun may be 0; an nzrun is never 0; the trailing zrun
 * is omitted.  The encoder emits maximal runs, so the encoding of a
 * pair of pages is unique and every implementation below produces the
 * same bytes as QEMU's encoder.
 *
 * The scalar encoder walks both pages a word at a time, as QEMU does.
 * The SIMD encoders first build a bitmap of equal bytes (one bit per
 * byte, with cmpeq + movemask or an AVX-512BW mask compare) and then
 * read the runs off the bitmap with count-trailing-zeros, which costs
 * a few instructions per run instead of per byte.  From the bitmap they
 * also know, before writing anything, when the delta cannot fit: that
 * makes the overflow case nearly free.
 */
#include <config.h>

#include <limits.h>
#include <string.h>

#if defined DR_XBZRLE_SIMDE
/* Test builds only (tests/unit/test-xbzrle-simde): the SIMD encoders
 * compiled against SIMDe's portable versions of the same intrinsics, so
 * that they run, and are checked against the scalar encoder, on a CPU
 * that lacks AVX2 or AVX-512BW.  Nothing here is built into the library. */
# define SIMDE_ENABLE_NATIVE_ALIASES 1
# include <simde/x86/avx512.h>
# define DR_XBZRLE_X86 1
# define DR_XBZRLE_TARGET(isa)
#elif defined __x86_64__ && defined __GNUC__
# define DR_XBZRLE_X86 1
# define DR_XBZRLE_TARGET(isa) __attribute__((target(isa)))
# include <immintrin.h>
#endif

#include "dr-xbzrlepriv.h"

#define ONES_8 0x0101010101010101ULL
#define HIGH_8 0x8080808080808080ULL

static inline uint64_t
load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return GUINT64_FROM_LE(v);
}

static inline size_t
uleb_put(uint8_t *p, uint32_t n)
{
    if (n < 0x80) {
        p[0] = (uint8_t)n;
        return 1;
    }
    p[0] = (uint8_t)((n & 0x7f) | 0x80);
    p[1] = (uint8_t)(n >> 7);
    return 2;
}

/* The caller guarantees two readable bytes at @p. */
static inline int
uleb_get(const uint8_t *p, uint32_t *n)
{
    if (!(p[0] & 0x80)) {
        *n = p[0];
        return 1;
    }
    if (p[1] & 0x80)
        return -1; /* more than 14 bits */
    *n = (uint32_t)(p[0] & 0x7f) | ((uint32_t)p[1] << 7);
    return 2;
}

/* Append one zrun/nzrun pair.  The room checks are QEMU's, so we fail
 * exactly when QEMU's encoder would. */
static inline __attribute__((always_inline)) int
emit_pair(uint8_t *dst, size_t dlen, size_t *d,
          size_t zrun, const uint8_t *nz, size_t nzrun)
{
    if (nzrun > DR_XBZRLE_MAX_RUN)
        return -1;
    if (*d + 2 > dlen)
        return -1;
    *d += uleb_put(dst + *d, (uint32_t)zrun);
    if (*d + 2 > dlen)
        return -1;
    *d += uleb_put(dst + *d, (uint32_t)nzrun);
    if (*d + nzrun > dlen)
        return -1;
    memcpy(dst + *d, nz, nzrun);
    *d += nzrun;
    return 0;
}

/* emit_pair() for callers that know 16 bytes can be read at @nz: a
 * short run is copied as one fixed 16-byte move, which may write up to
 * 15 bytes past the run, but never past @dlen. */
static inline __attribute__((always_inline)) int
emit_pair_overread(uint8_t *dst, size_t dlen, size_t *d,
                   size_t zrun, const uint8_t *nz, size_t nzrun)
{
    if (nzrun <= 16 && *d + 4 + 16 <= dlen) {
        *d += uleb_put(dst + *d, (uint32_t)zrun);
        *d += uleb_put(dst + *d, (uint32_t)nzrun);
        memcpy(dst + *d, nz, 16);
        *d += nzrun;
        return 0;
    }
    return emit_pair(dst, dlen, d, zrun, nz, nzrun);
}

int
dr_xbzrle_encode_scalar(const uint8_t *old_page, const uint8_t *new_page,
                        size_t len, uint8_t *dst, size_t dlen)
{
    size_t i = 0;
    size_t d = 0;

    if (len > DR_XBZRLE_MAX_PAGE)
        return -1;

    while (i < len) {
        size_t zstart = i;
        size_t nstart;

        /* Equal bytes: find the first word whose XOR is non-zero. */
        for (; i + 8 <= len; i += 8) {
            uint64_t x = load64(old_page + i) ^ load64(new_page + i);
            if (x) {
                i += (size_t)__builtin_ctzll(x) / 8;
                goto zrun_done;
            }
        }
        while (i < len && old_page[i] == new_page[i])
            i++;
     zrun_done:
        if (i == len)
            return zstart == 0 ? 0 : (int)d; /* trailing zrun omitted */

        /* Differing bytes: find the first zero byte of the XOR. */
        nstart = i;
        for (; i + 8 <= len; i += 8) {
            uint64_t x = load64(old_page + i) ^ load64(new_page + i);
            uint64_t z = (x - ONES_8) & ~x & HIGH_8;
            if (z) {
                i += (size_t)__builtin_ctzll(z) / 8;
                goto nzrun_done;
            }
        }
        while (i < len && old_page[i] != new_page[i])
            i++;
     nzrun_done:
        if (emit_pair(dst, dlen, &d, nstart - zstart,
                      new_page + nstart, i - nstart) < 0)
            return -1;
    }
    return (int)d;
}

/* ---- encoders that work from a bitmap of equal bytes ---------------- */

#define EQMAP_WORDS (DR_XBZRLE_MAX_PAGE / 64)

/* Bytes past @len count as equal, so that no run extends past it. */
static inline __attribute__((always_inline)) void
eqmap_tail(uint64_t *eq, const uint8_t *old_page, const uint8_t *new_page,
           size_t from, size_t len)
{
    size_t nwords = (len + 63) / 64;
    size_t i;

    if (from >= nwords * 64)
        return;
    eq[from / 64] = ~0ULL;
    for (i = from; i < len; i++) {
        if (old_page[i] != new_page[i])
            eq[i / 64] &= ~(1ULL << (i % 64));
    }
}

/* Counts, while the bitmap is built, the changed bytes and the changed
 * runs (a changed byte after an equal one; "byte -1" counts as equal). */
typedef struct {
    size_t changed;
    size_t nruns;
    uint64_t prev_top;
    uint64_t dirty[EQMAP_WORDS / 64]; /* words of the bitmap with a change */
} EqmapCount;

/* Counts word @w of the bitmap, which is not all ones. */
static inline __attribute__((always_inline)) void
eqmap_count(EqmapCount *c, size_t w, uint64_t eq)
{
    uint64_t ne = ~eq;
    c->dirty[w / 64] |= 1ULL << (w % 64);
    c->changed += (size_t)__builtin_popcountll(ne);
    c->nruns += (size_t)__builtin_popcountll(ne & ((eq << 1) | c->prev_top));
    c->prev_top = eq >> 63;
}

/* Inlined into each SIMD encoder, so that it is compiled for that
 * encoder's target (popcnt, tzcnt) rather than for the baseline.
 *
 * It walks the transitions of the bitmap (a bit set where a byte's
 * state differs from the byte before it) with one count-trailing-zeros
 * each: transitions alternate between the start of a changed run and
 * the start of an equal run, so the loop's branches are predictable. */
static inline __attribute__((always_inline)) int
encode_from_eqmap(const uint64_t *eq, const EqmapCount *count,
                  const uint8_t *new_page, size_t len, uint8_t *dst, size_t dlen)
{
    size_t nwords = (len + 63) / 64;
    size_t zstart = 0;   /* start of the current equal run */
    size_t nzstart = 0;  /* start of the current changed run */
    gboolean in_changed = FALSE;
    size_t d = 0;

    if (count->changed == 0)
        return 0;
    /* Every changed run costs at least its bytes plus two length bytes:
     * when even that does not fit, fail before writing anything. */
    if (count->changed + 2 * count->nruns > dlen)
        return -1;

    /* Only words with a change, and the words after them (where a
     * changed run may end on the boundary), have transitions. */
    for (size_t sw = 0; sw * 64 < nwords; sw++) {
        uint64_t visit = count->dirty[sw] | (count->dirty[sw] << 1) |
                         (sw > 0 ? count->dirty[sw - 1] >> 63 : 0);

        while (visit) {
            size_t w = sw * 64 + (size_t)__builtin_ctzll(visit);
            uint64_t e, t;

            visit &= visit - 1;
            if (w >= nwords)
                break;
            e = eq[w];
            t = e ^ ((e << 1) | (w > 0 ? eq[w - 1] >> 63 : 1));
            while (t) {
                size_t pos = w * 64 + (size_t)__builtin_ctzll(t);
                t &= t - 1;
                if (!in_changed) {
                    nzstart = pos;
                    in_changed = TRUE;
                    continue;
                }
                if (nzstart + 16 <= len) {
                    if (emit_pair_overread(dst, dlen, &d, nzstart - zstart,
                                           new_page + nzstart, pos - nzstart) < 0)
                        return -1;
                } else if (emit_pair(dst, dlen, &d, nzstart - zstart,
                                     new_page + nzstart, pos - nzstart) < 0) {
                    return -1;
                }
                zstart = pos;
                in_changed = FALSE;
            }
        }
    }
    /* A changed run that reaches the end of a page of whole words. */
    if (in_changed &&
        emit_pair(dst, dlen, &d, nzstart - zstart, new_page + nzstart,
                  len - nzstart) < 0)
        return -1;
    return (int)d;
}

/* Builds the bitmap's tail (bytes past the last whole 64) and counts it. */
static inline __attribute__((always_inline)) void
eqmap_finish(uint64_t *eq, EqmapCount *count, const uint8_t *old_page,
             const uint8_t *new_page, size_t w, size_t len)
{
    if (w * 64 < len) {
        eqmap_tail(eq, old_page, new_page, w * 64, len);
        if (~eq[w])
            eqmap_count(count, w, eq[w]);
    }
}

#ifdef DR_XBZRLE_X86
DR_XBZRLE_TARGET("avx2,bmi,popcnt") int
dr_xbzrle_encode_avx2(const uint8_t *old_page, const uint8_t *new_page,
                      size_t len, uint8_t *dst, size_t dlen)
{
    uint64_t eq[EQMAP_WORDS];
    EqmapCount count = { 0, 0, 1, { 0 } };
    size_t w;

    if (len > DR_XBZRLE_MAX_PAGE)
        return -1;
    for (w = 0; w < len / 64; w++) {
        const uint8_t *o = old_page + w * 64;
        const uint8_t *n = new_page + w * 64;
        __m256i c0 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)o),
                                       _mm256_loadu_si256((const __m256i *)(const void *)n));
        __m256i c1 = _mm256_cmpeq_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(o + 32)),
                                       _mm256_loadu_si256((const __m256i *)(const void *)(n + 32)));

        if (_mm256_testc_si256(_mm256_and_si256(c0, c1), _mm256_set1_epi8(-1))) {
            /* 64 equal bytes: the common case of a sparse delta. */
            eq[w] = ~0ULL;
            count.prev_top = 1;
            continue;
        }
        eq[w] = (uint64_t)(uint32_t)_mm256_movemask_epi8(c0) |
                ((uint64_t)(uint32_t)_mm256_movemask_epi8(c1) << 32);
        eqmap_count(&count, w, eq[w]);
    }
    eqmap_finish(eq, &count, old_page, new_page, w, len);
    return encode_from_eqmap(eq, &count, new_page, len, dst, dlen);
}

DR_XBZRLE_TARGET("avx512bw,bmi,popcnt") int
dr_xbzrle_encode_avx512bw(const uint8_t *old_page, const uint8_t *new_page,
                          size_t len, uint8_t *dst, size_t dlen)
{
    uint64_t eq[EQMAP_WORDS];
    EqmapCount count = { 0, 0, 1, { 0 } };
    size_t w;

    if (len > DR_XBZRLE_MAX_PAGE)
        return -1;
    for (w = 0; w < len / 64; w++) {
        __m512i a = _mm512_loadu_si512((const void *)(old_page + w * 64));
        __m512i b = _mm512_loadu_si512((const void *)(new_page + w * 64));

        eq[w] = (uint64_t)_mm512_cmpeq_epi8_mask(a, b);
        if (eq[w] == ~0ULL) {
            /* 64 equal bytes, as in the AVX2 encoder. */
            count.prev_top = 1;
            continue;
        }
        eqmap_count(&count, w, eq[w]);
    }
    eqmap_finish(eq, &count, old_page, new_page, w, len);
    return encode_from_eqmap(eq, &count, new_page, len, dst, dlen);
}
#else /* !DR_XBZRLE_X86 */
int
dr_xbzrle_encode_avx2(const uint8_t *old_page, const uint8_t *new_page,
                      size_t len, uint8_t *dst, size_t dlen)
{
    return dr_xbzrle_encode_scalar(old_page, new_page, len, dst, dlen);
}

int
dr_xbzrle_encode_avx512bw(const uint8_t *old_page, const uint8_t *new_page,
                          size_t len, uint8_t *dst, size_t dlen)
{
    return dr_xbzrle_encode_scalar(old_page, new_page, len, dst, dlen);
}
#endif /* !DR_XBZRLE_X86 */

const char *
dr_xbzrle_impl_name(DrXbzrleImpl impl)
{
    switch (impl) {
    case DR_XBZRLE_IMPL_SCALAR:
        return "scalar";
    case DR_XBZRLE_IMPL_AVX2:
        return "avx2";
    case DR_XBZRLE_IMPL_AVX512BW:
        return "avx512bw";
    case DR_XBZRLE_IMPL_LAST:
        break;
    }
    return "unknown";
}

gboolean
dr_xbzrle_impl_supported(DrXbzrleImpl impl)
{
    switch (impl) {
    case DR_XBZRLE_IMPL_SCALAR:
        return TRUE;
    case DR_XBZRLE_IMPL_AVX2:
#if defined DR_XBZRLE_SIMDE
        return TRUE;
#elif defined DR_XBZRLE_X86
        return __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("bmi") &&
               __builtin_cpu_supports("popcnt");
#else
        return FALSE;
#endif
    case DR_XBZRLE_IMPL_AVX512BW:
#if defined DR_XBZRLE_SIMDE
        return TRUE;
#elif defined DR_XBZRLE_X86
        return __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("bmi") &&
               __builtin_cpu_supports("popcnt");
#else
        return FALSE;
#endif
    case DR_XBZRLE_IMPL_LAST:
        break;
    }
    return FALSE;
}

DrXbzrleEncodeFunc
dr_xbzrle_impl_encoder(DrXbzrleImpl impl)
{
    switch (impl) {
    case DR_XBZRLE_IMPL_SCALAR:
        return dr_xbzrle_encode_scalar;
    case DR_XBZRLE_IMPL_AVX2:
        return dr_xbzrle_encode_avx2;
    case DR_XBZRLE_IMPL_AVX512BW:
        return dr_xbzrle_encode_avx512bw;
    case DR_XBZRLE_IMPL_LAST:
        break;
    }
    return NULL;
}

DrXbzrleImpl
dr_xbzrle_impl_best(void)
{
    if (dr_xbzrle_impl_supported(DR_XBZRLE_IMPL_AVX512BW))
        return DR_XBZRLE_IMPL_AVX512BW;
    if (dr_xbzrle_impl_supported(DR_XBZRLE_IMPL_AVX2))
        return DR_XBZRLE_IMPL_AVX2;
    return DR_XBZRLE_IMPL_SCALAR;
}

int
dr_xbzrle_encode(const uint8_t *old_page, const uint8_t *new_page,
                 size_t len, uint8_t *dst, size_t dlen)
{
    /* __builtin_cpu_supports reads a word set up at load time: choosing
     * per call keeps the library free of global state. */
    return dr_xbzrle_impl_encoder(dr_xbzrle_impl_best())(old_page, new_page,
                                                         len, dst, dlen);
}

int
dr_xbzrle_decode(const uint8_t *src, size_t slen, uint8_t *page, size_t dlen)
{
    size_t i = 0;
    size_t d = 0;

    while (i < slen) {
        uint32_t count;
        int ret;

        /* zrun */
        if (slen - i < 2)
            return -1;
        ret = uleb_get(src + i, &count);
        if (ret < 0 || (i && !count))
            return -1;
        i += (size_t)ret;
        d += count;
        if (d > dlen)
            return -1;

        /* nzrun */
        if (slen - i < 2)
            return -1;
        ret = uleb_get(src + i, &count);
        if (ret < 0 || !count)
            return -1;
        i += (size_t)ret;
        if (count > dlen - d || count > slen - i)
            return -1;
        memcpy(page + d, src + i, count);
        d += count;
        i += count;
    }
    if (d > INT_MAX)
        return -1;
    return (int)d;
}
