/*
 * Writes the benchmark corpus as files, for the benchmarks that read a directory (`xuke import
 * DIR`, `xuke parse --json FILES`, the server's references): documents FIRST..FIRST+COUNT-1 of
 * bench/synth.c as DIR/NNNNNNN.txt, and a line with their count, bytes and bytes per document.
 *
 * usage: bench_corpus DIR COUNT [--seed N] [--first I]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "synth.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_corpus DIR COUNT [--seed N] [--first I]\n");
        return 2;
    }
    const char *dir = argv[1];
    size_t count = strtoull(argv[2], NULL, 10), first = 0;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seed") == 0)
            synth_seed(strtoull(argv[i + 1], NULL, 10));
        else if (strcmp(argv[i], "--first") == 0)
            first = strtoull(argv[i + 1], NULL, 10);
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        perror(dir);
        return 1;
    }
    xk_buf doc;
    xk_buf_init(&doc);
    char number[64], domain[64], part[64], path[4096];
    size_t bytes = 0, least = (size_t)-1, most = 0;
    for (size_t k = 0; k < count; k++) {
        synth_document(first + k, &doc, number, domain, part);
        snprintf(path, sizeof path, "%s/%07zu.txt", dir, k);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(doc.data, 1, doc.len, f) != doc.len || fclose(f) != 0) {
            perror(path);
            return 1;
        }
        bytes += doc.len;
        least = doc.len < least ? doc.len : least;
        most = doc.len > most ? doc.len : most;
    }
    xk_buf_free(&doc);
    printf("%zu documents, %zu bytes, %.0f bytes per document (%zu to %zu)\n", count, bytes,
           count ? (double)bytes / (double)count : 0.0, count ? least : 0, most);
    return 0;
}
