/* .npy: what the writer makes reads back exactly (and is what NumPy expects: checked in
 * tests/cli/test_features.sh), and malformed files are refused with a reason. */
#include "auris/npy.h"
#include "test.h"

static void test_round_trip(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/npy-round.npy", test_tmpdir());
    auris_npy_writer *w = NULL;
    CHECK_OK(auris_npy_writer_open(path, 3, &w, NULL));
    float rows[3000];
    for (int i = 0; i < 3000; i++)
        rows[i] = (float)i * 0.5f - 7.25f;
    CHECK_OK(auris_npy_writer_write(w, rows, 10));
    CHECK_OK(auris_npy_writer_write(w, rows + 30, 990));
    CHECK(auris_npy_writer_rows(w) == 1000);
    CHECK_OK(auris_npy_writer_close(w, NULL));
    float *back = NULL;
    size_t r = 0, c = 0;
    CHECK_OK(auris_npy_load(path, &back, &r, &c, NULL));
    CHECK(r == 1000 && c == 3);
    CHECK(back && !memcmp(back, rows, sizeof rows));
    free(back);
    /* The data starts on a 64-byte boundary, as NumPy writes it. */
    FILE *f = fopen(path, "rb");
    unsigned char head[10];
    CHECK(fread(head, 1, 10, f) == 10);
    fclose(f);
    CHECK((10 + (head[8] | head[9] << 8)) % 64 == 0);
}

static size_t make(unsigned char *buf, const char *dict, const void *data, size_t n)
{
    size_t dl = strlen(dict);
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (unsigned char)dl;
    buf[9] = (unsigned char)(dl >> 8);
    memcpy(buf + 10, dict, dl);
    memcpy(buf + 10 + dl, data, n);
    return 10 + dl + n;
}

static void expect_refused(const unsigned char *b, size_t n, auris_status want, const char *why)
{
    float *out = NULL;
    size_t r, c;
    auris_error err = {0};
    auris_status st = auris_npy_parse(b, n, "x.npy", &out, &r, &c, &err);
    CHECK_MSG(st == want, "%s: status %d, want %d (%s)", why, st, want, err.message);
    CHECK_MSG(strstr(err.message, "x.npy") != NULL, "%s: message %s", why, err.message);
    CHECK(out == NULL);
}

static void test_malformed(void)
{
    unsigned char b[1024];
    double d[4] = {1, 2, 3, 4};
    float f[4] = {1, 2, 3, 4};
    size_t n;
    n = make(b, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }\n", d, sizeof d);
    float *out = NULL;
    size_t r = 0, c = 0;
    CHECK_OK(auris_npy_parse(b, n, "x.npy", &out, &r, &c, NULL));
    /* Fortran order: column-major 1,2,3,4 is [[1,3],[2,4]]. */
    CHECK(out && r == 2 && c == 2 && out[0] == 1 && out[1] == 3 && out[2] == 2 && out[3] == 4);
    free(out);

    expect_refused((const unsigned char *)"GIF89a....", 10, AURIS_EFORMAT, "not npy");
    n = make(b, "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }\n", f, sizeof f);
    expect_refused(b, n, AURIS_EUNSUPPORTED, "big-endian");
    n = make(b, "{'descr': '<i2', 'fortran_order': False, 'shape': (4,), }\n", f, sizeof f);
    expect_refused(b, n, AURIS_EUNSUPPORTED, "int16");
    n = make(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }\n", f, sizeof f);
    expect_refused(b, n, AURIS_ECORRUPT, "data shorter than shape");
    n = make(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999, 99999999999), }\n", f, sizeof f);
    expect_refused(b, n, AURIS_ERANGE, "absurd shape");
    n = make(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }\n", f, sizeof f);
    expect_refused(b, n, AURIS_ECORRUPT, "3-D");
    n = make(b, "{'descr': '<f4', 'shape': (4,), }\n", f, sizeof f);
    expect_refused(b, n, AURIS_ECORRUPT, "no fortran_order");
    n = make(b, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", f, sizeof f);
    b[8] = 0xff;
    b[9] = 0xff;
    expect_refused(b, n, AURIS_ECORRUPT, "header length beyond the file");
    expect_refused(b, 9, AURIS_EFORMAT, "9 bytes");

    auris_error err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/npy-missing.npy", test_tmpdir());
    CHECK(auris_npy_load(path, &out, &r, &c, &err) == AURIS_EIO && strstr(err.message, "npy-missing.npy"));
    snprintf(path, sizeof path, "%s/no/such/dir/x.npy", test_tmpdir());
    auris_npy_writer *w = NULL;
    CHECK(auris_npy_writer_open(path, 3, &w, &err) == AURIS_EIO && w == NULL);
}

int main(void)
{
    test_round_trip();
    test_malformed();
    return test_finish("io/npy");
}
