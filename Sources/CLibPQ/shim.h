#include <libpq-fe.h>
#include <spawn.h>

/* For Postgres.ChildProcess: glibc (2.34 and later) declares this only under _GNU_SOURCE, which
   Swift's Glibc module leaves unset. */
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *, int);
