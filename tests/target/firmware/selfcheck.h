#pragma once
// The self-check's counters, shared by every check file: each CHECK counts one check; a failed
// one prints its line and condition and makes the firmware exit 1 at the end of main().

#include <stdint.h>

namespace emsim::fw {

/// Counts one check; prints "FAIL line N: what" when !ok.
void check(bool ok, const char* what, int line);
/// Prints "ok   name" or "FAIL name": whether any check failed since `failures_before`.
void section(const char* name, uint32_t failures_before);
/// Failed checks so far (pass it to section() later).
uint32_t failures();

/// The isolation runtime on the real MPU (isolation_check.cpp).
void check_isolation();

} // namespace emsim::fw

#define CHECK(cond) ::emsim::fw::check((cond), #cond, __LINE__)
