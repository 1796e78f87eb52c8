/*
 * The Tesseract engines of a thread, and a reading bounded in time. Initialising chi_sim costs
 * far more than a page, so each thread keeps its engines (the page's languages, eng, osd) and
 * starts one again only for other data or languages. Every reading goes through
 * xk_ocr_recognise_within, so a page's time limit bounds them all. It does not clean images, walk
 * the words read, nor decide what is read again.
 */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>
#include <time.h>

#include "ocr_internal.h"

typedef struct engine {
    TessBaseAPI *api;
    char key[512]; /* datapath + languages it was initialised with */
} engine;

static pthread_key_t engine_key[OCR_N_ENGINES];
static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_free(void *p)
{
    engine *e = p;
    if (!e)
        return;
    TessBaseAPIEnd(e->api);
    TessBaseAPIDelete(e->api);
    free(e);
}

static void engine_key_make(void)
{
    for (int i = 0; i < OCR_N_ENGINES; i++)
        pthread_key_create(&engine_key[i], engine_free);
}

/*
 * Debian's Tesseract is built with OpenMP and asks for up to 10 threads in its recognisers
 * (`num_threads` clauses, which OMP_NUM_THREADS cannot lower). On a two-core machine that made a
 * page take 8 s of wall time instead of 1.3 s (4 s of it in the kernel, threads waiting on each
 * other). Dynamic adjustment lets the OpenMP runtime give a region no more threads than there are
 * idle cores. The setting belongs to the calling thread, so each thread that gets an engine makes
 * it; the function is looked up rather than linked, so a Tesseract built without OpenMP (no
 * libgomp loaded) simply has nothing to set.
 */

static void openmp_share_cores(void)
{
    void *sym = dlsym(RTLD_DEFAULT, "omp_set_dynamic");
    void (*set_dynamic)(int);
    if (!sym || sizeof sym != sizeof set_dynamic)
        return;
    memcpy(&set_dynamic, &sym, sizeof sym); /* POSIX: a function's address from dlsym */
    set_dynamic(1);
}

TessBaseAPI *xk_ocr_engine_get(int slot, const char *datapath, const char *langs, xk_error *err)
{
    pthread_once(&engine_once, engine_key_make);
    char key[512];
    snprintf(key, sizeof key, "%s|%s", datapath ? datapath : "", langs);
    engine *e = pthread_getspecific(engine_key[slot]);
    if (e && strcmp(e->key, key) == 0)
        return e->api;
    engine_free(e);
    pthread_setspecific(engine_key[slot], NULL);
    openmp_share_cores();
    e = calloc(1, sizeof *e);
    if (!e || !(e->api = TessBaseAPICreate())) {
        free(e);
        xk_error_set(err, XK_ENOMEM, 0, "out of memory starting the OCR engine");
        return NULL;
    }
    /* Tesseract's own messages go nowhere: problems come back as errors */
    TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
    if (TessBaseAPIInit3(e->api, datapath, langs) != 0) {
        TessBaseAPIDelete(e->api);
        free(e);
        xk_error_set(err, XK_EIO, 0,
                     "the OCR engine cannot load its language data (%s): install "
                     "tesseract-ocr-chi-sim and tesseract-ocr-eng",
                     langs);
        return NULL;
    }
    TessBaseAPISetVariable(e->api, "debug_file", "/dev/null");
    TessBaseAPISetVariable(e->api, "preserve_interword_spaces", "1");
    TessBaseAPISetPageSegMode(e->api, OCR_PAGE_LAYOUT);
    snprintf(e->key, sizeof e->key, "%s", key);
    pthread_setspecific(engine_key[slot], e);
    return e->api;
}

/* --- a reading within the page's time --------------------------------------------------------- */

double xk_ocr_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The page's time is the reading thread's processor time: Tesseract runs on the calling thread
 * (one OpenMP thread, see src/cli/main.c), so a page costs the same seconds on a busy machine as
 * on an idle one. On the wall clock, pages read in 3 s alone ran past 30 s with two OCR tests
 * and a build beside them on 2 cores, and were refused. */
static double thread_cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return xk_ocr_now_seconds();
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct cpu_budget {
    double until; /* thread_cpu_seconds() at which the reading is cancelled */
} cpu_budget;

/* Tesseract's cancel hook, asked between words. */
static bool over_budget(void *budget, int words)
{
    (void)words;
    return thread_cpu_seconds() > ((const cpu_budget *)budget)->until;
}

/* See ocr_internal.h. */
bool xk_ocr_recognise_within(TessBaseAPI *api, double *left)
{
    if (*left <= 0)
        return false;
    ETEXT_DESC *monitor = TessMonitorCreate();
    if (!monitor)
        return false;
    double start = thread_cpu_seconds();
    cpu_budget budget = {start + *left};
    TessMonitorSetCancelFunc(monitor, over_budget);
    TessMonitorSetCancelThis(monitor, &budget);
    /* a backstop on the wall clock, for a thread that gets no processor at all */
    double wall = *left * 1000 * OCR_WALL_FACTOR;
    TessMonitorSetDeadlineMSecs(monitor, wall > INT_MAX ? INT_MAX : (int)wall);
    int failed = TessBaseAPIRecognize(api, monitor);
    *left -= thread_cpu_seconds() - start;
    TessMonitorDelete(monitor);
    return !failed && *left > 0;
}
