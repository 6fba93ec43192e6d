#pragma once
// Test support for SystemC models: every test gets a fresh kernel context, and SystemC errors and
// warnings become test failures instead of aborts or console noise.

#include "models/sim_context.h"

#include <gtest/gtest.h>
#include <systemc>

namespace emsim::test {

inline void report_to_gtest(const sc_core::sc_report& report, const sc_core::sc_actions&) {
    const auto severity = report.get_severity();
    if (severity == sc_core::SC_INFO) return;
    ADD_FAILURE() << "SystemC " << (severity == sc_core::SC_WARNING ? "warning" : "error") << " from "
                  << report.get_msg_type() << ": " << report.get_msg();
}

class SystemCTest : public ::testing::Test {
protected:
    void SetUp() override {
        fresh_simulation_context();
        sc_core::sc_report_handler::set_handler(&report_to_gtest);
    }
};

} // namespace emsim::test
