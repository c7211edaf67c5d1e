/* metrics_floor.c — the reads a /metrics scrape makes, done by the smallest C program, so
 * bench/metrics can print the daemon's CPU per scrape next to what the same reads cost on
 * this machine. Each mode repeats its reads REPS times and prints the median, minimum and
 * maximum CPU time of this process (CLOCK_PROCESS_CPUTIME_ID: user + system) per
 * repetition in ms, then how many files one repetition read:
 *
 *   metrics_floor scan REPS         every pid of /proc: openat(/proc, "PID/stat"), read,
 *                                   close (the daemon's trees without cgroups)
 *   metrics_floor cgroup ROOT REPS  each directory under ROOT (an instance's cgroup):
 *                                   cgroup.procs, cpu.stat, memory.current if present,
 *                                   else openat(/proc, "PID/statm") of each member
 *   metrics_floor kept ROOT REPS    the members of those cgroups, their statm opened once
 *                                   beforehand (not timed): one pread each, the least any
 *                                   reader of per-process RSS pays
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static int proc_fd;
static char buf[65536];

static double cpu_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Reads a file whole into buf; its length, -1 if it cannot be opened. */
static ssize_t slurp(int dir, const char* path) {
  int fd = openat(dir, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t len = 0, n;
  while (len < (ssize_t)sizeof buf && (n = read(fd, buf + len, sizeof buf - len)) > 0) len += n;
  close(fd);
  return len;
}

static long scan(void) {
  long files = 0;
  DIR* d = opendir("/proc");
  struct dirent* e;
  char path[300];
  while ((e = readdir(d))) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    snprintf(path, sizeof path, "%s/stat", e->d_name);
    files += slurp(dirfd(d), path) >= 0;
  }
  closedir(d);
  return files;
}

/* Calls `each` for every pid of every instance cgroup under root. */
static long cgroups(const char* root, int count_only, void (*each)(int pid)) {
  long files = 0;
  DIR* d = opendir(root);
  if (!d) {
    perror(root);
    exit(2);
  }
  struct dirent* e;
  char path[64];
  while ((e = readdir(d))) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    int cg = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cg < 0) continue;
    ssize_t n = slurp(cg, "cgroup.procs");
    if (n > 0) {
      buf[n < (ssize_t)sizeof buf ? n : n - 1] = '\0';
      long pids[4096];
      int np = 0;
      for (char* p = buf; *p && np < 4096;) {
        char* end;
        long v = strtol(p, &end, 10);
        if (end == p) break;
        pids[np++] = v;
        p = end;
      }
      files += 1;
      if (!count_only) {
        files += slurp(cg, "cpu.stat") >= 0;
        int have_memory = slurp(cg, "memory.current") >= 0;
        files += have_memory;
        for (int i = 0; i < np && !have_memory; ++i) {
          snprintf(path, sizeof path, "%ld/statm", pids[i]);
          files += slurp(proc_fd, path) >= 0;
        }
      }
      for (int i = 0; i < np && each; ++i) each((int)pids[i]);
    }
    close(cg);
  }
  closedir(d);
  return files;
}

static int* kept;
static int nkept;
static void keep(int pid) {
  char path[64];
  snprintf(path, sizeof path, "%d/statm", pid);
  int fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) kept[nkept++] = fd;
}

static long pread_kept(void) {
  for (int i = 0; i < nkept; ++i) pread(kept[i], buf, sizeof buf, 0);
  return nkept;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  if (argc < 3 || (strcmp(argv[1], "scan") != 0 && argc < 4)) {
    fprintf(stderr, "usage: metrics_floor scan REPS | cgroup ROOT REPS | kept ROOT REPS\n");
    return 2;
  }
  proc_fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  const char* mode = argv[1];
  int reps = atoi(argv[argc - 1]);
  if (reps < 1) reps = 1;
  if (strcmp(mode, "kept") == 0) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    kept = malloc(sizeof(int) * rl.rlim_max);
    cgroups(argv[2], 1, keep);
  }
  double* ms = malloc(sizeof(double) * reps);
  long files = 0;
  for (int r = 0; r < reps; ++r) {
    double t0 = cpu_ms();
    if (strcmp(mode, "scan") == 0)
      files = scan();
    else if (strcmp(mode, "cgroup") == 0)
      files = cgroups(argv[2], 0, NULL);
    else
      files = pread_kept();
    ms[r] = cpu_ms() - t0;
  }
  qsort(ms, reps, sizeof *ms, cmp);
  printf("%.2f %.2f %.2f %ld\n", ms[reps / 2], ms[0], ms[reps - 1], files);
  return 0;
}
