#include "semihosting.h"

namespace emsim::fw {
namespace {

constexpr uint32_t SYS_WRITE0 = 0x04;
constexpr uint32_t SYS_EXIT = 0x18;
constexpr uint32_t SYS_EXIT_EXTENDED = 0x20;
constexpr uint32_t ADP_STOPPED_APPLICATION_EXIT = 0x20026;

uint32_t semihost(uint32_t op, const void* arg) {
    register uint32_t r0 asm("r0") = op;
    register const void* r1 asm("r1") = arg;
    asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

} // namespace

void write(const char* text) {
    semihost(SYS_WRITE0, text);
}

void write_u32(uint32_t value) {
    char buffer[11];
    char* p = buffer + sizeof buffer;
    *--p = '\0';
    do {
        *--p = static_cast<char>('0' + value % 10u);
        value /= 10u;
    } while (value != 0);
    write(p);
}

void write_hex(uint32_t value) {
    char buffer[11] = {'0', 'x'};
    for (int i = 0; i < 8; ++i) {
        const uint32_t nibble = (value >> (28 - 4 * i)) & 0xFu;
        buffer[2 + i] = static_cast<char>(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }
    buffer[10] = '\0';
    write(buffer);
}

void exit(int status) {
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, static_cast<uint32_t>(status)};
    semihost(SYS_EXIT_EXTENDED, block);
    // A host without the extension: plain exit (status lost), then stop for good.
    semihost(SYS_EXIT, reinterpret_cast<const void*>(ADP_STOPPED_APPLICATION_EXIT));
    for (;;) {
    }
}

} // namespace emsim::fw
