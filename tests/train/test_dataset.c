/* Dataset layouts for auris train: class folders (sorted classes, nested files, hidden
 * entries skipped), the stratified split (per-class counts, disjoint, same seed -> same
 * split), CSV manifests with quoted fields and folds (ESC-50 column names), fold splits and
 * the errors a user meets (no class folders, unknown class, bad manifest). Whether files
 * decode is the training run's business (tests/train/test_train.sh skips a corrupt one). */
#include <unistd.h>

#include "test.h"
#include "auris/train.h"

static char root[1024];

static void touch(const char *rel)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs("x", f);
        fclose(f);
    }
}

static void mkdirs(const char *rel)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    mkdir(p, 0777);
}

static void write_file(const char *rel, const char *text)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int count_label(const auris_dataset *d, int c)
{
    int n = 0;
    for (size_t i = 0; i < auris_dataset_count(d); i++)
        n += auris_dataset_label(d, i) == c;
    return n;
}

static void test_folders(void)
{
    /* class folders given out of order; "dog" has 10 files (2 nested), "cat" 5, "bird" 20 */
    mkdirs("folders");
    mkdirs("folders/dog");
    mkdirs("folders/dog/more");
    mkdirs("folders/cat");
    mkdirs("folders/bird");
    mkdirs("folders/.hidden");
    char rel[256];
    for (int i = 0; i < 8; i++) {
        snprintf(rel, sizeof rel, "folders/dog/d%d.wav", i);
        touch(rel);
    }
    touch("folders/dog/more/x1.wav");
    touch("folders/dog/more/x2.wav");
    touch("folders/dog/.DS_Store");
    for (int i = 0; i < 5; i++) {
        snprintf(rel, sizeof rel, "folders/cat/c%d.flac", i);
        touch(rel);
    }
    for (int i = 0; i < 20; i++) {
        snprintf(rel, sizeof rel, "folders/bird/b%02d.ogg", i);
        touch(rel);
    }
    touch("folders/.hidden/h.wav");
    touch("folders/README.txt");   /* a file beside the class folders is not a class */

    auris_dataset *d = NULL;
    auris_error err = {0};
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/folders", root);
    CHECK_OK(auris_dataset_new(&d, &err));
    CHECK_OK(auris_dataset_add_dir(d, dir, &err));
    CHECK(auris_dataset_count(d) == 35);
    CHECK(auris_dataset_class_count(d) == 3);
    CHECK(!strcmp(auris_dataset_class_name(d, 0), "bird"));
    CHECK(!strcmp(auris_dataset_class_name(d, 1), "cat"));
    CHECK(!strcmp(auris_dataset_class_name(d, 2), "dog"));
    CHECK(count_label(d, 0) == 20 && count_label(d, 1) == 5 && count_label(d, 2) == 10);
    int nested = 0;
    for (size_t i = 0; i < auris_dataset_count(d); i++)
        nested += strstr(auris_dataset_path(d, i), "/more/x") != NULL &&
                  auris_dataset_label(d, i) == 2;
    CHECK(nested == 2);

    /* stratified: round(0.2 n) of each class, disjoint, reproducible, seed-dependent */
    auris_dataset *tr = NULL, *va = NULL, *tr2 = NULL, *va2 = NULL, *tr3 = NULL, *va3 = NULL;
    CHECK_OK(auris_dataset_split(d, 0.2, 7, &tr, &va, &err));
    CHECK_OK(auris_dataset_split(d, 0.2, 7, &tr2, &va2, &err));
    CHECK_OK(auris_dataset_split(d, 0.2, 8, &tr3, &va3, &err));
    if (tr && va && va2 && va3) {
        CHECK(count_label(va, 0) == 4 && count_label(va, 1) == 1 && count_label(va, 2) == 2);
        CHECK(count_label(tr, 0) == 16 && count_label(tr, 1) == 4 && count_label(tr, 2) == 8);
        CHECK(auris_dataset_class_count(va) == 3 && auris_dataset_class_count(tr) == 3);
        int overlap = 0, same = 1, same3 = 1;
        for (size_t i = 0; i < auris_dataset_count(va); i++) {
            for (size_t j = 0; j < auris_dataset_count(tr); j++)
                overlap += !strcmp(auris_dataset_path(va, i), auris_dataset_path(tr, j));
            same &= !strcmp(auris_dataset_path(va, i), auris_dataset_path(va2, i));
            same3 &= !strcmp(auris_dataset_path(va, i), auris_dataset_path(va3, i));
        }
        CHECK(overlap == 0);
        CHECK_MSG(same, "same seed gave another split");
        CHECK_MSG(!same3, "another seed gave the same split");
    }
    CHECK(auris_dataset_split(d, 1.5, 7, &tr3, &va3, &err) == AURIS_EINVAL);

    /* a validation folder must use the training classes */
    auris_dataset *fixed = NULL;
    CHECK_OK(auris_dataset_new(&fixed, &err));
    const char *names[] = {"bird", "cat"};
    CHECK_OK(auris_dataset_set_classes(fixed, names, 2, &err));
    CHECK(auris_dataset_add(fixed, "x.wav", "dog", 0, &err) == AURIS_EINVAL);
    CHECK(strstr(err.message, "dog") != NULL);

    auris_dataset *empty = NULL;
    CHECK_OK(auris_dataset_new(&empty, &err));
    snprintf(dir, sizeof dir, "%s/folders/cat", root);
    CHECK(auris_dataset_add_dir(empty, dir, &err) == AURIS_EINVAL);   /* files, no classes */
    CHECK(auris_dataset_add_dir(empty, "/nonexistent/auris", &err) == AURIS_EIO);

    auris_dataset_free(d);
    auris_dataset_free(tr);
    auris_dataset_free(va);
    auris_dataset_free(tr2);
    auris_dataset_free(va2);
    auris_dataset_free(tr3);
    auris_dataset_free(va3);
    auris_dataset_free(fixed);
    auris_dataset_free(empty);
}

static void test_manifest(void)
{
    mkdirs("esc");
    mkdirs("esc/meta");
    mkdirs("esc/audio");
    touch("esc/audio/1-100032-A-0.wav");
    /* ESC-50's columns, a quoted label with a comma, folds 1..3 */
    write_file("esc/meta/esc50.csv",
               "filename,fold,target,category,esc10,src_file,take\n"
               "1-100032-A-0.wav,1,0,dog,True,100032,A\n"
               "1-2.wav,1,1,\"rain, heavy\",False,2,A\n"
               "2-3.wav,2,0,dog,True,3,A\n"
               "2-4.wav,2,1,\"rain, heavy\",False,4,A\n"
               "3-5.wav,3,0,dog,True,5,A\n"
               "\n"
               "3-6.wav,3,1,\"rain, heavy\",False,6,A\n"
               "x-7.wav,0,0,dog,False,7,A\n");  /* fold 0: extra data, never held out */
    auris_dataset *d = NULL, *rest = NULL, *held = NULL;
    auris_error err = {0};
    char csv[1100], audio[1100];
    snprintf(csv, sizeof csv, "%s/esc/meta/esc50.csv", root);
    snprintf(audio, sizeof audio, "%s/esc/audio", root);
    CHECK_OK(auris_dataset_new(&d, &err));
    CHECK_OK(auris_dataset_add_manifest(d, csv, audio, &err));
    CHECK(auris_dataset_count(d) == 7);
    CHECK(auris_dataset_class_count(d) == 2);
    CHECK(!strcmp(auris_dataset_class_name(d, 1), "rain, heavy"));
    CHECK(auris_dataset_fold(d, 3) == 2);
    CHECK(strstr(auris_dataset_path(d, 0), "esc/audio/1-100032-A-0.wav") != NULL);
    int folds[8];
    CHECK(auris_dataset_folds(d, folds, 8) == 3);
    CHECK(folds[0] == 1 && folds[2] == 3);
    CHECK_OK(auris_dataset_split_fold(d, 2, &rest, &held, &err));
    if (rest && held) {
        CHECK(auris_dataset_count(held) == 2 && auris_dataset_count(rest) == 5);
        int extra = 0;
        for (size_t i = 0; i < auris_dataset_count(rest); i++) {
            CHECK(auris_dataset_fold(rest, i) != 2);
            extra += auris_dataset_fold(rest, i) == 0;
        }
        CHECK(extra == 1);
    }
    auris_dataset *r2 = NULL, *h2 = NULL;
    CHECK(auris_dataset_split_fold(d, 9, &r2, &h2, &err) == AURIS_EINVAL);
    /* fold 0 is not a fold of its own: nothing to hold out */
    CHECK(auris_dataset_split_fold(d, 0, &r2, &h2, &err) == AURIS_EINVAL);
    auris_dataset_free(d);
    auris_dataset_free(rest);
    auris_dataset_free(held);

    /* manifests without the needed columns or with a bad fold are refused with the line */
    write_file("bad1.csv", "name,what\na.wav,dog\n");
    write_file("bad2.csv", "filename,label,fold\na.wav,dog,1\nb.wav,cat,x\n");
    snprintf(csv, sizeof csv, "%s/bad1.csv", root);
    CHECK_OK(auris_dataset_new(&d, &err));
    CHECK(auris_dataset_add_manifest(d, csv, NULL, &err) == AURIS_EFORMAT);
    snprintf(csv, sizeof csv, "%s/bad2.csv", root);
    CHECK(auris_dataset_add_manifest(d, csv, NULL, &err) == AURIS_ECORRUPT);
    CHECK_MSG(strstr(err.message, "bad2.csv:3") != NULL, "%s", err.message);
    auris_dataset_free(d);
}

static void test_run_dirs(void)
{
    char parent[1100], out[1200];
    auris_error err = {0};
    snprintf(parent, sizeof parent, "%s/runs/train", root);
    CHECK_OK(auris_run_dir_new(parent, NULL, out, sizeof out, &err));
    CHECK(strstr(out, "runs/train/exp1") != NULL);
    CHECK_OK(auris_run_dir_new(parent, NULL, out, sizeof out, &err));
    CHECK(strstr(out, "runs/train/exp2") != NULL);
    CHECK_OK(auris_run_dir_new(parent, "mine", out, sizeof out, &err));
    CHECK_OK(auris_run_dir_new(parent, "mine", out, sizeof out, &err));
    CHECK(strstr(out, "runs/train/mine2") != NULL);
}

int main(void)
{
    snprintf(root, sizeof root, "%s/train-dataset-%ld", test_tmpdir(), (long)getpid());
    mkdir(test_tmpdir(), 0777);
    mkdir(root, 0777);
    test_folders();
    test_manifest();
    test_run_dirs();
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", root);
    return test_finish("train/dataset");
}
