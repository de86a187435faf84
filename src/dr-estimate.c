/*
 * dr-estimate.c: estimates with their 95% confidence intervals
 */
#include <config.h>

#include <math.h>

#include "dr-estimate.h"

DrEstimate
dr_estimate_wilson(uint64_t k, uint64_t n)
{
    const double z = DR_ESTIMATE_Z95;
    DrEstimate e = { 0, 0, 1 };
    double p, z2, denom, centre, half;

    if (n == 0)
        return e;
    p = (double)k / (double)n;
    z2 = z * z;
    denom = 1 + z2 / (double)n;
    centre = (p + z2 / (2.0 * (double)n)) / denom;
    half = z * sqrt(p * (1 - p) / (double)n + z2 / (4.0 * (double)n * (double)n)) / denom;
    e.value = p;
    e.low = MAX(0.0, centre - half);
    e.high = MIN(1.0, centre + half);
    return e;
}

DrEstimate
dr_estimate_mean(double mean, double stddev, size_t n)
{
    DrEstimate e = { mean, mean, mean };
    double half;

    if (n == 0)
        return e;
    half = DR_ESTIMATE_Z95 * stddev / sqrt((double)n);
    e.low = MAX(0.0, mean - half);
    e.high = mean + half;
    return e;
}

DrEstimate
dr_estimate_mean_from_sums(double sum, double sumsq, uint64_t n)
{
    DrEstimate zero = { 0, 0, 0 };
    double mean, var;

    if (n == 0)
        return zero;
    mean = sum / (double)n;
    var = n > 1 ? MAX(0.0, (sumsq - sum * mean) / (double)(n - 1)) : 0.0;
    return dr_estimate_mean(mean, sqrt(var), (size_t)n);
}

DrEstimate
dr_estimate_scale(DrEstimate e, double by)
{
    e.value *= by;
    e.low *= by;
    e.high *= by;
    return e;
}
