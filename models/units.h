#pragma once
// Byte-size constants and the one string-table helper every model enum parses through.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace emsim {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;

/// A name <-> value table for an enum; parse() is the only way config text becomes an enum.
template <class E> struct EnumName {
    E value;
    const char* name;
};

template <class E, size_t N>
std::optional<E> parse_enum(const EnumName<E> (&table)[N], std::string_view text) {
    for (const auto& entry : table)
        if (text == entry.name) return entry.value;
    return std::nullopt;
}

template <class E, size_t N> const char* enum_name(const EnumName<E> (&table)[N], E value) {
    for (const auto& entry : table)
        if (entry.value == value) return entry.name;
    return "?";
}

/// "a, b or c": the allowed values, for error messages.
template <class E, size_t N> std::string enum_choices(const EnumName<E> (&table)[N]) {
    std::string out;
    for (size_t i = 0; i < N; ++i) {
        if (i) out += (i + 1 == N) ? " or " : ", ";
        out += table[i].name;
    }
    return out;
}

} // namespace emsim
