/* Losses with their gradients, reduced by the mean as PyTorch does by default. */
#include <math.h>

#include "nn/nn_internal.h"

float auris_nn_loss_cross_entropy(const float *logits, const int *labels, int n, int classes,
                                  float smoothing, float *grad)
{
    double total = 0.0;
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * classes;
        float mx = x[0];
        for (int k = 1; k < classes; k++)
            mx = fmaxf(mx, x[k]);
        double s = 0.0;
        for (int k = 0; k < classes; k++)
            s += exp((double)x[k] - mx);
        double lse = mx + log(s), sum_logp = 0.0;
        for (int k = 0; k < classes; k++)
            sum_logp += x[k] - lse;
        double nll = lse - x[labels[i]];
        total += (1.0 - smoothing) * nll - smoothing * sum_logp / classes;
        if (grad)
            for (int k = 0; k < classes; k++) {
                double q = smoothing / classes + (k == labels[i] ? 1.0 - smoothing : 0.0);
                grad[(size_t)i * classes + k] = (float)((exp(x[k] - lse) - q) / n);
            }
    }
    return (float)(total / n);
}

float auris_nn_loss_aam(const float *logits, const int *labels, int n, int classes, float scale,
                        float margin, float *grad)
{
    double total = 0.0;
    float cm = cosf(margin), sm = sinf(margin);
    for (int i = 0; i < n; i++) {
        const float *x = logits + (size_t)i * classes;
        int y = labels[i];
        float c = fminf(1.0f, fmaxf(-1.0f, x[y] / scale));
        float s = sqrtf(fmaxf(0.0f, 1.0f - c * c));
        float zy = scale * (c * cm - s * sm);   /* scale * cos(theta + m) */
        float mx = zy;
        for (int k = 0; k < classes; k++)
            if (k != y && x[k] > mx)
                mx = x[k];
        double sum = exp((double)zy - mx);
        for (int k = 0; k < classes; k++)
            if (k != y)
                sum += exp((double)x[k] - mx);
        double lse = mx + log(sum);
        total += lse - zy;
        if (grad) {
            float *g = grad + (size_t)i * classes;
            for (int k = 0; k < classes; k++)
                g[k] = (float)(exp(x[k] - lse) / n);
            /* through z_y = scale cos(acos(x_y / scale) + m) */
            float dz = cm + (s > 1e-6f ? sm * c / s : 0.0f);
            g[y] = (float)((exp(zy - lse) - 1.0) / n) * dz;
        }
    }
    return (float)(total / n);
}

float auris_nn_loss_bce(const float *logits, const float *targets, int n, int classes, float *grad)
{
    double total = 0.0;
    size_t count = (size_t)n * (size_t)classes;
    for (size_t i = 0; i < count; i++) {
        float x = logits[i], t = targets[i];
        total += fmaxf(x, 0.0f) - x * t + log1pf(expf(-fabsf(x)));
        if (grad)
            grad[i] = (1.0f / (1.0f + expf(-x)) - t) / (float)count;
    }
    return (float)(total / (double)count);
}

float auris_nn_loss_mse(const float *pred, const float *targets, int n, int dim, float *grad)
{
    double total = 0.0;
    size_t count = (size_t)n * (size_t)dim;
    for (size_t i = 0; i < count; i++) {
        float d = pred[i] - targets[i];
        total += (double)d * d;
        if (grad)
            grad[i] = 2.0f * d / (float)count;
    }
    return (float)(total / (double)count);
}
