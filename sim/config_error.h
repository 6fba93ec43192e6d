#pragma once
// ConfigError: bad input (platform, scenario, CLI) with its location. main() catches it, prints
// what() and exits with status 2. Messages read `file:line:column: key: expected ..., got ...`.

#include <stdexcept>
#include <string>

namespace emsim {

class ConfigError : public std::runtime_error {
public:
    /// line and column are 1-based; 0 means unknown (then they are left out of the message).
    ConfigError(const std::string& file, int line, int column, const std::string& message)
        : std::runtime_error(format(file, line, column, message)), m_file(file), m_line(line),
          m_column(column) {}

    const std::string& file() const { return m_file; }
    int line() const { return m_line; }
    int column() const { return m_column; }

private:
    static std::string format(const std::string& file, int line, int column,
                              const std::string& message) {
        std::string where = file;
        if (line > 0) where += ":" + std::to_string(line);
        if (line > 0 && column > 0) where += ":" + std::to_string(column);
        return where + ": " + message;
    }
    std::string m_file;
    int m_line;
    int m_column;
};

} // namespace emsim
