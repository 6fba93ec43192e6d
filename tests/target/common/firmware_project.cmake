# What every firmware cross project under tests/target shares (included right after its
# project() call): EMSIM_ROOT (the repository, for the runtime and models headers),
# EMSIM_TARGET_COMMON (this folder: the code both firmwares assemble), C++17 without extensions,
# and MinSizeRel at -Os by default. The -mcpu/-mthumb and freestanding flags come from the
# toolchain file (cmake/arm-none-eabi*.cmake).
get_filename_component(EMSIM_ROOT ${CMAKE_CURRENT_LIST_DIR}/../../.. ABSOLUTE)
set(EMSIM_TARGET_COMMON ${CMAKE_CURRENT_LIST_DIR})
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE MinSizeRel CACHE STRING "Build type" FORCE)
endif()
set(CMAKE_CXX_FLAGS_MINSIZEREL "-Os")
