// Test entry for SystemC test binaries: SystemC's own main() calls sc_main, which runs the tests.
#include <gtest/gtest.h>
#include <systemc>

int sc_main(int argc, char* argv[]) {
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
