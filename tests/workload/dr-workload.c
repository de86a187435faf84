/*
 * dr-workload.c: the test guest's memory-dirtying workload
 *
 * Runs as a static program in the test guest's initramfs and is the
 * ground truth for every accuracy and migration test: it dirties a
 * working set of pages at a set rate and reports, once a second, the
 * rate it actually achieved.
 *
 * Configured from the kernel command line (/proc/cmdline), or from
 * argv as KEY=VALUE when run by hand:
 *
 *   drw.wss=256M       working-set size (K, M, G suffixes, binary)
 *   drw.rate=25600     pages dirtied per second, all threads together
 *                      (0: touch the working set once, then idle)
 *   drw.bytes=1        bytes changed per page write: 1 is sparse and
 *                      XBZRLE-friendly, 4096 rewrites the whole page
 *                      with random data
 *   drw.order=seq      seq: cycle through the working set in order;
 *                      random: pick pages at random
 *   drw.threads=1      writer threads, each on its own slice
 *   drw.fill=random    what the pages hold: random (incompressible),
 *                      zero (zero pages until written) or half (the
 *                      first 2 KiB random, the rest zero: about 2:1 for
 *                      whole-page compression).  Writes keep to the
 *                      random part, so a page keeps its kind.
 *
 * It prints "drw: filled ..." once every page holds its fill, then
 * "drw: ready", then report lines, one a second, on stdout (the serial
 * console):
 *
 *   drw: t=12 rate=25598 pages/s 99.99 MiB/s total=307180 wss=256MiB ...
 *
 * It uses only libc so that it links statically.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE 4096
#define TICK_NS 5000000L /* 5 ms */
#define MAX_THREADS 64

enum fill { FILL_RANDOM, FILL_ZERO, FILL_HALF };
static const char *const fill_names[] = { "random", "zero", "half" };

struct config {
    uint64_t wss;
    uint64_t rate;
    uint64_t bytes;
    int random_order;
    int threads;
    int fill;
};

struct writer {
    pthread_t tid;
    uint8_t *base;
    uint64_t npages;
    uint64_t rate;
    uint64_t bytes;
    uint64_t content; /* bytes of a page that hold data; the rest stay zero */
    int random_order;
    uint64_t seed;
    uint64_t written; /* read by the reporter, atomically */
};

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static uint64_t
xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static int
parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    switch (*end) {
    case 'G': case 'g': v <<= 30; end++; break;
    case 'M': case 'm': v <<= 20; end++; break;
    case 'K': case 'k': v <<= 10; end++; break;
    case '\0': case ' ': case '\n': break;
    default: return -1;
    }
    if (*end && *end != ' ' && *end != '\n')
        return -1;
    *out = v;
    return 0;
}

static void
apply_option(struct config *c, const char *opt)
{
    uint64_t v;

    if (strncmp(opt, "drw.", 4) == 0)
        opt += 4;
    if (strncmp(opt, "wss=", 4) == 0 && parse_size(opt + 4, &v) == 0)
        c->wss = v;
    else if (strncmp(opt, "rate=", 5) == 0 && parse_size(opt + 5, &v) == 0)
        c->rate = v;
    else if (strncmp(opt, "bytes=", 6) == 0 && parse_size(opt + 6, &v) == 0)
        c->bytes = v;
    else if (strncmp(opt, "order=", 6) == 0)
        c->random_order = strncmp(opt + 6, "random", 6) == 0;
    else if (strncmp(opt, "threads=", 8) == 0 && parse_size(opt + 8, &v) == 0)
        c->threads = (int)v;
    else if (strncmp(opt, "fill=", 5) == 0) {
        c->fill = -1;
        for (int i = 0; i < (int)(sizeof(fill_names) / sizeof(fill_names[0])); i++) {
            if (strcmp(opt + 5, fill_names[i]) == 0)
                c->fill = i;
        }
    }
}

static void
read_cmdline(struct config *c)
{
    char buf[4096];
    FILE *f = fopen("/proc/cmdline", "r");
    char *tok, *save = NULL;

    if (!f)
        return;
    if (!fgets(buf, sizeof(buf), f)) {
        fclose(f);
        return;
    }
    fclose(f);
    for (tok = strtok_r(buf, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
        if (strncmp(tok, "drw.", 4) == 0)
            apply_option(c, tok);
    }
}

static void
dirty_page(struct writer *w, uint8_t *page, uint64_t n)
{
    if (w->bytes >= w->content) {
        for (size_t i = 0; i < w->content; i += 8) {
            uint64_t r = xorshift(&w->seed);
            memcpy(page + i, &r, 8);
        }
    } else if (w->bytes <= 1) {
        /* One byte, always a change from what the page held. */
        page[(n * 7) % w->content]++;
    } else {
        size_t off = xorshift(&w->seed) % (w->content - w->bytes + 1);
        for (size_t i = 0; i < w->bytes; i++)
            page[off + i] = (uint8_t)(page[off + i] + 1 + (xorshift(&w->seed) % 255));
    }
}

static void *
writer_main(void *opaque)
{
    struct writer *w = opaque;
    int64_t start = now_ns();
    uint64_t next = 0;
    struct timespec tick = { 0, TICK_NS };

    uint64_t forgiven = 0; /* pages due during stalls, never written */
    uint64_t done = 0;

    for (;;) {
        int64_t elapsed = now_ns() - start;
        /* Pages due by now; never more than one second behind, so a
         * stall (say, a migration's downtime) is not made up in a burst. */
        uint64_t due = (uint64_t)((double)elapsed * (double)w->rate / 1e9) - forgiven;

        if (due > done + w->rate) {
            forgiven += due - done - w->rate;
            due = done + w->rate;
        }
        while (done < due) {
            uint64_t idx = w->random_order ? xorshift(&w->seed) % w->npages
                                           : next++ % w->npages;
            dirty_page(w, w->base + idx * PAGE_SIZE, done);
            done++;
            __atomic_store_n(&w->written, done, __ATOMIC_RELAXED);
        }
        nanosleep(&tick, NULL);
    }
    return NULL;
}

int
main(int argc, char **argv)
{
    struct config c = { 256ULL << 20, 25600, 1, 0, 1, FILL_RANDOM };
    static struct writer writers[MAX_THREADS];
    uint8_t *mem;
    uint64_t npages, content, last_total = 0, seed = 0x9e3779b97f4a7c15ULL;
    int64_t t0, last;

    setvbuf(stdout, NULL, _IOLBF, 0);
    read_cmdline(&c);
    for (int i = 1; i < argc; i++)
        apply_option(&c, argv[i]);
    if (c.threads < 1 || c.threads > MAX_THREADS || c.wss < PAGE_SIZE ||
        c.bytes < 1 || c.bytes > PAGE_SIZE || c.fill < 0) {
        printf("drw: error: bad configuration (threads 1-%d, wss >= 4K, bytes 1-4096, "
               "fill random, zero or half)\n", MAX_THREADS);
        return 1;
    }
    npages = c.wss / PAGE_SIZE;
    mem = mmap(NULL, npages * PAGE_SIZE, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED) {
        printf("drw: error: cannot map %" PRIu64 " MiB: %s\n",
               c.wss >> 20, strerror(errno));
        return 1;
    }
    printf("drw: config wss=%" PRIu64 "MiB rate=%" PRIu64 " pages/s bytes=%" PRIu64
           " order=%s threads=%d fill=%s\n", c.wss >> 20, c.rate, c.bytes,
           c.random_order ? "random" : "seq", c.threads, fill_names[c.fill]);
    /* Random data in each page's content part, so that no page is a
     * zero page to migration unless fill=zero asks for it; MAP_POPULATE
     * left the rest zero. */
    content = c.fill == FILL_HALF ? PAGE_SIZE / 2 : PAGE_SIZE;
    if (c.fill != FILL_ZERO) {
        for (uint64_t p = 0; p < npages; p++) {
            for (uint64_t i = 0; i < content; i += 8) {
                uint64_t r = xorshift(&seed);
                memcpy(mem + p * PAGE_SIZE + i, &r, 8);
            }
        }
    }
    printf("drw: filled %" PRIu64 " pages (%s)\n", npages, fill_names[c.fill]);

    for (int i = 0; i < c.threads; i++) {
        struct writer *w = &writers[i];
        uint64_t per = npages / (uint64_t)c.threads;
        w->base = mem + (uint64_t)i * per * PAGE_SIZE;
        w->npages = (i == c.threads - 1) ? npages - per * (uint64_t)i : per;
        w->rate = c.rate / (uint64_t)c.threads +
                  (i == 0 ? c.rate % (uint64_t)c.threads : 0);
        w->bytes = c.bytes;
        w->content = content;
        w->random_order = c.random_order;
        w->seed = 0x2545f4914f6cdd1dULL * (uint64_t)(i + 1);
        if (w->rate && pthread_create(&w->tid, NULL, writer_main, w) != 0) {
            printf("drw: error: cannot start writer thread %d\n", i);
            return 1;
        }
    }
    printf("drw: ready\n");

    t0 = last = now_ns();
    for (int t = 1;; t++) {
        struct timespec until;
        int64_t target = t0 + (int64_t)t * 1000000000LL, now;
        uint64_t total = 0;

        until.tv_sec = target / 1000000000LL;
        until.tv_nsec = target % 1000000000LL;
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR)
            ;
        now = now_ns();
        for (int i = 0; i < c.threads; i++)
            total += __atomic_load_n(&writers[i].written, __ATOMIC_RELAXED);
        {
            double secs = (double)(now - last) / 1e9;
            double pps = (double)(total - last_total) / secs;
            printf("drw: t=%d rate=%.0f pages/s %.2f MiB/s total=%" PRIu64 "\n",
                   t, pps, pps * PAGE_SIZE / 1048576.0, total);
        }
        last = now;
        last_total = total;
    }
    return 0;
}
