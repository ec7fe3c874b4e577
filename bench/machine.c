/*
 * machine.c: describes the machine a benchmark ran on (CPU model from /proc/cpuinfo,
 * online cores, host and kernel), so a pasted report says where it was measured. Called by
 * cmd_query.c and cmd_index.c for the report header.
 */
#include "bench.h"

#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void cpu_model(char *buf, size_t size)
{
    snprintf(buf, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10))
            continue;
        const char *v = strchr(line, ':');
        if (!v)
            continue;
        v++;
        while (*v == ' ' || *v == '\t')
            v++;
        snprintf(buf, size, "%.*s", (int)strcspn(v, "\n"), v);
        break;
    }
    fclose(f);
}

json_t *bench_machine_json(void)
{
    char cpu[256];
    struct utsname u;
    cpu_model(cpu, sizeof cpu);
    int ok = uname(&u) == 0;
    return json_pack("{s:s, s:I, s:s, s:s}", "cpu", cpu, "cores",
                     (json_int_t)sysconf(_SC_NPROCESSORS_ONLN), "host", ok ? u.nodename : "?",
                     "kernel", ok ? u.release : "?");
}
