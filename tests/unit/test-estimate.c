/*
 * test-estimate.c: the intervals measurement and compression share
 *
 * Expected values are worked by hand: Wilson's interval is
 *   (p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n),
 * and the mean's is mean +- z s / sqrt(n), with z = 1.96.
 */
#include <config.h>

#include "dr-estimate.h"

static void
test_wilson(void)
{
    DrEstimate e = dr_estimate_wilson(0, 100);

    /* 0/100 -> [0, 0.0370]; 50/100 -> [0.4038, 0.5962]. */
    g_assert_cmpfloat_with_epsilon(e.value, 0.0, 1e-12);
    g_assert_cmpfloat_with_epsilon(e.low, 0.0, 1e-12);
    g_assert_cmpfloat_with_epsilon(e.high, 0.0370, 1e-4);
    e = dr_estimate_wilson(50, 100);
    g_assert_cmpfloat_with_epsilon(e.low, 0.4038, 1e-4);
    g_assert_cmpfloat_with_epsilon(e.high, 0.5962, 1e-4);
    e = dr_estimate_wilson(100, 100);
    g_assert_cmpfloat_with_epsilon(e.high, 1.0, 1e-12);
    g_assert_cmpfloat(e.low, >, 0.96);
    e = dr_estimate_wilson(0, 0);
    g_assert_cmpfloat(e.low, ==, 0.0);
    g_assert_cmpfloat(e.high, ==, 1.0);
}

static void
test_mean(void)
{
    /* 1, 2, 3, 4, 5: mean 3, s = sqrt(2.5) = 1.5811; half width
     * 1.96 x 1.5811 / sqrt(5) = 1.3859. */
    DrEstimate e = dr_estimate_mean_from_sums(15, 55, 5);

    g_assert_cmpfloat_with_epsilon(e.value, 3.0, 1e-12);
    g_assert_cmpfloat_with_epsilon(e.low, 3.0 - 1.3859, 1e-4);
    g_assert_cmpfloat_with_epsilon(e.high, 3.0 + 1.3859, 1e-4);
    /* The low end never goes below 0. */
    e = dr_estimate_mean(1.0, 10.0, 4);
    g_assert_cmpfloat(e.low, ==, 0.0);
    g_assert_cmpfloat_with_epsilon(e.high, 1.0 + 1.96 * 10.0 / 2.0, 1e-2);
    e = dr_estimate_mean_from_sums(0, 0, 0);
    g_assert_cmpfloat(e.value, ==, 0.0);
    g_assert_cmpfloat(e.high, ==, 0.0);
    /* One value: no spread, a point. */
    e = dr_estimate_mean_from_sums(7, 49, 1);
    g_assert_cmpfloat(e.low, ==, 7.0);
    g_assert_cmpfloat(e.high, ==, 7.0);
}

static void
test_scale(void)
{
    DrEstimate e = { 0.25, 0.125, 0.5 };

    e = dr_estimate_scale(e, 1024);
    g_assert_cmpfloat(e.value, ==, 256);
    g_assert_cmpfloat(e.low, ==, 128);
    g_assert_cmpfloat(e.high, ==, 512);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/estimate/wilson", test_wilson);
    g_test_add_func("/estimate/mean", test_mean);
    g_test_add_func("/estimate/scale", test_scale);
    return g_test_run();
}
