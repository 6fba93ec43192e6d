#pragma once
// The random source of the runtime's randomized tests: emsim's one generator (SplitMix64, the
// same stream on every compiler and library) with the two draws the tests use.

#include "models/random.h"

#include <cstdint>

namespace emsim::test {

class TestRng {
public:
    explicit TestRng(uint64_t seed) : m_source(seed) {}
    uint32_t next() { return static_cast<uint32_t>(m_source.next() >> 32); }
    /// Uniform in [0, n), n >= 1.
    uint32_t below(uint32_t n) { return static_cast<uint32_t>(m_source.uniform(0, n - 1)); }

private:
    SplitMix64 m_source;
};

} // namespace emsim::test
