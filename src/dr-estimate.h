/*
 * dr-estimate.h: estimates with their 95% confidence intervals
 *
 * The statistics that measurement (dirty rates, series, working sets)
 * and compression (the XBZRLE estimate) both use: neither stacks on
 * the other, both on this.
 */
#pragma once

#include <stdint.h>

#include <glib.h>

G_BEGIN_DECLS

/* The two-sided 95% quantile of the standard normal distribution. */
#define DR_ESTIMATE_Z95 1.959963984540054

/* A proportion, mean or rate with its 95% confidence interval. */
typedef struct {
    double value;
    double low;
    double high;
} DrEstimate;

/* The Wilson score interval for @k successes out of @n; [0, 1] with a
 * value of 0 when @n is 0. */
DrEstimate dr_estimate_wilson(uint64_t k, uint64_t n);

/* The mean of @n values from their @sum and sum of squares, with the
 * normal approximation's interval (low clamped at 0); all 0 when @n is 0. */
DrEstimate dr_estimate_mean_from_sums(double sum, double sumsq, uint64_t n);

/* The mean @mean of @n values whose standard deviation is @stddev, with
 * the normal approximation's interval (low clamped at 0). */
DrEstimate dr_estimate_mean(double mean, double stddev, size_t n);

/* @e with value and bounds multiplied by @by. */
DrEstimate dr_estimate_scale(DrEstimate e, double by);

G_END_DECLS
