/* A per-state cache of oneDNN primitives for the layers that run on plain (NCHW or flat)
 * layouts: batch norm, pooling, element-wise activations, softmax. Each entry holds the
 * forward (and, in training states, backward) primitive built for one batch size, their
 * user-managed scratchpads, a workspace, and memory objects whose data handles are set on
 * every call, so running does not allocate. */
#include <stdlib.h>
#include <string.h>

#include "nn/nn_internal.h"

void nn_prim_free(nn_prim *p)
{
    if (p->fwd)
        dnnl_primitive_destroy(p->fwd);
    if (p->bwd)
        dnnl_primitive_destroy(p->bwd);
    if (p->fwd_pd)
        dnnl_primitive_desc_destroy(p->fwd_pd);
    dnnl_memory_t mems[3] = {p->pad_fwd, p->pad_bwd, p->ws};
    for (int i = 0; i < 3; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    for (int i = 0; i < NN_PRIM_MEMS; i++)
        if (p->m[i])
            dnnl_memory_destroy(p->m[i]);
    free(p->tmp);
    free(p->stats);
    free(p->index);
    memset(p, 0, sizeof *p);
}

void nn_prim_cache_free(void *ls)
{
    nn_prim_cache *pc = ls;
    for (int i = 0; i < pc->n; i++)
        nn_prim_free(&pc->p[i]);
    free(pc);
}

auris_status nn_prim_get(nn_call *c, nn_prim_build_fn build, nn_prim **out)
{
    nn_prim_cache *pc = *c->ls;
    if (!pc) {
        if (!(pc = calloc(1, sizeof *pc)))
            return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
        *c->ls = pc;
    }
    for (int i = 0; i < pc->n; i++)
        if (pc->p[i].batch == c->batch) {
            pc->last = i;
            *out = &pc->p[i];
            return AURIS_OK;
        }
    int slot = pc->n < NN_PRIM_CACHE ? pc->n++ : pc->next;
    if (slot == pc->next && pc->n == NN_PRIM_CACHE)
        pc->next = (pc->next + 1) % NN_PRIM_CACHE;
    nn_prim *p = &pc->p[slot];
    nn_prim_free(p);
    p->batch = c->batch;
    auris_status st = build(c, p);
    if (st) {
        nn_prim_free(p);
        return st;
    }
    pc->last = slot;
    *out = p;
    return AURIS_OK;
}

auris_status nn_prim_create(const nn_call *c, const_dnnl_op_desc_t desc,
                            const_dnnl_primitive_desc_t hint, dnnl_primitive_desc_t *keep_pd,
                            dnnl_primitive_t *prim, dnnl_memory_t *pad, const char *what)
{
    dnnl_primitive_attr_t attr;
    auris_status st = nn_dnnl_check(dnnl_primitive_attr_create(&attr), what, c->err);
    if (st)
        return st;
    dnnl_primitive_desc_t pd = NULL;
    st = nn_dnnl_check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user),
                       what, c->err);
    if (!st)
        st = nn_dnnl_check(dnnl_primitive_desc_create(&pd, desc, attr, c->engine, hint), what, c->err);
    dnnl_primitive_attr_destroy(attr);
    if (!st)
        st = nn_dnnl_check(dnnl_primitive_create(prim, pd), what, c->err);
    const dnnl_memory_desc_t *md = st ? NULL : dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
    if (md && dnnl_memory_desc_get_size(md) > 0)
        st = nn_dnnl_check(dnnl_memory_create(pad, md, c->engine, DNNL_MEMORY_ALLOCATE), what, c->err);
    if (pd && keep_pd && !st)
        *keep_pd = pd;
    else if (pd)
        dnnl_primitive_desc_destroy(pd);
    return st;
}

auris_status nn_prim_mem(const nn_call *c, const dnnl_memory_desc_t *md, dnnl_memory_t *mem)
{
    return nn_dnnl_check(dnnl_memory_create(mem, md, c->engine, DNNL_MEMORY_NONE), "memory", c->err);
}

auris_status nn_prim_exec(const nn_call *c, dnnl_primitive_t prim, dnnl_memory_t pad, int nargs,
                          dnnl_exec_arg_t *args, const char *what)
{
    if (pad)
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_SCRATCHPAD, pad};
    return nn_dnnl_run(prim, c->stream, nargs, args, what, c->err);
}

float *nn_prim_dx(const nn_call *c, nn_prim *p, int k, size_t n)
{
    if (!c->dx_acc[k])
        return c->dx[k];
    if (!p->tmp)
        p->tmp = malloc(n * sizeof(float));
    return p->tmp;
}

void nn_prim_dx_done(const nn_call *c, const nn_prim *p, int k, size_t n)
{
    if (c->dx_acc[k])
        for (size_t i = 0; i < n; i++)
            c->dx[k][i] += p->tmp[i];
}

auris_status nn_same_shape_setup(auris_nn_model *m, nn_layer *l, auris_error *err)
{
    memcpy(l->out_shape, l->in_shape[0], sizeof l->out_shape);
    return AURIS_OK;
}

auris_status nn_prim_unary_forward(nn_call *c, nn_prim_build_fn build, const char *what)
{
    nn_prim *p;
    auris_status st = nn_prim_get(c, build, &p);
    if (st)
        return st;
    dnnl_memory_set_data_handle(p->m[NN_U_SRC], (void *)c->x[0]);
    dnnl_memory_set_data_handle(p->m[NN_U_DST], c->y);
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, p->m[NN_U_SRC]}, {DNNL_ARG_DST, p->m[NN_U_DST]}};
    return nn_prim_exec(c, p->fwd, p->pad_fwd, 2, args, what);
}

auris_status nn_prim_unary_backward(nn_call *c, nn_prim_build_fn build, int saved_arg,
                                    const char *what)
{
    nn_prim *p;
    auris_status st = nn_prim_get(c, build, &p);
    if (st)
        return st;
    size_t n = (size_t)c->batch * nn_shape_size(c->l->out_shape);
    float *dx = nn_prim_dx(c, p, 0, n);
    if (!dx)
        return auris_fail(c->err, AURIS_ENOMEM, "out of memory");
    dnnl_memory_t saved = saved_arg == DNNL_ARG_SRC ? p->m[NN_U_SRC] : p->m[NN_U_DST];
    dnnl_memory_set_data_handle(saved, saved_arg == DNNL_ARG_SRC ? (void *)c->x[0] : c->y);
    dnnl_memory_set_data_handle(p->m[NN_U_DDST], (void *)c->dy);
    dnnl_memory_set_data_handle(p->m[NN_U_DSRC], dx);
    dnnl_exec_arg_t args[4] = {{saved_arg, saved}, {DNNL_ARG_DIFF_DST, p->m[NN_U_DDST]},
                               {DNNL_ARG_DIFF_SRC, p->m[NN_U_DSRC]}};
    st = nn_prim_exec(c, p->bwd, p->pad_bwd, 3, args, what);
    if (!st)
        nn_prim_dx_done(c, p, 0, n);
    return st;
}
