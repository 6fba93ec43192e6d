// Code-size unit: HeapGuard. Its members are inline (header-only, non-template), so this unit
// gives them out-of-line homes the rest of the firmware calls; its .text is the guard's size.
#include "heap_guard_api.h"

namespace emsim::fw {

void guard_seal(rt::HeapGuard& guard) {
    guard.seal();
}
rt::RtStatus guard_admit(rt::HeapGuard& guard, const rt::HeapOwner& owner, uint32_t size_bytes) {
    return guard.admit(owner, size_bytes);
}
rt::Result<rt::HeapViolationSummary> guard_check(const rt::HeapGuard& guard) {
    return guard.check_no_heap_violation();
}
const rt::HeapViolation* guard_violation(const rt::HeapGuard& guard, uint32_t i) {
    return guard.violation(i);
}

} // namespace emsim::fw
