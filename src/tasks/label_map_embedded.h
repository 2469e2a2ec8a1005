/* The label maps of models/labels/NAME.csv, compiled into the library: CMakeLists.txt writes
 * their definitions into <build>/generated/label_maps.c. */
#ifndef AURIS_TASKS_LABEL_MAP_EMBEDDED_H
#define AURIS_TASKS_LABEL_MAP_EMBEDDED_H

#include <stddef.h>

/* The CSV text of map name (file name without .csv) and its length, or NULL. */
const char *auris_label_map_embedded(const char *name, size_t *len);
/* Their names, NULL-terminated. */
const char *const *auris_label_map_embedded_names(void);

#endif
