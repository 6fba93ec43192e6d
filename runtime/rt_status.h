#pragma once
// The runtime's error codes. Every fallible runtime call returns one of these (or a Result that
// carries one); nothing throws and nothing aborts on bad input.

#include <stdint.h>

namespace emsim::rt {

enum class RtStatus : uint8_t {
    Ok = 0,
    NoMemory,                ///< no free block fits the (rounded) request
    InvalidSize,             ///< zero, or larger than the allocator can ever serve
    InvalidAlignment,        ///< not a power of two, or beyond the supported maximum
    BadPointer,              ///< not an address this allocator handed out
    DoubleFree,              ///< the block is already free
    Corrupt,                 ///< an integrity check found a broken invariant
    TimeConstraintViolation, ///< the structural bound exceeds the caller's deadline
    Sealed,                  ///< refused by the zero-dynamic-allocation policy
    OutOfOrder,              ///< LIFO release not matching the last marker
    InvalidRegion,           ///< a region too small, misaligned or overlapping another
    AccessDenied,            ///< the caller lacks the rights (partitions, MPU)
    AddressConflict,         ///< a range overlaps an existing one
    QuotaExceeded,           ///< a per-owner limit is reached
    Unsupported,             ///< the request cannot be served by this configuration
};

/// Stable, short names for traces and error messages (e.g. "NoMemory").
constexpr const char* to_string(RtStatus status) {
    switch (status) {
    case RtStatus::Ok: return "Ok";
    case RtStatus::NoMemory: return "NoMemory";
    case RtStatus::InvalidSize: return "InvalidSize";
    case RtStatus::InvalidAlignment: return "InvalidAlignment";
    case RtStatus::BadPointer: return "BadPointer";
    case RtStatus::DoubleFree: return "DoubleFree";
    case RtStatus::Corrupt: return "Corrupt";
    case RtStatus::TimeConstraintViolation: return "TimeConstraintViolation";
    case RtStatus::Sealed: return "Sealed";
    case RtStatus::OutOfOrder: return "OutOfOrder";
    case RtStatus::InvalidRegion: return "InvalidRegion";
    case RtStatus::AccessDenied: return "AccessDenied";
    case RtStatus::AddressConflict: return "AddressConflict";
    case RtStatus::QuotaExceeded: return "QuotaExceeded";
    case RtStatus::Unsupported: return "Unsupported";
    }
    return "Unknown";
}

/// A value or an error: `ok()` iff status == Ok, and then `value` is meaningful.
template <class T> struct Result {
    RtStatus status = RtStatus::Ok;
    T value{};
    constexpr bool ok() const { return status == RtStatus::Ok; }
};

} // namespace emsim::rt
