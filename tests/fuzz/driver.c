/*
 * Runs a fuzz target's LLVMFuzzerTestOneInput once on each file named on the command line (or
 * each file in a named directory), for builds without libFuzzer: the checked-in corpus and the
 * regression inputs of crashes found earlier are replayed by every `make test`, with and without
 * the sanitizers. Exit status 0 when every input ran; a failing input aborts.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define DRIVER_MAX_INPUT (8u << 20)

static int run_file(const char *path, size_t *ran)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    uint8_t *buf = malloc(DRIVER_MAX_INPUT);
    size_t len = buf ? fread(buf, 1, DRIVER_MAX_INPUT, f) : 0;
    int bad = !buf || ferror(f) || !feof(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: unreadable or larger than %u bytes\n", path, DRIVER_MAX_INPUT);
        free(buf);
        return 1;
    }
    /* an exact-size copy, so ASan sees reads past the end as libFuzzer's runs would */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    (*ran)++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir, size_t *ran)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: cannot open directory\n", dir);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
        }
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(need);
        snprintf(names[n++], need, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n) /* qsort must not be given NULL, even for nothing */
        qsort(names, n, sizeof *names, cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (stat(names[i], &sb) == 0 && S_ISREG(sb.st_mode))
            rc |= run_file(names[i], ran);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    int rc = 0;
    size_t ran = 0;
    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            fprintf(stderr, "%s: no such file or directory\n", argv[i]);
            rc = 1;
        } else if (S_ISDIR(sb.st_mode)) {
            rc |= run_dir(argv[i], &ran);
        } else {
            rc |= run_file(argv[i], &ran);
        }
    }
    printf("%s: %zu inputs ran\n", argv[0], ran);
    return rc || ran == 0;
}
