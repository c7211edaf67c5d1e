/* spawn_limit.c — the bench's one C helper (compiled by bench/run with cc).
 *
 * Modes:
 *   spawn_limit spawn N PROG [ARGS...]
 *       posix_spawn PROG N times, then poll /proc/PID/exe until every child shows
 *       PROG's real path (exec'd); print the elapsed seconds; SIGKILL and reap them all.
 *       This is the floor any supervisor's "start N processes" can be compared to.
 *   spawn_limit spawn-cgroup N PARENT PROG [ARGS...]
 *       the same, each child in a cgroup v2 of its own, as a supervisor that contains
 *       every process does it: mkdir PARENT/cI, clone3 with CLONE_INTO_CGROUP and
 *       CLONE_VFORK (fork-style: no CLONE_VM; for this small program the copy is a few
 *       pages, and without a cgroup the same clone3 measures as posix_spawn), execve.
 *       The cgroups are removed after the children are reaped.
 *   spawn_limit spew BYTES GOFILE [BLOCK]
 *       wait (bounded, 60 s) until GOFILE exists, then write BYTES to stdout as
 *       100-byte lines, one write(2) per BLOCK bytes (default 100: one write per
 *       line), then sleep forever (until killed).
 *   spawn_limit respawn PROG [ARGS...]
 *       the smallest possible supervisor: posix_spawn PROG, sleep in sigwaitinfo until
 *       SIGCHLD, reap, spawn again, forever (until killed). The floor for "respawn".
 *   spawn_limit copy BYTES BLOCK FILE
 *       the floor for capturing output: fork a writer that writes BYTES as 100-byte
 *       lines, BLOCK bytes per write(2), into a pipe (1 MiB as root); read it 64 KiB at
 *       a time, pausing 2 ms whenever a read empties the pipe, appending to FILE; print
 *       the reader's CPU seconds (user + system, the writer's not counted).
 *   spawn_limit stop N PROG [ARGS...]
 *       posix_spawn PROG N times, wait until every child exec'd (as spawn), then time
 *       SIGTERM to each and waitpid until all N are reaped; print those seconds. The floor
 *       for "stop N processes" (stopAllProcesses(wait=True)).
 *   spawn_limit stop-cgroup N PARENT PROG [ARGS...]
 *       the same, each child made in a cgroup of its own as spawn-cgroup makes them, each
 *       cgroup removed (rmdir) once its child is reaped, timed too: the floor with
 *       containment.
 *   spawn_limit time REPS PROG [ARGS...]
 *       run PROG REPS times (stdout/stderr to /dev/null), print each wall time in
 *       seconds on its own line, then the last exit status as "rc N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* clone3(2)'s argument, version 2 (with `cgroup`); glibc has no wrapper. */
struct clone_args_v2 {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls,
        set_tid, set_tid_size, cgroup;
};
#define CLONE_INTO_CGROUP_FLAG 0x200000000ULL

/* One child of PROG in a new cgroup PARENT/cI (parent == NULL: posix_spawn). */
static int spawn_one(const char *parent, int i, pid_t *pid, const char *want, char **argv) {
    if (!parent) return posix_spawn(pid, want, NULL, NULL, argv, environ);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/c%d", parent, i);
    if (mkdir(dir, 0755) != 0) return errno;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    struct clone_args_v2 a;
    memset(&a, 0, sizeof a);
    a.flags = CLONE_VFORK | CLONE_INTO_CGROUP_FLAG;
    a.exit_signal = SIGCHLD;
    a.cgroup = (uint64_t)fd;
    long r = syscall(SYS_clone3, &a, sizeof a);
    if (r == 0) {
        execve(want, argv, environ);
        _exit(127);
    }
    int e = errno;
    close(fd);
    if (r < 0) return e;
    *pid = (pid_t)r;
    return 0;
}

/* Spawns n of argv (each in a new cgroup PARENT/cI when parent is set) and polls
 * /proc/PID/exe until each shows argv[0]'s real path, at most 60 s. Returns how many
 * exec'd; *spawned says how many were made (their pids in pids). */
static int spawn_execd(int n, const char *parent, char **argv, pid_t *pids, int *spawned) {
    char want[PATH_MAX];
    *spawned = 0;
    if (!realpath(argv[0], want)) { perror(argv[0]); return 0; }
    char *done = calloc((size_t)n, 1);
    if (!done) return 0;
    double deadline = now() + 60.0;
    for (int i = 0; i < n; i++) {
        int rc = spawn_one(parent, i, &pids[i], want, argv);
        if (rc != 0) { fprintf(stderr, "spawn: %s\n", strerror(rc)); break; }
        (*spawned)++;
    }
    int left = *spawned;
    char path[64], buf[PATH_MAX];
    while (left > 0 && now() < deadline) {
        for (int i = 0; i < *spawned; i++) {
            if (done[i]) continue;
            snprintf(path, sizeof path, "/proc/%d/exe", (int)pids[i]);
            ssize_t len = readlink(path, buf, sizeof buf - 1);
            if (len > 0) {
                buf[len] = 0;
                if (strcmp(buf, want) == 0) { done[i] = 1; left--; }
            }
        }
    }
    free(done);
    return *spawned - left;
}

/* The cgroup spawn_one made for child i, removed (empty once the child is reaped). */
static void remove_child_cgroup(const char *parent, int i) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/c%d", parent, i);
    rmdir(dir);
}

static int spawn_mode(int n, const char *parent, char **argv) {
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    if (!pids) return 2;
    int spawned;
    double t0 = now();
    int execd = spawn_execd(n, parent, argv, pids, &spawned);
    double t1 = now();
    for (int i = 0; i < spawned; i++) kill(pids[i], SIGKILL);
    for (int i = 0; i < spawned; i++) waitpid(pids[i], NULL, 0);
    for (int i = 0; parent && i < spawned; i++) remove_child_cgroup(parent, i);
    free(pids);
    if (execd < n) {
        fprintf(stderr, "only %d of %d exec'd\n", execd, n);
        return 1;
    }
    printf("%.6f\n", t1 - t0);
    return 0;
}

static int stop_mode(int n, const char *parent, char **argv) {
    pid_t *pids = calloc((size_t)n, sizeof *pids);
    if (!pids) return 2;
    int spawned;
    int execd = spawn_execd(n, parent, argv, pids, &spawned);
    double t0 = now();
    int reaped = 0;
    for (int i = 0; i < spawned; i++) kill(pids[i], execd == n ? SIGTERM : SIGKILL);
    for (int i = 0; i < spawned; i++) {
        pid_t p = waitpid(-1, NULL, 0);
        if (p < 0) break;
        reaped++;
        for (int k = 0; parent && k < spawned; k++)
            if (pids[k] == p) remove_child_cgroup(parent, k);
    }
    double t1 = now();
    free(pids);
    if (execd < n) {
        fprintf(stderr, "only %d of %d exec'd\n", execd, n);
        return 1;
    }
    if (reaped != n) { fprintf(stderr, "reaped %d of %d\n", reaped, n); return 1; }
    printf("%.6f\n", t1 - t0);
    return 0;
}

static int spew_mode(long long bytes, const char *gofile, size_t block) {
    double deadline = now() + 60.0;
    struct stat st;
    while (stat(gofile, &st) != 0) {
        if (now() > deadline) return 3;
        usleep(2000);
    }
    if (block < 100) block = 100;
    block -= block % 100;   /* whole lines */
    char *buf = malloc(block);
    if (!buf) return 5;
    memset(buf, 'x', block);
    for (size_t i = 99; i < block; i += 100) buf[i] = '\n';
    long long left = bytes;
    while (left > 0) {
        size_t chunk = left < (long long)block ? (size_t)left : block;
        ssize_t w = write(1, buf + (block - chunk), chunk);
        if (w < 0) { if (errno == EINTR) continue; return 4; }
        left -= w;
    }
    for (;;) pause();
}

static int time_mode(int reps, char **argv) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int status = 0;
    for (int i = 0; i < reps; i++) {
        pid_t pid;
        double t0 = now();
        int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
        if (rc != 0) { fprintf(stderr, "posix_spawnp: %s\n", strerror(rc)); return 2; }
        if (waitpid(pid, &status, 0) < 0) { perror("waitpid"); return 2; }
        printf("%.6f\n", now() - t0);
    }
    printf("rc %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}

static int copy_mode(long long bytes, size_t block, const char *path) {
    int p[2];
    if (pipe(p) != 0) { perror("pipe"); return 2; }
    if (geteuid() == 0) fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    if (fd < 0) { perror(path); return 2; }
    pid_t writer = fork();
    if (writer == 0) {
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        _exit(spew_mode(bytes, "/", block) == 0 ? 0 : 1);   /* "/" exists: go at once */
    }
    close(p[1]);
    static char buf[65536];
    long long got = 0;
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (write(fd, buf, (size_t)n) != n) { perror("write"); return 2; }
        got += n;
        if (got >= bytes) break;
        if ((size_t)n < sizeof buf) usleep(2000);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    kill(writer, SIGKILL);
    waitpid(writer, NULL, 0);
    close(fd);
    if (got != bytes) { fprintf(stderr, "copied %lld of %lld bytes\n", got, bytes); return 2; }
    printf("%.6f\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                      ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
    return 0;
}

static int respawn_mode(char **argv) {
    sigset_t chld, none;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigemptyset(&none);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
    for (;;) {
        pid_t pid;
        int rc = posix_spawn(&pid, argv[0], NULL, &attr, argv, environ);
        if (rc != 0) { fprintf(stderr, "posix_spawn: %s\n", strerror(rc)); return 2; }
        siginfo_t si;
        while (sigwaitinfo(&chld, &si) < 0 && errno == EINTR) {}
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
    }
}

int main(int argc, char **argv) {
    if (argc >= 4 && strcmp(argv[1], "spawn") == 0)
        return spawn_mode(atoi(argv[2]), NULL, argv + 3);
    if (argc >= 5 && strcmp(argv[1], "spawn-cgroup") == 0)
        return spawn_mode(atoi(argv[2]), argv[3], argv + 4);
    if ((argc == 4 || argc == 5) && strcmp(argv[1], "spew") == 0)
        return spew_mode(atoll(argv[2]), argv[3], argc == 5 ? (size_t)atol(argv[4]) : 100);
    if (argc >= 4 && strcmp(argv[1], "stop") == 0)
        return stop_mode(atoi(argv[2]), NULL, argv + 3);
    if (argc >= 5 && strcmp(argv[1], "stop-cgroup") == 0)
        return stop_mode(atoi(argv[2]), argv[3], argv + 4);
    if (argc >= 4 && strcmp(argv[1], "time") == 0) return time_mode(atoi(argv[2]), argv + 3);
    if (argc >= 3 && strcmp(argv[1], "respawn") == 0) return respawn_mode(argv + 2);
    if (argc == 5 && strcmp(argv[1], "copy") == 0)
        return copy_mode(atoll(argv[2]), (size_t)atol(argv[3]), argv[4]);
    fprintf(stderr, "usage: spawn_limit spawn N PROG [ARGS...] | "
                    "spawn-cgroup N PARENT PROG [ARGS...] | spew BYTES GOFILE [BLOCK] | "
                    "stop N PROG [ARGS...] | stop-cgroup N PARENT PROG [ARGS...] | time REPS PROG [ARGS...] | respawn PROG [ARGS...] | "
                    "copy BYTES BLOCK FILE\n");
    return 2;
}
