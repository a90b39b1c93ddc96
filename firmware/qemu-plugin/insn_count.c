/*
 * insn_count: a QEMU TCG plugin that counts executed guest instructions and
 * records the running count each time the guest executes a marker address.
 *
 *   qemu-system-arm ... -plugin ./libinsn_count.so,marker=0x1234,out=counts.txt
 *
 * At exit it writes one line per marker hit ("mark <count>") and a final
 * "total <count>" line to `out`. With `profile=K` it also writes, for the
 * stretch between marker hits K and K + 1 (0-based), one line per
 * translation block start address: "block <address> <instructions>", the
 * instructions executed in blocks starting there (a flat profile the host
 * maps to functions). The firmware calls the marker function
 * (`microlite_fw_mark`, never inlined) at the start and end of every phase it
 * measures; the difference of two consecutive marks is the instructions
 * executed between them (plus the constant few of the marker itself, the
 * same for every mark, so differences are exact).
 *
 * Counting is per translation block (an inline add of the block's
 * instruction count when the block starts), so it is deterministic: the same
 * binary and inputs give the same counts. Conditional instructions skipped
 * inside an IT block count as executed, as on the hardware.
 *
 * Debian's QEMU 7.2 accepts -plugin but ships no qemu-plugin.h, so the few
 * declarations of plugin API version 1 this file uses are written out below.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the part of QEMU's plugin API (version 1) this plugin uses ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct {
    const char *target_name;
    struct {
        int min;
        int cur;
    } version;
    bool system_emulation;
    union {
        struct {
            int smp_vcpus;
            int max_vcpus;
        } system;
    };
} qemu_info_t;
struct qemu_plugin_tb;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS = 0 };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, qemu_plugin_vcpu_udata_cb_t cb,
                                          enum qemu_plugin_cb_flags flags, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);

#define PLUGIN_EXPORT __attribute__((visibility("default")))
PLUGIN_EXPORT int qemu_plugin_version = 1;
/* -------------------------------------------------------------------- */

#define MAX_MARKS (1u << 20)

static uint64_t executed;
static uint64_t marker;
static bool have_marker;
static uint64_t *marks;
static size_t n_marks;
static bool overflowed;
static const char *out_path = "insn_counts.txt";

/* Flat profile: open-addressing table of block start -> instructions. */
#define PROFILE_SLOTS (1u << 16)
static bool profiling_wanted;
static uint64_t profile_mark;
static bool profiling;
static uint64_t profile_pc[PROFILE_SLOTS];
static uint64_t profile_count[PROFILE_SLOTS];
static bool profile_full;

static void on_block(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    if (!profiling) {
        return;
    }
    uint64_t packed = (uint64_t)(uintptr_t)userdata;
    uint64_t pc = packed >> 16;
    uint64_t insns = packed & 0xffff;
    uint64_t slot = (pc >> 1) & (PROFILE_SLOTS - 1);
    for (unsigned probe = 0; probe < PROFILE_SLOTS; probe++) {
        uint64_t s = (slot + probe) & (PROFILE_SLOTS - 1);
        if (profile_count[s] == 0 || profile_pc[s] == pc) {
            profile_pc[s] = pc;
            profile_count[s] += insns;
            return;
        }
    }
    profile_full = true;
}

static void on_marker(unsigned int vcpu_index, void *userdata)
{
    (void)vcpu_index;
    (void)userdata;
    if (n_marks < MAX_MARKS) {
        marks[n_marks++] = executed;
    } else {
        overflowed = true;
    }
    if (profiling_wanted) {
        profiling = n_marks == profile_mark + 1;
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    /* The marker's block is entered by a call, so it starts at the marker.
     * Its callback runs before its own instructions are added. */
    if (have_marker && qemu_plugin_tb_vaddr(tb) == marker) {
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_marker, QEMU_PLUGIN_CB_NO_REGS, NULL);
    }
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed,
                                             qemu_plugin_tb_n_insns(tb));
    if (profiling_wanted) {
        uint64_t packed = (qemu_plugin_tb_vaddr(tb) << 16) | (qemu_plugin_tb_n_insns(tb) & 0xffff);
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_block, QEMU_PLUGIN_CB_NO_REGS,
                                             (void *)(uintptr_t)packed);
    }
}

static void write_counts(qemu_plugin_id_t id, void *userdata)
{
    (void)id;
    (void)userdata;
    FILE *f = fopen(out_path, "w");
    if (f == NULL) {
        fprintf(stderr, "insn_count: cannot write %s\n", out_path);
        return;
    }
    for (size_t i = 0; i < n_marks; i++) {
        fprintf(f, "mark %" PRIu64 "\n", marks[i]);
    }
    if (overflowed) {
        fprintf(f, "overflow %u\n", MAX_MARKS);
    }
    for (unsigned s = 0; s < PROFILE_SLOTS; s++) {
        if (profile_count[s] != 0) {
            fprintf(f, "block 0x%" PRIx64 " %" PRIu64 "\n", profile_pc[s], profile_count[s]);
        }
    }
    if (profile_full) {
        fprintf(f, "profile_full\n");
    }
    fprintf(f, "total %" PRIu64 "\n", executed);
    fclose(f);
}

PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                      char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "marker=", 7) == 0) {
            /* Thumb function symbols carry bit 0; instructions do not. */
            marker = strtoull(argv[i] + 7, NULL, 0) & ~(uint64_t)1;
            have_marker = true;
        } else if (strncmp(argv[i], "profile=", 8) == 0) {
            profile_mark = strtoull(argv[i] + 8, NULL, 0);
            profiling_wanted = true;
        } else if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = argv[i] + 4;
        } else {
            fprintf(stderr, "insn_count: unknown argument %s\n", argv[i]);
            return -1;
        }
    }
    marks = calloc(MAX_MARKS, sizeof *marks);
    if (marks == NULL) {
        return -1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, write_counts, NULL);
    return 0;
}
