/*
 * migtrace's Linux /init: a freestanding (no libc) PID 1 that exercises the kernel's
 * basic services, prints one line per check on the console, a final
 *   migtrace-init: ALL OK            (or: migtrace-init: N FAILED)
 * and powers the machine off through the isa-debug-exit port 0xF4: it writes 0 on
 * success (exit status 1) and 1 on failure (exit status 3), as migtrace's own guests do.
 * If the port does not stop the machine it asks the kernel to power off.
 *
 * Checks: getpid is 1; mounts (proc, sysfs, tmpfs, devtmpfs); a file on tmpfs written,
 * read back, rewritten in place and removed; fork + pipe + exit status; fork + execve of
 * /init itself with arguments and environment; nanosleep against CLOCK_MONOTONIC and
 * times(); CLOCK_REALTIME from the RTC is after 2020. Information lines (not checks):
 * the kernel release, the network interfaces and the disk the kernel found, /proc/uptime.
 * Then a network workload (net_workload: UDP echo, ICMP, disk) when eth0 exists and an
 * input script sends it traffic; its result line is not one of the checks.
 *
 * Build: see scripts/guests/build-linux.sh (gcc -m32 -ffreestanding -nostdlib -static).
 *
 * SPDX-License-Identifier: MIT
 */
#include "sys.h"

#define EXIT_PORT 0xF4
#define CHILD_EXIT 42
#define EXEC_EXIT 7

/* gcc may emit calls to these for struct copies and initialisers, even freestanding. */
void *memset(void *d, int c, unsigned long n) {
  unsigned char *p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void *memcpy(void *d, const void *s, unsigned long n) {
  unsigned char *p = d;
  const unsigned char *q = s;
  while (n--) *p++ = *q++;
  return d;
}

static int seq(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

/* Output is assembled in a line buffer and written with one write(2) per line, so the
 * kernel's own console messages never land in the middle of a line. */
static char line[256];
static unsigned long linelen;

static void put(const char *s) {
  while (*s && linelen < sizeof line - 1) line[linelen++] = *s++;
}

static void putu(unsigned long v) {
  char b[12];
  int i = 0;
  do b[i++] = (char)('0' + v % 10), v /= 10; while (v);
  while (i) {
    char c[2] = {b[--i], 0};
    put(c);
  }
}

static void puti(long v) {
  if (v < 0) put("-"), v = -v;
  putu((unsigned long)v);
}

static void endline(void) {
  line[linelen++] = '\n';
  sys_write(1, line, linelen);
  linelen = 0;
}

static void say(const char *s) {
  put("migtrace-init: ");
  put(s);
  endline();
}

static int failures;
static int checks;

/* One check: "ok NAME detail" or "FAIL NAME detail". The detail is in `line` already
 * when `detail` is 0 (callers build it with put*), else it is the string given. */
static void check(int ok, const char *name, const char *detail) {
  char saved[sizeof line];
  unsigned long n = linelen;
  memcpy(saved, line, n);
  linelen = 0;
  checks++;
  if (!ok) failures++;
  put(ok ? "migtrace-init: ok   " : "migtrace-init: FAIL ");
  put(name);
  if (detail) {
    put(": ");
    put(detail);
  } else if (n) {
    put(": ");
    for (unsigned long i = 0; i < n; i++) {
      char c[2] = {saved[i], 0};
      put(c);
    }
  }
  endline();
}

static int exited_with(int status, int code) {
  return (status & 0x7f) == 0 && ((status >> 8) & 0xff) == code;
}

static void check_mounts(void) {
  static const struct {
    const char *dir, *type;
  } fs[] = {{"/proc", "proc"}, {"/sys", "sysfs"}, {"/tmp", "tmpfs"}, {"/dev", "devtmpfs"}};
  for (unsigned i = 0; i < sizeof fs / sizeof fs[0]; i++) {
    sys_mkdir(fs[i].dir, 0755); /* the initramfs has them; harmless if it does not */
    long r = sys_mount(fs[i].type, fs[i].dir, fs[i].type, 0, 0);
    put(fs[i].type);
    put(" on ");
    put(fs[i].dir);
    if (r != 0) put(" error "), puti(r);
    check(r == 0, "mount", 0);
  }
}

static void check_file(void) {
  static unsigned char out[5000], in[5000];
  for (unsigned i = 0; i < sizeof out; i++) out[i] = (unsigned char)(i * 7 + (i >> 8));
  const char *path = "/tmp/migtrace-file";
  long fd = sys_open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  long w = fd >= 0 ? sys_write(fd, out, sizeof out) : fd;
  if (fd >= 0) sys_close(fd);
  fd = sys_open(path, O_RDWR, 0);
  long r = fd >= 0 ? sys_read(fd, in, sizeof in) : fd;
  int same = r == (long)sizeof in;
  for (unsigned i = 0; same && i < sizeof in; i++) same = in[i] == out[i];
  /* rewrite 3 bytes in the middle, read them back */
  long s = fd >= 0 ? sys_lseek(fd, 4097, SEEK_SET) : fd;
  long w2 = s == 4097 ? sys_write(fd, "abc", 3) : s;
  char back[3] = {0, 0, 0};
  long s2 = w2 == 3 ? sys_lseek(fd, 4097, SEEK_SET) : w2;
  long r2 = s2 == 4097 ? sys_read(fd, back, 3) : s2;
  if (fd >= 0) sys_close(fd);
  long u = sys_unlink(path);
  long gone = sys_open(path, O_RDONLY, 0);
  put("wrote ");
  puti(w);
  put(", read ");
  puti(r);
  put(same ? " (same bytes)" : " (DIFFERENT bytes)");
  put(", rewrote at 4097 and read back ");
  puti(r2);
  put(", unlink ");
  puti(u);
  check(w == (long)sizeof out && same && r2 == 3 && back[0] == 'a' && back[1] == 'b' && back[2] == 'c' && u == 0 &&
            gone < 0,
        "tmpfs file", 0);
}

static void check_pipe(void) {
  int fds[2];
  long r = sys_pipe(fds);
  if (r != 0) {
    put("pipe error ");
    puti(r);
    check(0, "fork+pipe", 0);
    return;
  }
  static const char msg[] = "hello through a pipe from the child";
  long pid = sys_fork();
  if (pid == 0) {
    sys_close(fds[0]);
    long w = sys_write(fds[1], msg, sizeof msg);
    sys_exit(w == (long)sizeof msg ? CHILD_EXIT : 1);
  }
  sys_close(fds[1]);
  char buf[64];
  long got = 0, n;
  while ((n = sys_read(fds[0], buf + got, sizeof buf - (unsigned long)got)) > 0) got += n;
  sys_close(fds[0]);
  int status = -1;
  long w = sys_wait4(pid, &status, 0);
  int same = got == (long)sizeof msg;
  for (long i = 0; same && i < got; i++) same = buf[i] == msg[i];
  put("child ");
  puti(pid);
  put(" sent ");
  puti(got);
  put(" bytes");
  put(same ? "" : " (WRONG bytes)");
  put(", exit status ");
  puti((status >> 8) & 0xff);
  check(pid > 1 && w == pid && same && exited_with(status, CHILD_EXIT), "fork+pipe", 0);
}

static void check_exec(const char *self) {
  long pid = sys_fork();
  if (pid == 0) {
    char *argv[] = {(char *)self, "exec-child", "two words", 0};
    char *envp[] = {"MIGTRACE=exec", 0};
    long r = sys_execve(self, argv, envp);
    sys_exit(r < 0 ? 100 : 101);
  }
  int status = -1;
  long w = sys_wait4(pid, &status, 0);
  put("/init exec-child exited with ");
  puti((status >> 8) & 0xff);
  check(pid > 1 && w == pid && exited_with(status, EXEC_EXIT), "fork+execve", 0);
}

/* What /init does when run as `/init exec-child "two words"` with MIGTRACE=exec. */
static int exec_child(int argc, char **argv, char **envp) {
  int ok = argc == 3 && seq(argv[2], "two words") && envp[0] && seq(envp[0], "MIGTRACE=exec") && !envp[1] &&
           sys_getpid() > 1;
  return ok ? EXEC_EXIT : 1;
}

static unsigned long ms_between(const struct timespec64 *a, const struct timespec64 *b) {
  long sec = (long)(b->tv_sec - a->tv_sec);
  long ns = (long)b->tv_nsec - (long)a->tv_nsec;
  return (unsigned long)(sec * 1000 + ns / 1000000);
}

static void check_timers(void) {
  struct timespec64 t0, t1, req = {0, 50 * 1000 * 1000};
  struct tms tm;
  long c0 = sys_times(&tm);
  long g0 = sys_clock_gettime(CLOCK_MONOTONIC, &t0);
  long s = sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &req, 0);
  long g1 = sys_clock_gettime(CLOCK_MONOTONIC, &t1);
  long c1 = sys_times(&tm);
  unsigned long ms = ms_between(&t0, &t1);
  put("slept 50 ms: CLOCK_MONOTONIC advanced ");
  putu(ms);
  put(" ms, times() ");
  puti(c1 - c0);
  put(" ticks");
  /* At least the time asked for; at most a few seconds (an idle machine skips ahead). */
  check(g0 == 0 && s == 0 && g1 == 0 && ms >= 50 && ms < 5000 && c1 - c0 >= 5, "nanosleep", 0);

  struct timespec64 now;
  long g = sys_clock_gettime(CLOCK_REALTIME, &now);
  put("CLOCK_REALTIME ");
  puti((long)now.tv_sec);
  check(g == 0 && now.tv_sec > 1577836800LL, "rtc time", 0); /* after 2020-01-01 */
}

/* Reads a small text file into buf (NUL-terminated, trailing newline dropped). */
static long read_text(const char *path, char *buf, unsigned long size) {
  long fd = sys_open(path, O_RDONLY, 0);
  if (fd < 0) return fd;
  long n = sys_read(fd, buf, size - 1);
  sys_close(fd);
  if (n < 0) return n;
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ')) n--;
  buf[n] = 0;
  for (long i = 0; i < n; i++)
    if (buf[i] == '\n') buf[i] = ' ';
  return n;
}

static void info(void) {
  struct utsname u;
  if (sys_uname(&u) == 0) {
    put("migtrace-init: kernel ");
    put(u.sysname);
    put(" ");
    put(u.release);
    put(" ");
    put(u.version);
    put(" ");
    put(u.machine);
    endline();
  }
  char buf[128];
  static const char *const addr[] = {"/sys/class/net/eth0/address", "/sys/class/net/eth1/address"};
  for (unsigned i = 0; i < 2; i++) {
    if (read_text(addr[i], buf, sizeof buf) > 0) {
      put("migtrace-init: net eth");
      putu(i);
      put(" ");
      put(buf);
      endline();
    } else if (i == 0) {
      say("net: no eth0");
    }
  }
  if (read_text("/sys/block/sda/size", buf, sizeof buf) > 0) {
    put("migtrace-init: disk sda ");
    put(buf);
    put(" sectors");
    endline();
  } else {
    say("disk: no sda");
  }
}

static void uptime(void) {
  char buf[64];
  if (read_text("/proc/uptime", buf, sizeof buf) > 0) {
    put("migtrace-init: uptime, idle (s): ");
    put(buf);
    endline();
  }
}

/* ---- The network workload (after the checks) ----
 *
 * eth0 gets 10.0.2.15/24 and comes up; a UDP echo server on port 7 sends every datagram
 * back to its sender, while the kernel answers ARP and ICMP echo itself. After each
 * datagram one sector of /dev/sda is written and read back with O_DIRECT (real ATA
 * commands, not the page cache); a progress line goes to the 8250 every 8 datagrams. A
 * datagram starting "quit" ends it: its answer is "bye N" (N datagrams echoed). With no
 * datagram for 2 s before the first one the workload is skipped (a boot with no input
 * script); a silence of 2 s after traffic started is a failure. The frames come from an
 * input script (guests/inputs/linux-net.input, made by make-linux-net-input.mjs). */
#define NET_ADDR 0x0f02000aU /* 10.0.2.15 in network byte order */
#define NET_MASK 0x00ffffffU /* 255.255.255.0 */
#define ECHO_PORT 7
#define IDLE_TIMEOUTS 10     /* of 200 ms */

static unsigned short htons(unsigned short v) { return (unsigned short)((v >> 8) | (v << 8)); }

static long read_ulong(const char *path, unsigned long *out) {
  char buf[32];
  long n = read_text(path, buf, sizeof buf);
  if (n <= 0) return -1;
  unsigned long v = 0;
  for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++) v = v * 10 + (unsigned long)(buf[i] - '0');
  *out = v;
  return 0;
}

static long ifconfig(int fd, unsigned long req, unsigned int addr) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, "eth0", 5);
  ifr.ifr_addr.sin_family = AF_INET;
  ifr.ifr_addr.sin_addr = addr;
  return sys_ioctl(fd, req, (long)&ifr);
}

static long ifup(int fd) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, "eth0", 5);
  long r = sys_ioctl(fd, SIOCGIFFLAGS, (long)&ifr);
  if (r != 0) return r;
  ifr.ifr_flags |= IFF_UP;
  return sys_ioctl(fd, SIOCSIFFLAGS, (long)&ifr);
}

static void sleep_ms(long ms) {
  struct timespec64 t = {0, ms * 1000 * 1000};
  sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &t, 0);
}

static void net_fail(const char *what, long r) {
  failures++;
  put("migtrace-init: net workload FAILED: ");
  put(what);
  put(" ");
  puti(r);
  endline();
}

/* One sector of /dev/sda written with a pattern of `n` and read back, O_DIRECT. */
static unsigned char sector_out[512] __attribute__((aligned(512)));
static unsigned char sector_in[512] __attribute__((aligned(512)));
static int disk_round(long fd, unsigned long sectors, unsigned long n) {
  unsigned long lba = n % sectors;
  for (unsigned i = 0; i < sizeof sector_out; i++) sector_out[i] = (unsigned char)(n * 31 + i * 7 + (i >> 5));
  long s = sys_lseek(fd, (long)(lba * 512), SEEK_SET);
  long w = s >= 0 ? sys_write(fd, sector_out, sizeof sector_out) : s;
  long s2 = w == 512 ? sys_lseek(fd, (long)(lba * 512), SEEK_SET) : w;
  long r = s2 >= 0 ? sys_read(fd, sector_in, sizeof sector_in) : s2;
  if (r != 512) return 0;
  for (unsigned i = 0; i < sizeof sector_in; i++)
    if (sector_in[i] != sector_out[i]) return 0;
  return 1;
}

static void net_workload(void) {
  char buf[1600];
  if (read_text("/sys/class/net/eth0/address", buf, sizeof buf) <= 0) {
    say("net: no eth0; workload skipped");
    return;
  }
  long cfg = sys_socket(AF_INET, SOCK_DGRAM, 0);
  if (cfg < 0) return net_fail("socket", cfg);
  long r = ifconfig((int)cfg, SIOCSIFADDR, NET_ADDR);
  if (r == 0) r = ifconfig((int)cfg, SIOCSIFNETMASK, NET_MASK);
  if (r == 0) r = ifup((int)cfg);
  if (r != 0) return net_fail("eth0 configuration", r);
  unsigned long carrier = 0;
  int waited = 0;
  while ((read_ulong("/sys/class/net/eth0/carrier", &carrier) != 0 || carrier != 1) && waited < 2000) sleep_ms(10), waited += 10;
  if (carrier != 1) return net_fail("no carrier on eth0 after ms", waited);

  struct sockaddr_in me;
  memset(&me, 0, sizeof me);
  me.sin_family = AF_INET;
  me.sin_port = htons(ECHO_PORT);
  r = sys_bind((int)cfg, &me, sizeof me);
  struct sock_timeval tmo = {0, 200 * 1000};
  if (r == 0) r = sys_setsockopt((int)cfg, SOL_SOCKET, SO_RCVTIMEO_NEW, &tmo, sizeof tmo);
  if (r != 0) return net_fail("UDP socket", r);
  long disk = sys_open("/dev/sda", O_RDWR | O_DIRECT, 0);
  unsigned long sectors = 0;
  if (disk < 0 || read_ulong("/sys/block/sda/size", &sectors) != 0 || sectors == 0) return net_fail("/dev/sda", disk);
  put("migtrace-init: net: eth0 10.0.2.15/24 up, carrier after ");
  putu((unsigned long)waited);
  put(" ms; UDP echo on port 7, disk sda ");
  putu(sectors);
  put(" sectors");
  endline();

  unsigned long echoed = 0, bytes = 0, disk_ok = 0, idle = 0;
  int quit = 0;
  for (;;) {
    struct sockaddr_in from;
    unsigned long fromlen = sizeof from;
    long n = sys_recvfrom((int)cfg, buf, sizeof buf, 0, &from, &fromlen);
    if (n == -EAGAIN) {
      if (++idle < IDLE_TIMEOUTS) continue;
      if (echoed == 0) {
        say("net: no traffic within 2 s; workload skipped");
        return;
      }
      break;
    }
    if (n < 0) return net_fail("recvfrom", n);
    idle = 0;
    if (n >= 4 && buf[0] == 'q' && buf[1] == 'u' && buf[2] == 'i' && buf[3] == 't') {
      quit = 1;
      put("bye ");
      putu(echoed);
      sys_sendto((int)cfg, line, linelen, 0, &from, fromlen);
      linelen = 0;
      break;
    }
    long w = sys_sendto((int)cfg, buf, (unsigned long)n, 0, &from, fromlen);
    if (w != n) return net_fail("sendto", w);
    echoed++;
    bytes += (unsigned long)n;
    disk_ok += (unsigned long)disk_round(disk, sectors, echoed);
    if (echoed % 8 == 0) {
      put("migtrace-init: net: ");
      putu(echoed);
      put(" datagrams echoed, ");
      putu(disk_ok);
      put(" disk sectors written and read back");
      endline();
    }
  }
  sys_close(disk);
  sys_close(cfg);
  int ok = quit && disk_ok == echoed;
  if (!ok) failures++;
  put(ok ? "migtrace-init: net workload OK: " : "migtrace-init: net workload FAILED: ");
  putu(echoed);
  put(" datagrams (");
  putu(bytes);
  put(" bytes) echoed, ");
  putu(disk_ok);
  put(" of ");
  putu(echoed);
  put(" disk sectors read back the same");
  put(quit ? ", quit received" : ", no quit (silence for 2 s)");
  endline();
}

static __attribute__((noreturn)) void power_off(int ok) {
  sys_ioctl(1, TCSBRK, 1); /* tcdrain: let the UART send everything first */
  long r = sys_ioperm(EXIT_PORT, 1, 1);
  if (r == 0) outb(EXIT_PORT, ok ? 0 : 1);
  put("migtrace-init: port 0xF4 did not stop the machine (ioperm ");
  puti(r);
  put("); powering off");
  endline();
  sys_ioctl(1, TCSBRK, 1);
  sys_reboot(LINUX_REBOOT_CMD_POWER_OFF);
  for (;;) {
    struct timespec64 t = {3600, 0};
    sys_clock_nanosleep(CLOCK_MONOTONIC, 0, &t, 0);
  }
}

static int main(int argc, char **argv, char **envp) {
  if (argc >= 2 && seq(argv[1], "exec-child")) return exec_child(argc, argv, envp);
  if (sys_getpid() != 1) {
    say("not PID 1; refusing to mount and power off");
    return 1;
  }
  say("start");
  check(1, "pid 1", 0);
  check_mounts();
  info(); /* needs /sys */
  check_file();
  check_pipe();
  check_exec(argv[0] && argv[0][0] == '/' ? argv[0] : "/init");
  check_timers();
  uptime();
  net_workload();
  if (failures == 0) {
    put("migtrace-init: ALL OK (");
    putu((unsigned long)checks);
    put(" checks)");
  } else {
    put("migtrace-init: ");
    putu((unsigned long)failures);
    put(" FAILED of ");
    putu((unsigned long)checks);
  }
  endline();
  power_off(failures == 0);
}

/* Entry: the kernel starts us with argc, argv[], 0, envp[], 0 on the stack. */
__attribute__((used, noreturn)) static void start_c(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  sys_exit(main(argc, argv, envp));
}

__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "  xorl %ebp, %ebp\n"
        "  movl %esp, %eax\n"
        "  andl $-16, %esp\n"
        "  subl $12, %esp\n"
        "  pushl %eax\n"
        "  call start_c\n"
        "  hlt\n");
