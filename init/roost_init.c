/* roost-init: the minimal init that `roost run --init` puts in front of the
 * container's command when catatonit is not installed.
 *
 *   /run/podman-init -- COMMAND [ARG...]
 *
 * As PID 1 it starts COMMAND, forwards every catchable signal it gets to it
 * (SIGCHLD excepted), reaps every child that ends (orphans are reparented to
 * PID 1), and exits with COMMAND's exit code, or 128+N when N killed it.
 *
 * It is bind-mounted into images that may have no libc at all, so it is
 * linked statically, and kept to plain syscalls (no stdio) to stay small. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "init/init_logic.h"

static void say(const char* text) {
  ssize_t w = write(STDERR_FILENO, text, strlen(text));
  (void)w;
}

/* The kernel drops a signal sent to a PID namespace's init when the
 * signal's action is the default; blocking alone keeps it queued, but a
 * handler makes the intent plain. */
static void ignore_it(int sig) { (void)sig; }

static _Noreturn void exec_command(char** argv, const sigset_t* original) {
  /* Its own process group, in the terminal's foreground when there is
   * one, so that ctrl-c reaches it once, not once from the terminal and
   * again from us. SIGTTOU is still blocked here, as tcsetpgrp needs. */
  setpgid(0, 0);
  if (isatty(STDIN_FILENO)) tcsetpgrp(STDIN_FILENO, getpgrp());
  /* exec puts the handlers back to the default. */
  sigprocmask(SIG_SETMASK, original, NULL);
  execvp(argv[0], argv);
  int err = errno;
  char line[512];
  size_t n = init_exec_failure_line(line, sizeof line, argv[0], err);
  ssize_t w = write(STDERR_FILENO, line, n);
  (void)w;
  _exit(init_exec_failure_code(err));
}

int main(int argc, char** argv) {
  int first = init_command_index(argc, argv);
  if (first < 0) {
    say("usage: roost-init -- COMMAND [ARG...]\n");
    return 125;
  }

  sigset_t all, original;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &original);
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_handler = ignore_it;
  for (int sig = 1; sig < NSIG; ++sig)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &act, NULL);

  pid_t child = fork();
  if (child < 0) {
    say("roost-init: fork failed\n");
    return 125;
  }
  if (child == 0) exec_command(argv + first, &original);

  for (;;) {
    siginfo_t info;
    int sig = sigwaitinfo(&all, &info);
    if (sig < 0) continue; /* EINTR */
    if (sig != SIGCHLD) {
      kill(child, sig);
      continue;
    }
    /* Signals of one kind coalesce: one SIGCHLD may stand for many exits. */
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == child) return init_exit_code(status);
  }
}
