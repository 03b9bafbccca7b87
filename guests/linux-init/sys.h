/*
 * migtrace's Linux /init: the few i386 Linux system calls it uses, made directly with
 * int $0x80 (no libc). Numbers from arch/x86/entry/syscalls/syscall_32.tbl. The kernel is
 * built without COMPAT_32BIT_TIME, so time goes through the 64-bit-time calls.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MIGTRACE_LINUX_INIT_SYS_H
#define MIGTRACE_LINUX_INIT_SYS_H

#define SYS_exit 1
#define SYS_fork 2
#define SYS_read 3
#define SYS_write 4
#define SYS_open 5
#define SYS_close 6
#define SYS_unlink 10
#define SYS_execve 11
#define SYS_lseek 19
#define SYS_getpid 20
#define SYS_mount 21
#define SYS_mkdir 39
#define SYS_pipe 42
#define SYS_times 43
#define SYS_ioctl 54
#define SYS_reboot 88
#define SYS_fsync 118
#define SYS_ioperm 101
#define SYS_wait4 114
#define SYS_uname 122
#define SYS_socket 359
#define SYS_bind 361
#define SYS_setsockopt 366
#define SYS_sendto 369
#define SYS_recvfrom 371
#define SYS_clock_gettime64 403
#define SYS_clock_nanosleep_time64 407

#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_DIRECT 040000
#define SEEK_SET 0
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define TCSBRK 0x5409
#define EAGAIN 11

/* Sockets and interface configuration (include/uapi/linux/{socket,in,if,sockios}.h). */
#define AF_INET 2
#define SOCK_DGRAM 2
#define SOL_SOCKET 1
#define SO_RCVTIMEO_NEW 66
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCSIFADDR 0x8916
#define SIOCSIFNETMASK 0x891c
#define IFF_UP 0x1
#define LINUX_REBOOT_MAGIC1 0xfee1dead
#define LINUX_REBOOT_MAGIC2 672274793
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedc

struct timespec64 {
  long long tv_sec;
  long long tv_nsec;
};

struct tms {
  long tms_utime, tms_stime, tms_cutime, tms_cstime;
};

struct utsname {
  char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

struct sockaddr_in {
  unsigned short sin_family;
  unsigned short sin_port;  /* network byte order */
  unsigned int sin_addr;    /* network byte order */
  unsigned char sin_zero[8];
};

struct ifreq {
  char ifr_name[16];
  union {
    struct sockaddr_in ifr_addr;
    short ifr_flags;
    char ifr_pad[16];
  };
};

/* struct __kernel_sock_timeval: SO_RCVTIMEO_NEW's 64-bit timeout. */
struct sock_timeval {
  long long tv_sec;
  long long tv_usec;
};

static inline long syscall6(long n, long a, long b, long c, long d, long e, long f) {
  /* ebp carries the sixth argument; it is the frame pointer, so save it by hand. */
  long r;
  long args[2] = {a, f};
  long *p = args;
  __asm__ volatile("pushl %%ebp\n\t"
                   "movl 4(%%ebx), %%ebp\n\t"
                   "movl 0(%%ebx), %%ebx\n\t"
                   "int $0x80\n\t"
                   "popl %%ebp"
                   : "=a"(r), "+b"(p)
                   : "a"(n), "c"(b), "d"(c), "S"(d), "D"(e)
                   : "memory");
  return r;
}

static inline long syscall5(long n, long a, long b, long c, long d, long e) {
  long r;
  __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
  return r;
}
#define syscall0(n) syscall5((n), 0, 0, 0, 0, 0)
#define syscall1(n, a) syscall5((n), (long)(a), 0, 0, 0, 0)
#define syscall2(n, a, b) syscall5((n), (long)(a), (long)(b), 0, 0, 0)
#define syscall3(n, a, b, c) syscall5((n), (long)(a), (long)(b), (long)(c), 0, 0)
#define syscall4(n, a, b, c, d) syscall5((n), (long)(a), (long)(b), (long)(c), (long)(d), 0)

/* Results are the kernel's: a negative errno on failure. */
static inline __attribute__((noreturn)) void sys_exit(int code) {
  for (;;) syscall1(SYS_exit, code);
}
static inline long sys_fork(void) { return syscall0(SYS_fork); }
static inline long sys_read(int fd, void *buf, unsigned long n) { return syscall3(SYS_read, fd, buf, n); }
static inline long sys_write(int fd, const void *buf, unsigned long n) { return syscall3(SYS_write, fd, buf, n); }
static inline long sys_open(const char *path, int flags, int mode) { return syscall3(SYS_open, path, flags, mode); }
static inline long sys_close(int fd) { return syscall1(SYS_close, fd); }
static inline long sys_unlink(const char *path) { return syscall1(SYS_unlink, path); }
static inline long sys_execve(const char *path, char *const argv[], char *const envp[]) {
  return syscall3(SYS_execve, path, argv, envp);
}
static inline long sys_lseek(int fd, long off, int whence) { return syscall3(SYS_lseek, fd, off, whence); }
static inline long sys_getpid(void) { return syscall0(SYS_getpid); }
static inline long sys_mount(const char *src, const char *dir, const char *type, unsigned long flags, const void *data) {
  return syscall5(SYS_mount, (long)src, (long)dir, (long)type, (long)flags, (long)data);
}
static inline long sys_mkdir(const char *path, int mode) { return syscall2(SYS_mkdir, path, mode); }
static inline long sys_pipe(int fds[2]) { return syscall1(SYS_pipe, fds); }
static inline long sys_times(struct tms *t) { return syscall1(SYS_times, t); }
static inline long sys_ioctl(int fd, unsigned long req, long arg) { return syscall3(SYS_ioctl, fd, req, arg); }
static inline long sys_reboot(unsigned long cmd) {
  return syscall4(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, cmd, 0);
}
static inline long sys_ioperm(unsigned long from, unsigned long num, int on) { return syscall3(SYS_ioperm, from, num, on); }
static inline long sys_wait4(long pid, int *status, int options) { return syscall4(SYS_wait4, pid, status, options, 0); }
static inline long sys_uname(struct utsname *u) { return syscall1(SYS_uname, u); }
static inline long sys_clock_gettime(int clock, struct timespec64 *ts) { return syscall2(SYS_clock_gettime64, clock, ts); }
static inline long sys_clock_nanosleep(int clock, int flags, const struct timespec64 *req, struct timespec64 *rem) {
  return syscall4(SYS_clock_nanosleep_time64, clock, flags, req, rem);
}

static inline long sys_fsync(int fd) { return syscall1(SYS_fsync, fd); }
static inline long sys_socket(int domain, int type, int proto) { return syscall3(SYS_socket, domain, type, proto); }
static inline long sys_bind(int fd, const void *addr, unsigned long len) { return syscall3(SYS_bind, fd, addr, len); }
static inline long sys_setsockopt(int fd, int level, int name, const void *val, unsigned long len) {
  return syscall5(SYS_setsockopt, fd, level, name, (long)val, (long)len);
}
static inline long sys_sendto(int fd, const void *buf, unsigned long n, int flags, const void *to, unsigned long tolen) {
  return syscall6(SYS_sendto, fd, (long)buf, (long)n, flags, (long)to, (long)tolen);
}
static inline long sys_recvfrom(int fd, void *buf, unsigned long n, int flags, void *from, unsigned long *fromlen) {
  return syscall6(SYS_recvfrom, fd, (long)buf, (long)n, flags, (long)from, (long)fromlen);
}

static inline void outb(unsigned short port, unsigned char v) {
  __asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
}

#endif
