#pragma once
// Where a broken runtime invariant (EMSIM_RT_ASSERT) goes in the simulator. By default it is a
// SystemC error (an emsim bug). While a runtime host runs, the host installs a handler: hosted
// runtime code can meet corrupted metadata legitimately (its bank lost power), and then the
// broken invariant is a simulated fault to record, not a reason to stop.

#include <functional>
#include <string>

namespace emsim {

/// nullptr restores the default (SC_REPORT_ERROR).
void set_runtime_assert_handler(std::function<void(const std::string& what)> handler);

} // namespace emsim
