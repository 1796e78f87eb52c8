/* The files under web/, compiled in (cmake/embed.cmake writes the table). */
#ifndef XK_SERVER_ASSETS_H
#define XK_SERVER_ASSETS_H

#include <stddef.h>

typedef struct srv_asset_entry {
    const char *path; /* "/index.html" */
    const char *type;
    const unsigned char *data;
    size_t len;
} srv_asset_entry;

extern const srv_asset_entry xk_srv_assets[];
extern const size_t xk_srv_n_assets;

#endif
