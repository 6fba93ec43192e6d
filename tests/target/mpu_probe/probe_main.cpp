// The MPU probe firmware: ground truth for emsim's Mpu model from QEMU. For every vector of
// tests/target/mpu_vectors/mpu_vectors.h it programs the MPU with ordinary stores, performs each
// probe privileged and unprivileged, and prints one line per probe and privilege level through
// semihosting:
//   <vector> <probe> <address hex8> <kind r|w|x><size> <p|u> <ok|F|Fn> <mmfsr hex2> <mmfar hex8|->
// "F" = one MemManage fault (Fn: n faults), mmfsr = CFSR[7:0] as the handler read it, mmfar =
// MMFAR when MMARVALID was set. Before its probes, each vector prints its register read-back:
//   <vector> regs <TYPE> <CTRL> <RNR> <MAIR0> <MAIR1> <RBAR0> <RASR0|RLAR0> ... (hex8 each)
// A header line and a trailer ("# done ...") start with '#'.
// Built once per flavour: EMSIM_PROBE_PMSAV8=0 for mps2-an385 (Cortex-M3, PMSAv7), =1 for
// mps2-an505 (Cortex-M33, Secure state, the Secure MPU at the same addresses, PMSAv8).
//
// QEMU caches MPU lookups per 1 KB (shared/reference/mpu.md, "QEMU 7.2 pitfalls"): MPU_CTRL is
// written again before every probe, which flushes that cache, so no probe depends on the ones
// before it. The exit status is 0 when every vector ran, 3 on any fault other than MemManage,
// 4 when the MPU has neither 8 nor 16 regions (QEMU 7.2's mps2-an505 has 16 Secure regions;
// newer QEMU gives it 8). The header line reports DREGION; the host model uses the same count.

#include <stdint.h>

#include "semihosting.h"
#include "tests/target/mpu_vectors/mpu_vectors.h"

namespace mv = emsim::mpuvec;
namespace fw = emsim::fw;

#if EMSIM_PROBE_PMSAV8
constexpr mv::Flavour FLAVOUR = mv::Flavour::Pmsav8;
#else
constexpr mv::Flavour FLAVOUR = mv::Flavour::Pmsav7;
#endif

namespace {

constexpr uint32_t SHCSR = 0xE000ED24;
constexpr uint32_t CFSR = 0xE000ED28;
constexpr uint32_t HFSR = 0xE000ED2C;
constexpr uint32_t MMFAR = 0xE000ED34;
constexpr uint32_t MPU_TYPE = mv::REG_TYPE;
constexpr uint32_t MPU_CTRL = mv::REG_CTRL;
constexpr uint32_t SHCSR_MEMFAULTENA = 1u << 16, SHCSR_BUSFAULTENA = 1u << 17,
                   SHCSR_USGFAULTENA = 1u << 18;
constexpr uint32_t MMFSR_IACCVIOL = 1u << 0, MMFSR_MMARVALID = 1u << 7;
constexpr int EXIT_FAULT = 3, EXIT_WRONG_MPU = 4;

volatile uint32_t& reg(uint32_t address) {
    return *reinterpret_cast<volatile uint32_t*>(static_cast<uintptr_t>(address));
}

inline void barrier() { asm volatile("dsb\n\tisb" ::: "memory"); }

// ---------------------------------------------------------------------------------------------
// Output: lines gather in a buffer flushed with SYS_WRITE0 (one semihosting call per ~3 KB).

char g_out[4096];
uint32_t g_out_len = 0;

void flush() {
    if (!g_out_len) return;
    g_out[g_out_len] = '\0';
    fw::write(g_out);
    g_out_len = 0;
}
void put(char c) { g_out[g_out_len++] = c; }
void put(const char* s) {
    while (*s) put(*s++);
}
void put_dec(uint32_t v) {
    char tmp[10];
    int n = 0;
    do tmp[n++] = static_cast<char>('0' + v % 10u);
    while ((v /= 10u) != 0);
    while (n) put(tmp[--n]);
}
void put_hex(uint32_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
        const uint32_t nibble = (v >> (4 * i)) & 0xFu;
        put(static_cast<char>(nibble < 10 ? '0' + nibble : 'a' + nibble - 10));
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Probes (probe_asm.S) and the fault record the MemManage handler fills.

using ProbeFn = void (*)(uint32_t address, uint32_t value);
extern "C" {
void probe_r1(uint32_t, uint32_t);
void probe_r2(uint32_t, uint32_t);
void probe_r4(uint32_t, uint32_t);
void probe_w1(uint32_t, uint32_t);
void probe_w2(uint32_t, uint32_t);
void probe_w4(uint32_t, uint32_t);
void probe_x2(uint32_t, uint32_t);
// ../common/unprivileged.S (it returns the probe's r0, which the probes leave unused).
void fw_run_unprivileged(ProbeFn probe, uint32_t address, uint32_t value);
void fw_svc_handler();
void memmanage_handler();
void memmanage_record(uint32_t* frame);
[[noreturn]] void probe_reset_handler();
[[noreturn]] void probe_fatal_handler();

volatile uint32_t g_fault_count;
volatile uint32_t g_fault_mmfsr;
volatile uint32_t g_fault_mmfar; ///< valid when g_fault_mmfsr has MMARVALID
}

extern "C" void memmanage_record(uint32_t* frame) {
    const uint32_t mmfsr = reg(CFSR) & 0xFFu;
    g_fault_mmfsr = mmfsr;
    g_fault_mmfar = (mmfsr & MMFSR_MMARVALID) ? reg(MMFAR) : 0u;
    ++g_fault_count;
    reg(CFSR) = mmfsr; // write one to clear
    // Stacked frame: r0 r1 r2 r3 r12 lr pc xpsr. A denied fetch (the exec probe's target)
    // returns to the caller; a denied 16-bit load or store is skipped.
    if (mmfsr & MMFSR_IACCVIOL)
        frame[6] = frame[5] & ~1u;
    else
        frame[6] += 2;
}

namespace {

ProbeFn probe_function(const mv::Probe& p) {
    if (p.kind == mv::PROBE_EXEC) return probe_x2;
    if (p.kind == mv::PROBE_READ) return p.size == 1 ? probe_r1 : p.size == 2 ? probe_r2 : probe_r4;
    return p.size == 1 ? probe_w1 : p.size == 2 ? probe_w2 : probe_w4;
}

void store(uint32_t address, uint32_t value) { reg(address) = value; }
uint32_t load(uint32_t address) { return reg(address); }

/// Programs the vector (mv::program, MPU off), prints the register read-back line, and puts
/// `bx lr` under every exec probe (write probes keep it there: probe_store_value).
void apply(uint32_t vector, const mv::Vector& v, uint32_t dregion) {
    barrier();
    mv::program(FLAVOUR, v, dregion, mv::programming_style(vector), store);
    barrier();
    uint32_t words[mv::read_back_words(16)];
    mv::read_back(FLAVOUR, dregion, words, store, load);
    put_dec(vector);
    put(" regs");
    for (uint32_t i = 0; i < mv::read_back_words(dregion); ++i) {
        put(' ');
        put_hex(words[i], 8);
    }
    put('\n');
    for (uint32_t i = 0; i < v.probe_count; ++i)
        if (v.probes[i].kind == mv::PROBE_EXEC)
            *reinterpret_cast<volatile uint16_t*>(static_cast<uintptr_t>(v.probes[i].address)) =
                0x4770u;
    barrier();
}

void run_probe(uint32_t vector, uint32_t index, const mv::Vector& v, bool privileged) {
    const mv::Probe& p = v.probes[index];
    const ProbeFn fn = probe_function(p);
    const uint32_t value = mv::probe_store_value(p.address, p.size);
    g_fault_count = 0;
    g_fault_mmfsr = 0;
    g_fault_mmfar = 0;
    reg(MPU_CTRL) = v.ctrl; // also flushes QEMU's MPU lookup cache
    barrier();
    if (privileged)
        fn(p.address, value);
    else
        fw_run_unprivileged(fn, p.address, value);
    barrier();
    const uint32_t faults = g_fault_count;
    put_dec(vector);
    put(' ');
    put_dec(index);
    put(' ');
    put_hex(p.address, 8);
    put(' ');
    put(mv::probe_kind_char(p.kind));
    put_dec(p.size);
    put(privileged ? " p " : " u ");
    if (faults == 0) {
        put("ok");
    } else {
        put('F');
        if (faults > 1) put_dec(faults);
    }
    put(' ');
    put_hex(g_fault_mmfsr, 2);
    put(' ');
    if (g_fault_mmfsr & MMFSR_MMARVALID)
        put_hex(g_fault_mmfar, 8);
    else
        put('-');
    put('\n');
    if (g_out_len > sizeof g_out - 128) {
        reg(MPU_CTRL) = 0; // semihosting reads the buffer: keep it simple for the host
        barrier();
        flush();
    }
}

} // namespace

int main() {
    reg(SHCSR) = reg(SHCSR) | SHCSR_MEMFAULTENA | SHCSR_BUSFAULTENA | SHCSR_USGFAULTENA;
    barrier();
    const mv::Board& board = mv::board_of(FLAVOUR);
    const uint32_t count = mv::vector_count(FLAVOUR);
    put("# mpu-probe ");
    put(FLAVOUR == mv::Flavour::Pmsav7 ? "pmsav7 " : "pmsav8 ");
    put(board.machine);
    const uint32_t dregion = (reg(MPU_TYPE) >> 8) & 0xFFu;
    put(" vectors=");
    put_dec(count);
    put(" dregion=");
    put_dec(dregion);
    put('\n');
    if (dregion != 8 && dregion != 16) {
        put("# wrong MPU: DREGION=");
        put_dec(dregion);
        put('\n');
        flush();
        fw::exit(EXIT_WRONG_MPU);
    }
    static mv::Vector v; // static: keep the stack small
    uint32_t probes = 0;
    for (uint32_t i = 0; i < count; ++i) {
        mv::make_vector(FLAVOUR, i, v);
        apply(i, v, dregion);
        for (uint32_t p = 0; p < v.probe_count; ++p) {
            run_probe(i, p, v, true);
            run_probe(i, p, v, false);
        }
        probes += v.probe_count;
    }
    reg(MPU_CTRL) = 0;
    barrier();
    put("# done vectors=");
    put_dec(count);
    put(" probes=");
    put_dec(probes);
    put('\n');
    flush();
    return 0;
}

// ---------------------------------------------------------------------------------------------
// Start-up: everything (code, data, stack) lives in the harness block, loaded by QEMU's ELF
// loader; only .bss needs zeroing.

extern "C" {
extern uint32_t _sbss, _ebss, _estack;
}

extern "C" [[noreturn]] void probe_reset_handler() {
    for (uint32_t* dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    fw::exit(main());
}

extern "C" [[noreturn]] void probe_fatal_handler() {
    uint32_t ipsr;
    asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    reg(MPU_CTRL) = 0;
    barrier();
    put("# FATAL exception ");
    put_dec(ipsr & 0x1FFu);
    put(" CFSR=");
    put_hex(reg(CFSR), 8);
    put(" HFSR=");
    put_hex(reg(HFSR), 8);
    put('\n');
    flush();
    fw::exit(EXIT_FAULT);
}

using ExceptionVector = void (*)();
__attribute__((section(".isr_vector"), used)) const ExceptionVector probe_vector_table[16] = {
    reinterpret_cast<ExceptionVector>(&_estack),
    probe_reset_handler,
    probe_fatal_handler, // NMI
    probe_fatal_handler, // HardFault
    memmanage_handler,   // MemManage
    probe_fatal_handler, // BusFault
    probe_fatal_handler, // UsageFault
    probe_fatal_handler, // SecureFault (v8-M), reserved on v7-M
    nullptr,
    nullptr,
    nullptr,
    fw_svc_handler,      // SVCall
    probe_fatal_handler, // DebugMonitor
    nullptr,
    probe_fatal_handler, // PendSV
    probe_fatal_handler, // SysTick
};
