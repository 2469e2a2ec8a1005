/* The models directory: which environment variable wins, what a missing model says, and
 * what `list` reads from real safetensors files written by the nn engine. */
#include <unistd.h>
#include "auris/models.h"
#include "auris/nn.h"
#include "test.h"

static void set_env(const char *models, const char *xdg, const char *home)
{
    const char *names[] = {"AURIS_MODELS", "XDG_DATA_HOME", "HOME"};
    const char *values[] = {models, xdg, home};
    for (int i = 0; i < 3; i++) {
        if (values[i])
            setenv(names[i], values[i], 1);
        else
            unsetenv(names[i]);
    }
}

static void test_dir_rules(void)
{
    char buf[512];
    auris_error err = {0};
    set_env("/opt/m", "/xdg", "/home/u");
    CHECK_OK(auris_models_dir(buf, sizeof buf, &err));
    CHECK(!strcmp(buf, "/opt/m"));
    set_env("", "/xdg", "/home/u");
    CHECK_OK(auris_models_dir(buf, sizeof buf, &err));
    CHECK_MSG(!strcmp(buf, "/xdg/auris/models"), "empty AURIS_MODELS counts as unset: %s", buf);
    set_env(NULL, "relative/dir", "/home/u");
    CHECK_OK(auris_models_dir(buf, sizeof buf, &err));
    CHECK_MSG(!strcmp(buf, "/home/u/.local/share/auris/models"), "relative XDG ignored: %s", buf);
    set_env(NULL, NULL, "/home/u");
    CHECK_OK(auris_models_dir(buf, sizeof buf, &err));
    CHECK(!strcmp(buf, "/home/u/.local/share/auris/models"));
    set_env(NULL, NULL, NULL);
    CHECK(auris_models_dir(buf, sizeof buf, &err) == AURIS_EINVAL);
    CHECK(strstr(err.message, "AURIS_MODELS") != NULL);
    set_env("/a/very/long/models/directory", NULL, NULL);
    CHECK(auris_models_dir(buf, 8, &err) == AURIS_ERANGE);
}

static void write_model(const char *path, const char *kind, const char *classes_key,
                        const char *classes)
{
    auris_error err = {0};
    auris_nn_tensor_set *set = NULL;
    auris_nn_tensor *t = NULL;
    int64_t dims[2] = {3, 2};
    CHECK_OK(auris_nn_tensor_set_new(&set, &err));
    CHECK_OK(auris_nn_tensor_new("w", AURIS_NN_F32, 2, dims, &t, &err));
    CHECK_OK(auris_nn_tensor_set_add(set, t, &err));
    if (kind)
        CHECK_OK(auris_nn_tensor_set_set_meta(set, "auris.kind", kind, &err));
    if (classes_key)
        CHECK_OK(auris_nn_tensor_set_set_meta(set, classes_key, classes, &err));
    CHECK_OK(auris_nn_safetensors_save(set, path, &err));
    auris_nn_tensor_free(t);
    auris_nn_tensor_set_free(set);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_path_and_list(void)
{
    char dir[1024], path[1200], a[1200], b[1200], bad[1200], other[1200];
    auris_error err = {0};
    snprintf(dir, sizeof dir, "%s/models-store-%ld", test_tmpdir(), (long)getpid());
    set_env(dir, NULL, "/nonexistent-home");

    auris_model_info *list = NULL;
    size_t count = 99;
    CHECK_OK(auris_models_list(NULL, &list, &count, &err));
    CHECK_MSG(count == 0, "a directory that does not exist lists as empty");
    auris_models_list_free(list);

    CHECK(auris_models_path("yamnet", path, sizeof path, &err) == AURIS_EMODEL);
    CHECK_MSG(strstr(err.message, "auris models pull yamnet") &&
              strstr(err.message, "auris models import") && !strchr(err.message, '\n'),
              "one line naming both ways to install: %s", err.message);
    const char *bad_names[] = {"", ".hidden", "../yamnet", "a/b", "sp ace"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        CHECK_MSG(auris_models_path(bad_names[i], path, sizeof path, &err) == AURIS_EINVAL,
                  "name '%s' refused", bad_names[i]);

    CHECK(mkdir(dir, 0755) == 0);
    snprintf(a, sizeof a, "%s/yamnet.safetensors", dir);
    snprintf(b, sizeof b, "%s/birds-v2.safetensors", dir);
    snprintf(bad, sizeof bad, "%s/broken.safetensors", dir);
    snprintf(other, sizeof other, "%s/notes.txt", dir);
    write_model(a, "yamnet", "yamnet.classes", "/m/09x0r\tSpeech\n/m/04rlf\tMusic\n/m/0jbk\tAnimal\n");
    write_model(b, NULL, "labels", "[\"robin\",\"wren\"]");
    write_text(bad, "\xff\xff\xff\xff\xff\xff\xff\x7f{}");
    write_text(other, "not a model");

    CHECK_OK(auris_models_path("yamnet", path, sizeof path, &err));
    CHECK(!strcmp(path, a));

    CHECK_OK(auris_models_list(NULL, &list, &count, &err));
    CHECK_MSG(count == 3, "three .safetensors files, got %zu", count);
    if (count == 3) {
        CHECK(!strcmp(list[0].name, "birds-v2") && !strcmp(list[1].name, "broken") &&
              !strcmp(list[2].name, "yamnet"));
        CHECK(list[0].status == AURIS_OK && list[0].class_count == 2 && list[0].kind[0] == '\0');
        CHECK(list[1].status == AURIS_ECORRUPT && strstr(list[1].problem, "broken.safetensors"));
        CHECK(list[1].class_count == -1);
        CHECK(list[2].status == AURIS_OK && list[2].class_count == 3);
        CHECK(!strcmp(list[2].kind, "yamnet") && list[2].tensor_count == 1);
        CHECK(!strcmp(list[2].path, a));
        struct stat sb;
        CHECK(stat(a, &sb) == 0 && list[2].size_bytes == (int64_t)sb.st_size);
    }
    auris_models_list_free(list);
    unlink(a);
    unlink(b);
    unlink(bad);
    unlink(other);
    rmdir(dir);
}

int main(void)
{
    test_dir_rules();
    test_path_and_list();
    return test_finish("test_store");
}
