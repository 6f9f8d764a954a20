/* The decisions of roost-init (init/roost_init.c) that need no process:
 * plain C, header-only, so that the C++ unit tests can include them. */
#ifndef ROOST_INIT_LOGIC_H
#define ROOST_INIT_LOGIC_H

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>

/* Where COMMAND starts in `init -- COMMAND...` (the "--" is optional, as
 * catatonit's); -1 when there is none. */
static inline int init_command_index(int argc, char** argv) {
  int first = 1;
  if (first < argc && strcmp(argv[first], "--") == 0) ++first;
  return first < argc ? first : -1;
}

/* The init's exit code for its command's wait STATUS: the command's own
 * code, or 128+N when signal N killed it (as a shell reports it). */
static inline int init_exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

/* The codes for a command that could not be run, as roost's without an
 * init: 127 when it was not found, 126 for any other failure. */
static inline int init_exec_failure_code(int err) {
  return err == ENOENT ? 127 : 126;
}

/* Appends TEXT to OUT[*N], keeping room for a final newline; LOWER: ASCII
 * lower case. */
static inline void init_append(char* out, size_t size, size_t* n, const char* text, int lower) {
  for (; *text && *n + 1 < size; ++text)
    out[(*n)++] = lower && *text >= 'A' && *text <= 'Z' ? (char)(*text - 'A' + 'a') : *text;
}

/* The one line roost prints when CMD cannot be executed (errno ERR) without
 * an init (runtime::exec_failure_line), into OUT (at most SIZE bytes, cut
 * short if need be, ending in a newline when SIZE > 0); its length. */
static inline size_t init_exec_failure_line(char* out, size_t size, const char* cmd, int err) {
  size_t n = 0;
  if (size == 0) return 0;
  if (err == ENOENT) {
    init_append(out, size, &n, "Error: executable file \"", 0);
    init_append(out, size, &n, cmd, 0);
    init_append(out, size, &n, strchr(cmd, '/') ? "\" not found: " : "\" not found in $PATH: ", 0);
    init_append(out, size, &n, strerror(err), 0);
  } else {
    init_append(out, size, &n, "Error: ", 0);
    init_append(out, size, &n, cmd, 0);
    init_append(out, size, &n, ": ", 0);
    init_append(out, size, &n, strerror(err), 1);
  }
  out[n++] = '\n';
  return n;
}

#endif
