#pragma once
// The one placement form of operator new the runtime uses to construct objects in storage it
// owns (never the heap). Hosted toolchains have it in <new>; bare arm-none-eabi-gcc ships no
// libstdc++ headers (Debian's gcc-arm-none-eabi without libstdc++-arm-none-eabi-newlib), so it
// is declared here instead.

#include <stddef.h>

#if __has_include(<new>)
#include <new>
#else
inline void* operator new(size_t, void* where) noexcept {
    return where;
}
#endif
