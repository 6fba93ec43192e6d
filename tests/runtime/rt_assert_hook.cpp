// Native tests: a broken runtime invariant fails the running test instead of trapping.
#include <gtest/gtest.h>

extern "C" void emsim_rt_assert_failed(const char* expr, const char* file, int line) {
    ADD_FAILURE_AT(file, line) << "runtime invariant broken: " << expr;
}
