# Toolchain file for the Cortex-M3 target build (QEMU mps2-an385 and real parts alike):
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake ...
# Bare metal (no OS), GNU Arm Embedded toolchain (Debian: gcc-arm-none-eabi, libnewlib-arm-none-eabi).
# The runtime's rules apply to everything built with it: freestanding C++17, no exceptions, no RTTI.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(EMSIM_ARM_PREFIX arm-none-eabi- CACHE STRING "Cross tool prefix")
find_program(CMAKE_C_COMPILER ${EMSIM_ARM_PREFIX}gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER ${EMSIM_ARM_PREFIX}g++ REQUIRED)
set(CMAKE_ASM_COMPILER ${CMAKE_C_COMPILER})
find_program(CMAKE_OBJCOPY ${EMSIM_ARM_PREFIX}objcopy)
find_program(CMAKE_SIZE ${EMSIM_ARM_PREFIX}size)

# No host executables can run: test-compile static libraries only.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(EMSIM_TARGET_CPU_FLAGS "-mcpu=cortex-m3 -mthumb")
set(CMAKE_C_FLAGS_INIT "${EMSIM_TARGET_CPU_FLAGS} -ffreestanding -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${EMSIM_TARGET_CPU_FLAGS} -ffreestanding -fno-exceptions -fno-rtti -fno-threadsafe-statics -ffunction-sections -fdata-sections")
set(CMAKE_ASM_FLAGS_INIT "${EMSIM_TARGET_CPU_FLAGS}")
# No default libraries (the Debian toolchain has no libstdc++ for the target, and the runtime needs
# none): targets link newlib-nano (memcpy/memset) and libgcc explicitly; own startup code.
set(CMAKE_EXE_LINKER_FLAGS_INIT "${EMSIM_TARGET_CPU_FLAGS} --specs=nano.specs -nostdlib -Wl,--gc-sections")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
