/* LSTM over a C x 1 x T sequence (PyTorch nn.LSTM, one layer, batch_first, zero initial
 * state; gates i, f, g, o), giving every step's hidden state as H x 1 x T. The input
 * projection of all steps is one GEMM per sample; the recurrence runs step by step.
 * Training keeps the gates and cell states for back-propagation through time. */
#include <cblas.h>
#include <string.h>

#include "nn/rnn_util.h"

static auris_status lstm_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    return rnn_setup(m, l, 4, err);
}

/* Layout of the scratch area: pre-activations / activated gates [N][T][4H], cells [N][T][H],
 * hidden [N][T][H]. */
static auris_status lstm_forward(nn_call *c)
{
    int C = c->l->in_shape[0][0], T = c->l->in_shape[0][2], H = c->l->cfg.filters, N = c->batch;
    size_t G = 4 * (size_t)H;
    float *buf = rnn_scratch(c, (size_t)N * T * (G + 2 * H));
    if (!buf)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    float *A = buf, *Cs = A + (size_t)N * T * G, *Hs = Cs + (size_t)N * T * H;
    const float *Wih = nn_param(c, 0), *Whh = nn_param(c, 1), *bih = nn_param(c, 2), *bhh = nn_param(c, 3);
    for (int n = 0; n < N; n++) {
        float *An = A + (size_t)n * T * G;
        for (int t = 0; t < T; t++)
            for (size_t k = 0; k < G; k++)
                An[t * G + k] = bih[k] + bhh[k];
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, T, (int)G, C, 1.0f,
                    c->x[0] + (size_t)n * C * T, T, Wih, C, 1.0f, An, (int)G);
        for (int t = 0; t < T; t++) {
            float *a = An + t * G, *cs = Cs + ((size_t)n * T + t) * H, *hs = Hs + ((size_t)n * T + t) * H;
            if (t > 0)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)G, H, 1.0f, Whh, H, hs - H, 1, 1.0f, a, 1);
            for (int k = 0; k < H; k++) {
                float i = rnn_sigm(a[k]), f = rnn_sigm(a[H + k]), g = tanhf(a[2 * H + k]),
                      o = rnn_sigm(a[3 * H + k]);
                float cprev = t > 0 ? cs[k - H] : 0.0f;
                cs[k] = f * cprev + i * g;
                hs[k] = o * tanhf(cs[k]);
                a[k] = i;
                a[H + k] = f;
                a[2 * H + k] = g;
                a[3 * H + k] = o;
                c->y[((size_t)n * H + k) * T + t] = hs[k];
            }
        }
    }
    return AURIS_OK;
}

static auris_status lstm_backward(nn_call *c)
{
    int C = c->l->in_shape[0][0], T = c->l->in_shape[0][2], H = c->l->cfg.filters, N = c->batch;
    size_t G = 4 * (size_t)H;
    const rnn_state *s = *c->ls;
    const float *A = s->buf, *Cs = A + (size_t)N * T * G, *Hs = Cs + (size_t)N * T * H;
    float *tmp = malloc(((size_t)T * G + 2 * (size_t)H) * sizeof *tmp);
    if (!tmp)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    float *dPn = tmp, *dh = tmp + (size_t)T * G, *dc = dh + H;
    const float *Wih = nn_param(c, 0), *Whh = nn_param(c, 1);
    float *dWih = c->pgrad[0], *dWhh = c->pgrad[1], *dbih = c->pgrad[2], *dbhh = c->pgrad[3];
    memset(dWih, 0, G * C * sizeof(float));
    memset(dWhh, 0, G * H * sizeof(float));
    memset(dbih, 0, G * sizeof(float));
    for (int n = 0; n < N; n++) {
        memset(dh, 0, 2 * (size_t)H * sizeof(float));
        for (int t = T - 1; t >= 0; t--) {
            const float *a = A + ((size_t)n * T + t) * G, *cs = Cs + ((size_t)n * T + t) * H;
            float *dp = dPn + (size_t)t * G;
            for (int k = 0; k < H; k++) {
                float i = a[k], f = a[H + k], g = a[2 * H + k], o = a[3 * H + k];
                float tc = tanhf(cs[k]), cprev = t > 0 ? cs[k - H] : 0.0f;
                float dht = dh[k] + c->dy[((size_t)n * H + k) * T + t];
                float dct = dc[k] + dht * o * (1.0f - tc * tc);
                dp[k] = dct * g * i * (1.0f - i);
                dp[H + k] = dct * cprev * f * (1.0f - f);
                dp[2 * H + k] = dct * i * (1.0f - g * g);
                dp[3 * H + k] = dht * tc * o * (1.0f - o);
                dc[k] = dct * f;
            }
            /* dh_{t-1} = W_hh^T dp; dW_hh += dp h_{t-1}^T */
            if (t > 0) {
                cblas_sgemv(CblasRowMajor, CblasTrans, (int)G, H, 1.0f, Whh, H, dp, 1, 0.0f, dh, 1);
                cblas_sger(CblasRowMajor, (int)G, H, 1.0f, dp, 1, Hs + ((size_t)n * T + t - 1) * H, 1,
                           dWhh, H);
            }
        }
        const float *xn = c->x[0] + (size_t)n * C * T;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)G, C, T, 1.0f, dPn, (int)G, xn, T,
                    1.0f, dWih, C);
        if (c->need_dx[0])
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, C, T, (int)G, 1.0f, Wih, C, dPn, (int)G,
                        c->dx_acc[0] ? 1.0f : 0.0f, c->dx[0] + (size_t)n * C * T, T);
        for (int t = 0; t < T; t++)
            for (size_t k = 0; k < G; k++)
                dbih[k] += dPn[t * G + k];
    }
    memcpy(dbhh, dbih, G * sizeof(float));
    free(tmp);
    return AURIS_OK;
}

static double lstm_macs(const nn_layer *l)
{
    return rnn_macs(l, 4);
}

const nn_layer_ops nn_lstm_ops = {lstm_setup, lstm_forward, lstm_backward, rnn_state_free, lstm_macs};
