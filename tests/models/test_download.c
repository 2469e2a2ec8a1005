/* Checked downloads through file:// URLs: the verified file lands whole, and a wrong hash,
 * an oversized body or a missing source leave the destination as it was with no temporary
 * file behind. */
#include <dirent.h>
#include <unistd.h>
#include "auris/models.h"
#include "test.h"

/* SHA-256 of the 3 bytes "abc" (FIPS 180-2 example). */
#define ABC_SHA256 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int read_equals(const char *path, const char *text)
{
    char buf[64] = "";
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return !strcmp(buf, text);
}

static int entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    char dir[1024], src[1100], dest[1100], url[1200], missing[1200], got[65];
    auris_error err = {0};
    snprintf(dir, sizeof dir, "%s/models-download-%ld", test_tmpdir(), (long)getpid());
    CHECK(mkdir(dir, 0755) == 0);
    snprintf(src, sizeof src, "%s/source.bin", dir);
    snprintf(dest, sizeof dest, "%s/model.bin", dir);
    snprintf(url, sizeof url, "file://%s", src);
    snprintf(missing, sizeof missing, "file://%s/none.bin", dir);
    write_text(src, "abc");

    CHECK_OK(auris_sha256_file(src, got, &err));
    CHECK(!strcmp(got, ABC_SHA256));

    auris_download_config cfg;
    auris_download_config_default(&cfg);
    cfg.sha256_hex = ABC_SHA256;
    memset(got, 0, sizeof got);
    CHECK_OK(auris_download(url, dest, &cfg, got, &err));
    CHECK(read_equals(dest, "abc") && !strcmp(got, ABC_SHA256));

    /* A different body under the same URL: refused, the installed file untouched. */
    write_text(src, "abd");
    CHECK(auris_download(url, dest, &cfg, NULL, &err) == AURIS_ECORRUPT);
    CHECK_MSG(strstr(err.message, "SHA-256 mismatch") && strstr(err.message, ABC_SHA256) &&
              !strchr(err.message, '\n'), "%s", err.message);
    CHECK(read_equals(dest, "abd") == 0 && read_equals(dest, "abc"));
    CHECK_MSG(entries(dir) == 2, "no temporary file left: %d entries", entries(dir));

    cfg.sha256_hex = NULL;
    cfg.max_bytes = 2;
    CHECK(auris_download(url, dest, &cfg, NULL, &err) == AURIS_ERANGE);
    CHECK(strstr(err.message, "2-byte limit") != NULL);
    CHECK(read_equals(dest, "abc") && entries(dir) == 2);

    auris_download_config_default(&cfg);
    CHECK(auris_download(missing, dest, &cfg, NULL, &err) == AURIS_EIO);
    CHECK(strstr(err.message, "none.bin") != NULL && entries(dir) == 2);

    cfg.sha256_hex = "not-a-hash";
    CHECK(auris_download(url, dest, &cfg, NULL, &err) == AURIS_EINVAL);

    auris_download_config_default(&cfg);
    CHECK(auris_download("gopher://example.invalid/x", dest, &cfg, NULL, &err) == AURIS_EIO);
    CHECK(read_equals(dest, "abc") && entries(dir) == 2);

    unlink(src);
    unlink(dest);
    rmdir(dir);
    return test_finish("test_download");
}
