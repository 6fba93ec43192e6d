# Toolchain file for Cortex-M33 targets (QEMU mps2-an505, the MPU probe firmware's PMSAv8 build):
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi-m33.cmake ...
# Everything as in arm-none-eabi.cmake (same rules, same libraries) but the CPU; soft float, so
# exception frames never carry FP state.
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
set(EMSIM_TARGET_CPU_FLAGS_M33 "-mcpu=cortex-m33 -mfloat-abi=soft -mthumb")
foreach(_flags CMAKE_C_FLAGS_INIT CMAKE_CXX_FLAGS_INIT CMAKE_ASM_FLAGS_INIT CMAKE_EXE_LINKER_FLAGS_INIT)
  string(REPLACE "${EMSIM_TARGET_CPU_FLAGS}" "${EMSIM_TARGET_CPU_FLAGS_M33}" ${_flags} "${${_flags}}")
endforeach()
set(EMSIM_TARGET_CPU_FLAGS "${EMSIM_TARGET_CPU_FLAGS_M33}")
