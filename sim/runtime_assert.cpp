// The simulator's answer to a broken runtime invariant (EMSIM_RT_ASSERT); see runtime_assert.h.
#include "sim/runtime_assert.h"

#include "runtime/config.h"

#include <systemc>

#include <string>

namespace {
std::function<void(const std::string&)>& handler() {
    static std::function<void(const std::string&)> installed;
    return installed;
}
} // namespace

namespace emsim {
void set_runtime_assert_handler(std::function<void(const std::string& what)> h) {
    handler() = std::move(h);
}
} // namespace emsim

extern "C" void emsim_rt_assert_failed(const char* expr, const char* file, int line) {
    const std::string message =
        std::string("runtime invariant broken: ") + expr + " at " + file + ":" + std::to_string(line);
    if (handler()) {
        handler()(message);
        return;
    }
    SC_REPORT_ERROR("emsim/runtime", message.c_str());
}
