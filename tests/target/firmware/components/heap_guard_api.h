#pragma once
// Out-of-line HeapGuard entry points (see heap_guard.cpp), so the guard's code size is measurable.
#include "runtime/heap_guard.h"

namespace emsim::fw {

void guard_seal(rt::HeapGuard& guard);
rt::RtStatus guard_admit(rt::HeapGuard& guard, const rt::HeapOwner& owner, uint32_t size_bytes);
rt::Result<rt::HeapViolationSummary> guard_check(const rt::HeapGuard& guard);
const rt::HeapViolation* guard_violation(const rt::HeapGuard& guard, uint32_t i);

} // namespace emsim::fw
