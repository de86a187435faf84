/*
 * test-calibration.c: the per-host history of migrations and its link
 * factors
 *
 * The figures are the Debian 13 bed's (docs/grid/README.md): scenario 6
 * with multifd and zstd moved 231 MiB in 5.5 s at a 40 MiB/s limit, so
 * after the 1.5 s setup it ran at 231 / 4.0 / 40 = 1.44 times the limit.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "dr-calibration.h"
#include "dr-error.h"

#define MIB 1048576.0

/* A migration at 40 MiB/s that sent for @send_s after the model's
 * setup, predicted to take @predicted_s (0: none) beyond it. */
static DrCalibrationSample
sample(DrMigLinkClass cls, double mib, double send_s, double predicted_s)
{
    DrCalibrationSample s = { cls, 40 * MIB, mib * MIB, DR_MIG_SETUP_S + send_s,
                              predicted_s > 0 ? DR_MIG_SETUP_S + predicted_s : 0, 0 };
    return s;
}

static void
add(DrCalibration *cal, DrCalibrationSample s)
{
    g_autoptr(GError) err = NULL;
    g_assert_true(dr_calibration_add(cal, &s, &err));
    g_assert_no_error(err);
}

static void
test_median(void)
{
    g_autoptr(DrCalibration) cal = dr_calibration_new();
    const DrMigLinkClass mc = DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED;

    add(cal, sample(mc, 231, 4.0, 5.9));
    add(cal, sample(mc, 94, 1.4, 2.4));
    /* Too few to trust. */
    g_assert_cmpfloat(dr_calibration_link_factor(cal, mc), ==, 0);
    add(cal, sample(mc, 247, 5.6, 6.1));
    /* 231/4.0/40 = 1.444, 94/1.4/40 = 1.679, 247/5.6/40 = 1.103:
     * the median is 1.444. */
    g_assert_cmpfloat_with_epsilon(dr_calibration_link_factor(cal, mc), 231.0 / 4.0 / 40, 1e-9);
    g_assert_cmpuint(dr_calibration_count(cal, mc), ==, 3);
    g_assert_cmpuint(dr_calibration_count(cal, DR_MIG_LINK_CLASS_PLAIN), ==, 0);
    /* Time errors of the newest two: 0.5 s and 1.0 s short. */
    g_assert_cmpfloat_with_epsilon(dr_calibration_mean_error(cal, mc, 2),
                                   (0.5 / (DR_MIG_SETUP_S + 6.1) + 1.0 / (DR_MIG_SETUP_S + 2.4)) / 2,
                                   1e-9);
    g_assert_cmpfloat(dr_calibration_mean_error(cal, DR_MIG_LINK_CLASS_PLAIN, 5), <, 0);
    /* An even count takes the mean of the middle two: 1.0 joins, and
     * 1.103 and 1.444 are in the middle. */
    add(cal, sample(mc, 160, 4.0, 0));
    g_assert_cmpfloat_with_epsilon(dr_calibration_link_factor(cal, mc),
                                   (247.0 / 5.6 / 40 + 231.0 / 4.0 / 40) / 2, 1e-9);
}

static void
test_refused(void)
{
    g_autoptr(DrCalibration) cal = dr_calibration_new();
    DrCalibrationSample s = sample(DR_MIG_LINK_CLASS_PLAIN, 10, 0.5, 0);
    g_autoptr(GError) err = NULL;

    /* 0.5 s of sending measures nothing. */
    g_assert_false(dr_calibration_add(cal, &s, &err));
    g_assert_nonnull(strstr(err->message, "too short"));
    g_clear_error(&err);
    /* 40 times the limit is a measuring error. */
    s = sample(DR_MIG_LINK_CLASS_PLAIN, 40 * 40 * 10, 10.0, 0);
    g_assert_false(dr_calibration_add(cal, &s, &err));
    g_clear_error(&err);
    s = sample(DR_MIG_LINK_CLASS_PLAIN, NAN, 10.0, 0);
    g_assert_false(dr_calibration_add(cal, &s, &err));
    g_clear_error(&err);
    s = sample(DR_MIG_LINK_CLASS_LAST, 100, 10.0, 0);
    g_assert_false(dr_calibration_add(cal, &s, &err));
    g_assert_cmpuint(dr_calibration_count(cal, DR_MIG_LINK_CLASS_PLAIN), ==, 0);
}

static void
test_zero_pages(void)
{
    g_autoptr(DrCalibration) cal = dr_calibration_new();
    g_autoptr(GError) err = NULL;
    DrCalibrationSample s = sample(DR_MIG_LINK_CLASS_PLAIN, 400, 10.0, 0);

    /* One stream's time on 200000 zero pages is the model's, not the
     * link's; multifd's channels spend none. */
    s.zero_pages = 200000;
    for (int i = 0; i < 3; i++) {
        s.link_class = DR_MIG_LINK_CLASS_PLAIN;
        add(cal, s);
        s.link_class = DR_MIG_LINK_CLASS_MULTIFD;
        add(cal, s);
    }
    g_assert_cmpfloat_with_epsilon(dr_calibration_link_factor(cal, DR_MIG_LINK_CLASS_PLAIN),
                                   400.0 / (10.0 - 200000 * DR_MIG_ZERO_PAGE_S) / 40, 1e-9);
    g_assert_cmpfloat_with_epsilon(dr_calibration_link_factor(cal, DR_MIG_LINK_CLASS_MULTIFD),
                                   1.0, 1e-9);
    /* A count that cannot be. */
    s.zero_pages = -1;
    g_assert_false(dr_calibration_add(cal, &s, &err));
    g_assert_nonnull(strstr(err->message, "out of range"));
    g_assert_nonnull(strstr(err->message, "zero pages"));
    g_clear_error(&err);
    s.zero_pages = NAN;
    g_assert_false(dr_calibration_add(cal, &s, &err));
    g_assert_cmpuint(dr_calibration_count(cal, DR_MIG_LINK_CLASS_MULTIFD), ==, 3);
}

static void
test_keep_newest(void)
{
    g_autoptr(DrCalibration) cal = dr_calibration_new();

    /* 30 slow migrations, then 20 fast ones: only the fast are kept. */
    for (int i = 0; i < 30; i++)
        add(cal, sample(DR_MIG_LINK_CLASS_XBZRLE, 100, 10.0, 0));
    for (int i = 0; i < DR_CALIBRATION_KEEP; i++)
        add(cal, sample(DR_MIG_LINK_CLASS_XBZRLE, 400, 10.0, 0));
    g_assert_cmpuint(dr_calibration_count(cal, DR_MIG_LINK_CLASS_XBZRLE), ==, DR_CALIBRATION_KEEP);
    g_assert_cmpfloat_with_epsilon(dr_calibration_link_factor(cal, DR_MIG_LINK_CLASS_XBZRLE), 1.0, 1e-9);
}

static char *
write_file(const char *dir, const char *name, const char *text, gssize len)
{
    char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, text, len, NULL));
    return path;
}

static void
test_files(void)
{
    g_autofree char *dir = g_dir_make_tmp("dr-calibration-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "history", NULL);
    g_autofree char *bad = NULL;
    g_autofree char *nul = NULL;
    g_autofree char *big = NULL;
    g_autofree char *range = NULL;
    g_autofree char *huge = g_strnfill(DR_CALIBRATION_MAX_BYTES + 1, '#');
    g_autoptr(DrCalibration) cal = dr_calibration_new();
    g_autoptr(DrCalibration) back = NULL;
    g_autoptr(DrCalibration) none = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_nonnull(dir);
    /* No file yet: an empty history. */
    none = dr_calibration_load(path, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(dr_calibration_count(none, DR_MIG_LINK_CLASS_PLAIN), ==, 0);

    for (int i = 0; i < 3; i++)
        add(cal, sample(DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED, 231 + i, 4.0, 5.9));
    g_assert_true(dr_calibration_save(cal, path, &err));
    back = dr_calibration_load(path, &err);
    g_assert_no_error(err);
    g_assert_cmpfloat_with_epsilon(dr_calibration_link_factor(back, DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED),
                                   dr_calibration_link_factor(cal, DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED),
                                   1e-12);
    g_assert_cmpfloat_with_epsilon(dr_calibration_mean_error(back, DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED, 3),
                                   dr_calibration_mean_error(cal, DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED, 3),
                                   1e-12);

    /* Malformed, out of range, NUL, too large: refused, naming the file. */
    bad = write_file(dir, "bad", "[plain]\nlink-factor=fast\n", -1);
    g_assert_null(dr_calibration_load(bad, &err));
    g_assert_error(err, DR_ERROR, DR_ERROR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, bad));
    g_assert_nonnull(strstr(err->message, "link-factor"));
    g_clear_error(&err);
    range = write_file(dir, "range", "[plain]\nlink-factor=1;50;\n", -1);
    g_assert_null(dr_calibration_load(range, &err));
    g_assert_nonnull(strstr(err->message, "out of range"));
    g_clear_error(&err);
    nul = write_file(dir, "nul", "[plain]\n\0", 9);
    g_assert_null(dr_calibration_load(nul, &err));
    g_assert_nonnull(strstr(err->message, "NUL"));
    g_clear_error(&err);
    big = write_file(dir, "big", huge, -1);
    g_assert_null(dr_calibration_load(big, &err));
    g_assert_nonnull(strstr(err->message, "larger than"));
    g_clear_error(&err);

    g_unlink(path);
    g_unlink(bad);
    g_unlink(range);
    g_unlink(nul);
    g_unlink(big);
    g_rmdir(dir);
}

/* The model moves the kind's bytes at bandwidth x factor: an idle 1 GiB
 * guest of random pages over multifd with zstd, at twice the link,
 * takes half the time after the setup that it takes at the link, and
 * its pace is no longer marked uncertain.  Other kinds are untouched. */
static void
test_apply(void)
{
    g_autoptr(DrCalibration) cal = dr_calibration_new();
    DrMigInput in;
    DrMigSettings s = { 0 };
    DrMigPrediction base, fast, once;
    g_autoptr(GError) err = NULL;

    dr_mig_input_init(&in);
    in.ram_bytes = 1ULL << 30;
    in.host_cpus = 2;
    in.bandwidth = 40 * MIB;
    in.page_codec_speed[DR_PAGE_CODEC_ZSTD] = 1e12;
    in.page_ratio_first[DR_PAGE_CODEC_ZSTD] = 1;
    s.compression = DR_MIG_COMPRESSION_ZSTD;
    s.parallel = 2;
    s.max_downtime_ms = 300;
    s.max_time_ms = 600000;
    g_assert_true(dr_mig_predict(&in, &s, &base, &err));
    in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED] = 1;
    g_assert_true(dr_mig_predict(&in, &s, &once, &err));
    in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED] = 0;
    for (int i = 0; i < 3; i++)
        add(cal, sample(DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED, 80 * 10, 10.0, 0));
    dr_calibration_apply(cal, &in);
    g_assert_cmpfloat_with_epsilon(in.link_factor[DR_MIG_LINK_CLASS_MULTIFD_COMPRESSED], 2.0, 1e-9);
    g_assert_cmpfloat(in.link_factor[DR_MIG_LINK_CLASS_PLAIN], ==, 0);
    g_assert_true(dr_mig_predict(&in, &s, &fast, &err));
    g_assert_cmpfloat_with_epsilon(fast.total_s - DR_MIG_SETUP_S, (once.total_s - DR_MIG_SETUP_S) / 2, 1e-9);
    g_assert_cmpuint(fast.bytes, ==, once.bytes);
    /* Uncalibrated, multifd's pace past the limit is a guess (between
     * the limit and what QEMU lets out beyond it); calibrated, not. */
    g_assert_true(base.uncertain & DR_MIG_UNCERTAIN_LINK);
    g_assert_cmpfloat(base.total_s, <, once.total_s);
    g_assert_false(fast.uncertain & DR_MIG_UNCERTAIN_LINK);

    s.compression = DR_MIG_COMPRESSION_NONE;
    s.parallel = 0;
    g_assert_true(dr_mig_predict(&in, &s, &fast, &err));
    g_assert_cmpfloat_with_epsilon(fast.total_s, once.total_s, 1e-9);
    g_assert_false(fast.uncertain & DR_MIG_UNCERTAIN_LINK);

    in.link_factor[DR_MIG_LINK_CLASS_PLAIN] = NAN;
    g_assert_false(dr_mig_predict(&in, &s, &fast, &err));
    g_assert_nonnull(strstr(err->message, "link_factor"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/calibration/median", test_median);
    g_test_add_func("/calibration/refused", test_refused);
    g_test_add_func("/calibration/zero-pages", test_zero_pages);
    g_test_add_func("/calibration/keep-newest", test_keep_newest);
    g_test_add_func("/calibration/files", test_files);
    g_test_add_func("/calibration/apply", test_apply);
    return g_test_run();
}
