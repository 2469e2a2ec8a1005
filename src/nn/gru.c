/* GRU over a C x 1 x T sequence (PyTorch nn.GRU, one layer, batch_first, zero initial
 * state; gates r, z, n with n = tanh(W_in x + b_in + r * (W_hn h + b_hn))), giving every
 * step's hidden state as H x 1 x T. Training keeps the gates for back-propagation. */
#include <cblas.h>
#include <string.h>

#include "nn/rnn_util.h"

static auris_status gru_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    return rnn_setup(m, l, 3, err);
}

/* Scratch layout: input projections X [N][T][3H] (then r, z, n in place), hidden
 * projections Hh [N][T][3H], hidden states [N][T][H]. */
static auris_status gru_forward(nn_call *c)
{
    int C = c->l->in_shape[0][0], T = c->l->in_shape[0][2], H = c->l->cfg.filters, N = c->batch;
    size_t G = 3 * (size_t)H;
    float *buf = rnn_scratch(c, (size_t)N * T * (2 * G + H));
    if (!buf)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    float *X = buf, *Hh = X + (size_t)N * T * G, *Hs = Hh + (size_t)N * T * G;
    const float *Wih = nn_param(c, 0), *Whh = nn_param(c, 1), *bih = nn_param(c, 2), *bhh = nn_param(c, 3);
    for (int n = 0; n < N; n++) {
        float *Xn = X + (size_t)n * T * G;
        for (int t = 0; t < T; t++)
            memcpy(Xn + t * G, bih, G * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, T, (int)G, C, 1.0f,
                    c->x[0] + (size_t)n * C * T, T, Wih, C, 1.0f, Xn, (int)G);
        for (int t = 0; t < T; t++) {
            float *x = Xn + t * G, *hh = Hh + ((size_t)n * T + t) * G;
            float *hs = Hs + ((size_t)n * T + t) * H;
            memcpy(hh, bhh, G * sizeof(float));
            if (t > 0)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)G, H, 1.0f, Whh, H, hs - H, 1, 1.0f, hh, 1);
            for (int k = 0; k < H; k++) {
                float r = rnn_sigm(x[k] + hh[k]), z = rnn_sigm(x[H + k] + hh[H + k]);
                float nn = tanhf(x[2 * H + k] + r * hh[2 * H + k]);
                float hprev = t > 0 ? hs[k - H] : 0.0f;
                hs[k] = (1.0f - z) * nn + z * hprev;
                x[k] = r;
                x[H + k] = z;
                x[2 * H + k] = nn;
                c->y[((size_t)n * H + k) * T + t] = hs[k];
            }
        }
    }
    return AURIS_OK;
}

static auris_status gru_backward(nn_call *c)
{
    int C = c->l->in_shape[0][0], T = c->l->in_shape[0][2], H = c->l->cfg.filters, N = c->batch;
    size_t G = 3 * (size_t)H;
    const rnn_state *s = *c->ls;
    const float *X = s->buf, *Hh = X + (size_t)N * T * G, *Hs = Hh + (size_t)N * T * G;
    float *tmp = malloc((2 * (size_t)T * G + 2 * (size_t)H) * sizeof *tmp);
    if (!tmp)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    float *dXn = tmp, *dHn = tmp + (size_t)T * G, *dh = dHn + (size_t)T * G, *dhp = dh + H;
    const float *Wih = nn_param(c, 0), *Whh = nn_param(c, 1);
    float *dWih = c->pgrad[0], *dWhh = c->pgrad[1], *dbih = c->pgrad[2], *dbhh = c->pgrad[3];
    memset(dWih, 0, G * C * sizeof(float));
    memset(dWhh, 0, G * H * sizeof(float));
    memset(dbih, 0, G * sizeof(float));
    memset(dbhh, 0, G * sizeof(float));
    for (int n = 0; n < N; n++) {
        memset(dh, 0, (size_t)H * sizeof(float));
        for (int t = T - 1; t >= 0; t--) {
            const float *g = X + ((size_t)n * T + t) * G, *hh = Hh + ((size_t)n * T + t) * G;
            const float *hs = Hs + ((size_t)n * T + t) * H;
            float *dx = dXn + (size_t)t * G, *dhh = dHn + (size_t)t * G;
            for (int k = 0; k < H; k++) {
                float r = g[k], z = g[H + k], nn = g[2 * H + k];
                float hprev = t > 0 ? hs[k - H] : 0.0f;
                float d = dh[k] + c->dy[((size_t)n * H + k) * T + t];
                float dan = d * (1.0f - z) * (1.0f - nn * nn);
                float daz = d * (hprev - nn) * z * (1.0f - z);
                float dar = dan * hh[2 * H + k] * r * (1.0f - r);
                dx[k] = dar;
                dx[H + k] = daz;
                dx[2 * H + k] = dan;
                dhh[k] = dar;
                dhh[H + k] = daz;
                dhh[2 * H + k] = dan * r;
                dhp[k] = d * z;
            }
            for (size_t k = 0; k < G; k++)
                dbhh[k] += dhh[k];
            if (t > 0) {
                cblas_sgemv(CblasRowMajor, CblasTrans, (int)G, H, 1.0f, Whh, H, dhh, 1, 1.0f, dhp, 1);
                cblas_sger(CblasRowMajor, (int)G, H, 1.0f, dhh, 1, hs - H, 1, dWhh, H);
            }
            memcpy(dh, dhp, (size_t)H * sizeof(float));
        }
        const float *xn = c->x[0] + (size_t)n * C * T;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, (int)G, C, T, 1.0f, dXn, (int)G, xn, T,
                    1.0f, dWih, C);
        if (c->need_dx[0])
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasTrans, C, T, (int)G, 1.0f, Wih, C, dXn, (int)G,
                        c->dx_acc[0] ? 1.0f : 0.0f, c->dx[0] + (size_t)n * C * T, T);
        for (int t = 0; t < T; t++)
            for (size_t k = 0; k < G; k++)
                dbih[k] += dXn[t * G + k];
    }
    free(tmp);
    return AURIS_OK;
}

static double gru_macs(const nn_layer *l)
{
    return rnn_macs(l, 3);
}

const nn_layer_ops nn_gru_ops = {gru_setup, gru_forward, gru_backward, rnn_state_free, gru_macs};
