#pragma once
// The one way sim/ reads a typed value out of a YAML document: Reader checks a map's keys, reads
// integers, numbers, flags, names and enum values, and throws a ConfigError
// `file:line:column: key.path: expected ..., got ...` at the key that holds the bad value (or at
// the `--set` override that put it there). The platform loader and the scenario parser both read
// through it, so a value is spelled, bounded and reported the same way in both files.
//
// Rules shared by every file: integers are plain YAML scalars, decimal or 0x hex, with '_'
// allowed between digits (0x2000_0000); a quoted "2", a fraction or a negative number where an
// integer is expected is an error, as is a repeated key or a YAML merge key (<<).

#include "models/units.h"

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace emsim::cfg {

/// "a, b, c".
std::string join(const std::vector<std::string>& items);
/// "path.key", or "key" at the top.
std::string child(const std::string& path, const std::string& key);
/// "0x20000000".
std::string hex(uint64_t value);
/// " (did you mean read_cycles?)" when one allowed key is close to the typo, else "".
std::string suggestion(const std::string& key, const std::vector<std::string>& allowed);

/// Non-negative integer: decimal or 0x hex, '_' allowed between digits. nullopt on anything
/// else, including overflow.
std::optional<uint64_t> parse_unsigned(const std::string& text);
/// A finite decimal number (integer, fraction or exponent form).
std::optional<double> parse_real(const std::string& text);
/// Letters, digits and '_', not starting with a digit.
bool is_identifier(const std::string& text);
constexpr const char* NAME_EXPECTED =
    "a name of letters, digits and '_' that does not start with a digit";

/// A scalar written in quotes ("2"): text, never a number or a flag.
bool is_quoted(const YAML::Node& node);
/// How a value reads in "got ...": nothing, a list, a map, 7, the string "7".
std::string describe(const YAML::Node& node);
/// 1-based line of a node, 0 when it has none (made by an override).
int line_of(const YAML::Node& node);

/// One `key: value` of a map as written.
struct Entry {
    std::string key;
    std::string path; ///< e.g. "banks[2].read_cycles"
    YAML::Node key_node;
    YAML::Node value;
};

/// The entry for `key`, or nullptr.
const Entry* find(const std::vector<Entry>& entries, const std::string& key);

/// Reads nodes of one file and reports errors; knows which values came from overrides.
class Reader {
public:
    /// `merge_hint` ends the message for a YAML merge key (e.g. where shared values go instead).
    explicit Reader(std::string file, std::string merge_hint = "")
        : m_file(std::move(file)), m_merge_hint(std::move(merge_hint)) {}

    const std::string& file() const { return m_file; }

    /// From now on an error about `value` names `--set text` instead of a file position.
    void mark_override(const YAML::Node& value, const std::string& text) {
        m_overrides.emplace_back(value, text);
    }

    /// Throws at `where` (a key or a map), or at the override that set `value`.
    [[noreturn]] void fail(const YAML::Node& where, const YAML::Node& value,
                           const std::string& path, const std::string& message) const;

    /// "path: expected <expectation>, got <the value>".
    [[noreturn]] void expected(const Entry& e, const std::string& expectation) const;

    /// "path: expected <expectation>, got nothing (the key is missing)", at the map `where`.
    [[noreturn]] void missing(const YAML::Node& where, const std::string& path,
                              const std::string& expectation) const;

    /// The entries of a map, after checking that it is one, that every key is allowed and that
    /// none repeats.
    std::vector<Entry> entries(const YAML::Node& map, const std::string& path,
                               const std::vector<std::string>& allowed) const;

    /// An integer in [min, max].
    uint64_t unsigned_value(const Entry& e, uint64_t min, uint64_t max,
                            const std::string& expectation) const;
    /// A number >= 0.
    double real_value(const Entry& e, const std::string& expectation) const;
    /// A scalar that is text (quoted or not), e.g. a name or an enum value.
    std::string text_value(const Entry& e, const std::string& expectation) const;
    /// true or false, unquoted.
    bool flag_value(const Entry& e) const;
    /// An identifier (NAME_EXPECTED), or `expectation` when it says more.
    std::string name_value(const Entry& e, const std::string& expectation = NAME_EXPECTED) const;

    template <class E, size_t N>
    E enum_value(const Entry& e, const EnumName<E> (&table)[N]) const {
        const std::string expectation = "one of " + enum_choices(table);
        std::optional<E> v = parse_enum(table, text_value(e, expectation));
        if (!v) expected(e, expectation);
        return *v;
    }

private:
    std::string m_file;
    std::string m_merge_hint;
    std::vector<std::pair<YAML::Node, std::string>> m_overrides;
};

/// Reads a whole file; ConfigError "cannot open: <reason>" (at `path`, no line) otherwise.
std::string read_file(const std::string& path);

/// Parses `text` as exactly one YAML document (an empty text is a null node). A syntax error is
/// a ConfigError at the parser's position; a second document is an error at its line.
YAML::Node load_document(const std::string& text, const std::string& file_name);

/// A YAML exception that escaped the typed reads (a yaml-cpp surprise) as a ConfigError with
/// its position: "cannot read the <what>: <message>".
[[noreturn]] void rethrow_as_config_error(const YAML::Exception& e, const std::string& file_name,
                                          const std::string& what);

/// One `--set key.path=value`, split: `path` before the first '=', `value` parsed as YAML.
struct Override {
    std::string text;   ///< as given
    std::string origin; ///< "--set <text>": the ConfigError file of every error about it
    std::string path;
    YAML::Node value;
};

/// Splits and parses one override; ConfigError when there is no `=` or the value is not YAML.
Override parse_override(const std::string& text);

} // namespace emsim::cfg
