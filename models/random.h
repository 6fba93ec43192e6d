#pragma once
// The simulator's one random source: SplitMix64 with exact integer ranges, so a seed gives the
// same stream with every compiler and standard library (std:: distributions do not promise that,
// and golden traces depend on it).

#include <cstdint>

namespace emsim {

class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : m_state(seed) {}

    uint64_t next() {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }

    /// Uniform in [lo, hi], inclusive; rejection sampling keeps it unbiased.
    uint64_t uniform(uint64_t lo, uint64_t hi) {
        const uint64_t span = hi - lo + 1;
        if (span == 0) return next(); // the full 64-bit range
        const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
        uint64_t x;
        do x = next();
        while (x >= limit);
        return lo + x % span;
    }

    /// True with probability numerator / denominator.
    bool chance(uint64_t numerator, uint64_t denominator) {
        return uniform(0, denominator - 1) < numerator;
    }

private:
    uint64_t m_state;
};

} // namespace emsim
