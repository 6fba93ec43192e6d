#include "sim/yaml_reader.h"

#include "sim/config_error.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace emsim::cfg {

// ---- Text helpers --------------------------------------------------------------------------

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out;
}

std::string child(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

std::string hex(uint64_t value) {
    std::ostringstream out;
    out << "0x" << std::hex << std::uppercase << value;
    return out.str();
}

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

} // namespace

std::string suggestion(const std::string& key, const std::vector<std::string>& allowed) {
    const std::string* best = nullptr;
    size_t best_distance = std::max<size_t>(2, key.size() / 4) + 1;
    for (const std::string& candidate : allowed) {
        size_t d = edit_distance(key, candidate);
        if (d < best_distance) best_distance = d, best = &candidate;
    }
    return best ? " (did you mean " + *best + "?)" : "";
}

std::optional<uint64_t> parse_unsigned(const std::string& text) {
    size_t i = 0;
    uint64_t radix = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) radix = 16, i = 2;
    if (i >= text.size() || text[i] == '_' || text.back() == '_') return std::nullopt;
    uint64_t value = 0;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (c == '_') continue;
        uint64_t digit;
        if (c >= '0' && c <= '9') digit = static_cast<uint64_t>(c - '0');
        else if (radix == 16 && c >= 'a' && c <= 'f') digit = static_cast<uint64_t>(c - 'a' + 10);
        else if (radix == 16 && c >= 'A' && c <= 'F') digit = static_cast<uint64_t>(c - 'A' + 10);
        else return std::nullopt;
        if (value > (std::numeric_limits<uint64_t>::max() - digit) / radix) return std::nullopt;
        value = value * radix + digit;
    }
    return value;
}

std::optional<double> parse_real(const std::string& text) {
    double value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
    return value;
}

bool is_identifier(const std::string& text) {
    if (text.empty() || (text[0] >= '0' && text[0] <= '9')) return false;
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

bool is_quoted(const YAML::Node& node) { return node.IsScalar() && node.Tag() == "!"; }

std::string describe(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a map";
    std::string text = node.Scalar();
    if (text.size() > 40) text = text.substr(0, 37) + "...";
    return is_quoted(node) ? "the string \"" + text + "\"" : text;
}

int line_of(const YAML::Node& node) {
    return node.IsDefined() && !node.Mark().is_null() ? node.Mark().line + 1 : 0;
}

const Entry* find(const std::vector<Entry>& entries, const std::string& key) {
    for (const Entry& e : entries)
        if (e.key == key) return &e;
    return nullptr;
}

// ---- Reader --------------------------------------------------------------------------------

void Reader::fail(const YAML::Node& where, const YAML::Node& value, const std::string& path,
                  const std::string& message) const {
    const std::string what = path.empty() ? message : path + ": " + message;
    for (const auto& [node, text] : m_overrides)
        if (value.IsDefined() && value.is(node)) throw ConfigError("--set " + text, 0, 0, what);
    int line = 0, column = 0;
    if (where.IsDefined() && !where.Mark().is_null())
        line = where.Mark().line + 1, column = where.Mark().column + 1;
    throw ConfigError(m_file, line, column, what);
}

void Reader::expected(const Entry& e, const std::string& expectation) const {
    fail(e.key_node, e.value, e.path, "expected " + expectation + ", got " + describe(e.value));
}

void Reader::missing(const YAML::Node& where, const std::string& path,
                     const std::string& expectation) const {
    fail(where, YAML::Node(), path, "expected " + expectation + ", got nothing (the key is missing)");
}

std::vector<Entry> Reader::entries(const YAML::Node& map, const std::string& path,
                                   const std::vector<std::string>& allowed) const {
    if (!map.IsMap())
        fail(map, map, path, "expected a map" + (allowed.size() <= 6 ? " with keys " + join(allowed) : "") + ", got " + describe(map));
    std::vector<Entry> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar()) fail(key, key, path, "expected a key name, got " + describe(key));
        Entry e{key.Scalar(), child(path, key.Scalar()), key, it->second};
        if (e.key == "<<")
            fail(key, YAML::Node(), e.path, "expected a key, got a YAML merge key, which is not supported" + m_merge_hint);
        if (std::find(allowed.begin(), allowed.end(), e.key) == allowed.end())
            fail(key, YAML::Node(), e.path, "unknown key" + suggestion(e.key, allowed) + "; expected one of " + join(allowed));
        for (const Entry& earlier : out)
            if (earlier.key == e.key)
                fail(key, YAML::Node(), e.path, "expected each key once, got it again (first at line " + std::to_string(line_of(earlier.key_node)) + ")");
        out.push_back(std::move(e));
    }
    return out;
}

uint64_t Reader::unsigned_value(const Entry& e, uint64_t min, uint64_t max,
                                const std::string& expectation) const {
    std::optional<uint64_t> v;
    if (e.value.IsScalar() && !is_quoted(e.value)) v = parse_unsigned(e.value.Scalar());
    if (!v || *v < min || *v > max) expected(e, expectation);
    return *v;
}

double Reader::real_value(const Entry& e, const std::string& expectation) const {
    std::optional<double> v;
    if (e.value.IsScalar() && !is_quoted(e.value)) v = parse_real(e.value.Scalar());
    if (!v || *v < 0) expected(e, expectation);
    return *v;
}

std::string Reader::text_value(const Entry& e, const std::string& expectation) const {
    if (!e.value.IsScalar() || e.value.Scalar().empty()) expected(e, expectation);
    return e.value.Scalar();
}

bool Reader::flag_value(const Entry& e) const {
    if (e.value.IsScalar() && !is_quoted(e.value) && e.value.Scalar() == "true") return true;
    if (e.value.IsScalar() && !is_quoted(e.value) && e.value.Scalar() == "false") return false;
    expected(e, "true or false");
}

std::string Reader::name_value(const Entry& e, const std::string& expectation) const {
    std::string text = text_value(e, expectation);
    if (!is_identifier(text)) expected(e, expectation);
    return text;
}

// ---- Files, documents, overrides -----------------------------------------------------------

std::string read_file(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw ConfigError(path, 0, 0, "cannot open: it is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(path, 0, 0, std::string("cannot open: ") + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(path, 0, 0, "cannot read: " + std::string(std::strerror(errno)));
    return text.str();
}

YAML::Node load_document(const std::string& text, const std::string& file_name) {
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(file_name, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg);
    }
    if (documents.size() > 1)
        throw ConfigError(file_name, line_of(documents[1]), 0, "expected one YAML document, got " + std::to_string(documents.size()));
    return documents.empty() ? YAML::Node() : documents.front();
}

void rethrow_as_config_error(const YAML::Exception& e, const std::string& file_name,
                             const std::string& what) {
    const int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    const int column = e.mark.is_null() ? 0 : e.mark.column + 1;
    throw ConfigError(file_name, line, column, "cannot read the " + what + ": " + e.msg);
}

Override parse_override(const std::string& text) {
    Override out{text, "--set " + text, "", YAML::Node()};
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw ConfigError(out.origin, 0, 0, "expected key.path=value, got " + text);
    out.path = text.substr(0, eq);
    try {
        out.value = YAML::Load(text.substr(eq + 1));
    } catch (const YAML::Exception& e) {
        throw ConfigError(out.origin, 0, 0, out.path + ": expected a YAML value, got " + text.substr(eq + 1) + " (" + e.msg + ")");
    }
    return out;
}

} // namespace emsim::cfg
