/*
 * The store under I/O faults, injected where SQLite lets a VFS inject them: a VFS wrapped
 * around the default one fails the n-th write or sync (EIO), or writes short (a full disk),
 * for every n an operation reaches. Each faulty run must fail cleanly (a store error with a
 * message) or succeed as without the fault; after it, the file reopened without faults holds
 * the licence whole or not at all, and the audit chain verifies. Reads failing (EIO) must give
 * an error, never a wrong record.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "xuke/xuke.h"

/* --- the faulty VFS ------------------------------------------------------------------------- */

typedef enum fault { FAULT_WRITE_EIO, FAULT_WRITE_SHORT, FAULT_SYNC, FAULT_READ } fault;

static sqlite3_vfs *real_vfs;
static fault kind;
static long fault_at; /* the operation of that kind to fail, from 1; 0: none */
static long ops;
static bool faulted;

static void arm(fault k, long n)
{
    kind = k;
    fault_at = n;
    ops = 0;
    faulted = false;
}

static bool fault_now(fault k)
{
    bool mine = k == kind || (kind == FAULT_WRITE_SHORT && k == FAULT_WRITE_EIO);
    if (!mine || ++ops != fault_at)
        return false;
    faulted = true;
    return true;
}

typedef struct faulty_file {
    sqlite3_file base;
    sqlite3_file *real; /* follows this struct in the same allocation */
} faulty_file;

#define REAL(f) (((faulty_file *)(f))->real)

static int f_close(sqlite3_file *f)
{
    return REAL(f)->pMethods ? REAL(f)->pMethods->xClose(REAL(f)) : SQLITE_OK;
}

static int f_read(sqlite3_file *f, void *buf, int n, sqlite3_int64 off)
{
    if (fault_now(FAULT_READ))
        return SQLITE_IOERR_READ;
    return REAL(f)->pMethods->xRead(REAL(f), buf, n, off);
}

static int f_write(sqlite3_file *f, const void *buf, int n, sqlite3_int64 off)
{
    if (fault_now(FAULT_WRITE_EIO)) {
        if (kind == FAULT_WRITE_SHORT) { /* half of it reaches the disk, then it is full */
            REAL(f)->pMethods->xWrite(REAL(f), buf, n / 2, off);
            return SQLITE_FULL;
        }
        return SQLITE_IOERR_WRITE;
    }
    return REAL(f)->pMethods->xWrite(REAL(f), buf, n, off);
}

static int f_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int f_sync(sqlite3_file *f, int flags)
{
    if (fault_now(FAULT_SYNC))
        return SQLITE_IOERR_FSYNC;
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int f_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int f_lock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xLock(REAL(f), l);
}

static int f_unlock(sqlite3_file *f, int l)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), l);
}

static int f_check_lock(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int f_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int f_sector(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int f_caps(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int f_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out);
}

static int f_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), offset, n, flags);
}

static void f_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int f_shm_unmap(sqlite3_file *f, int del)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

/* Version 2: no memory-mapped reads, so every read goes through f_read. */
static const sqlite3_io_methods faulty_methods = {
    2,       f_close,      f_read,        f_write,       f_truncate,   f_sync,      f_size,
    f_lock,  f_unlock,     f_check_lock,  f_control,     f_sector,     f_caps,      f_shm_map,
    f_shm_lock, f_shm_barrier, f_shm_unmap, NULL,        NULL};

static int v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out)
{
    (void)vfs;
    faulty_file *ff = (faulty_file *)file;
    ff->real = (sqlite3_file *)(ff + 1);
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out);
    file->pMethods = rc == SQLITE_OK ? &faulty_methods : NULL;
    return rc;
}

static int v_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync);
}

static int v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int v_random(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int v_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError(real_vfs, n, out);
}

static sqlite3_vfs faulty_vfs;

static void install_vfs(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    assert_non_null(real_vfs);
    faulty_vfs = (sqlite3_vfs){1,        (int)sizeof(faulty_file) + real_vfs->szOsFile,
                               real_vfs->mxPathname, NULL, "faulty", NULL, v_open, v_delete,
                               v_access, v_full, NULL, NULL, NULL, NULL, v_random, v_sleep,
                               v_time, v_error, NULL, NULL, NULL, NULL};
    assert_int_equal(sqlite3_vfs_register(&faulty_vfs, 1), SQLITE_OK);
}

/* --- helpers ------------------------------------------------------------------------------- */

#define SEED "001_7e3d263de7829148"

static char dir[64];

static char *slurp(size_t *len)
{
    FILE *f = fopen(FIXTURES "/seeds/" SEED ".txt", "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void remove_store(const char *path)
{
    char p[160];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-journal", path);
    unlink(p);
}

static xk_store *open_store(const char *path)
{
    xk_store *st;
    xk_error err;
    arm(FAULT_READ, 0);
    if (xk_store_open(path, &st, &err) != XK_OK)
        fail_msg("reopening %s: %s", path, err.message);
    return st;
}

static char *record_json(xk_store *st, const char *number, xk_status *rc)
{
    xk_licence *lic;
    xk_error err;
    *rc = xk_store_get(st, number, 0, &lic, NULL, &err);
    if (*rc != XK_OK)
        return NULL;
    char *s = xk_licence_to_json_string(lic, false);
    xk_licence_free(lic);
    return s;
}

/* One put with fault k at its n-th operation, checked as the file comment says. Returns
 * whether the fault was reached. */
static bool put_with_fault(fault k, long n, const xk_licence *lic, const char *text, size_t len,
                           const char *want)
{
    char path[128];
    snprintf(path, sizeof path, "%s/f.db", dir);
    remove_store(path);
    xk_store *st = open_store(path);
    xk_error err;
    xk_error_clear(&err);
    xk_import_result res;
    arm(k, n);
    xk_status rc = xk_store_put(st, lic, text, len, "text", &res, &err);
    bool hit = faulted;
    arm(k, 0);
    xk_store_close(st);
    if (rc != XK_OK && (err.message[0] == '\0' || (rc != XK_EDB && rc != XK_EIO)))
        fail_msg("fault %d at %ld: status %s, message \"%s\"", (int)k, n, xk_strstatus(rc),
                 err.message);
    st = open_store(path);
    xk_status g;
    char *got = record_json(st, lic->number, &g);
    if (rc == XK_OK && (g != XK_OK || strcmp(got, want) != 0))
        fail_msg("fault %d at %ld: the put succeeded but the record reads back %s", (int)k, n,
                 xk_strstatus(g));
    if (rc != XK_OK && g != XK_ENOTFOUND && !(g == XK_OK && strcmp(got, want) == 0))
        fail_msg("fault %d at %ld: the put failed and the store holds part of it (%s)", (int)k,
                 n, xk_strstatus(g));
    size_t checked;
    if (xk_store_audit_verify(st, &checked, &err) != XK_OK)
        fail_msg("fault %d at %ld: the audit chain broke: %s", (int)k, n, err.message);
    free(got);
    xk_store_close(st);
    return hit;
}

static void check_put_under(fault k)
{
    size_t len;
    char *text = slurp(&len);
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
    char *want = xk_licence_to_json_string(lic, false);
    long reached = 0;
    for (long n = 1; n < 100000 && put_with_fault(k, n, lic, text, len, want); n++)
        reached = n;
    assert_true(reached > 0); /* the put did reach at least one such operation */
    free(want);
    xk_licence_free(lic);
    free(text);
}

static void test_store_put_with_each_write_failing(void **state)
{
    (void)state;
    check_put_under(FAULT_WRITE_EIO);
}

static void test_store_put_with_each_write_short(void **state)
{
    (void)state;
    check_put_under(FAULT_WRITE_SHORT);
}

static void test_store_put_with_each_sync_failing(void **state)
{
    (void)state;
    check_put_under(FAULT_SYNC);
}

static void test_store_get_with_each_read_failing(void **state)
{
    (void)state;
    size_t len;
    char *text = slurp(&len);
    xk_licence *lic;
    xk_error err;
    assert_int_equal(xk_licence_parse(text, len, NULL, &lic, &err), XK_OK);
    char *want = xk_licence_to_json_string(lic, false);
    char path[128];
    snprintf(path, sizeof path, "%s/r.db", dir);
    remove_store(path);
    xk_store *st = open_store(path);
    xk_import_result res;
    assert_int_equal(xk_store_put(st, lic, text, len, "text", &res, &err), XK_OK);
    xk_store_close(st);
    long reached = 0;
    for (long n = 1; n < 100000; n++) {
        st = open_store(path); /* a fresh connection: nothing cached */
        arm(FAULT_READ, n);
        xk_status g;
        char *got = record_json(st, lic->number, &g);
        bool hit = faulted;
        arm(FAULT_READ, 0);
        xk_store_close(st);
        if (g == XK_OK && strcmp(got, want) != 0)
            fail_msg("read %ld failing gave a different record", n);
        if (g != XK_OK && g != XK_EDB && g != XK_EIO)
            fail_msg("read %ld failing: status %s", n, xk_strstatus(g));
        free(got);
        if (!hit)
            break;
        reached = n;
    }
    assert_true(reached > 0);
    remove_store(path);
    free(want);
    xk_licence_free(lic);
    free(text);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/xuke-io-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    install_vfs();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/f.db", dir);
    remove_store(path);
    return rmdir(dir) == 0 ? 0 : 1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_put_with_each_write_failing),
        cmocka_unit_test(test_store_put_with_each_write_short),
        cmocka_unit_test(test_store_put_with_each_sync_failing),
        cmocka_unit_test(test_store_get_with_each_read_failing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
