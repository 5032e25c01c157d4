#include "import/chat_note.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace neuroseed {

namespace chrono = std::chrono;

static std::string time_format(chrono::sys_seconds time) {
    auto                   days = chrono::floor<chrono::days>(time);
    chrono::year_month_day date{days};
    chrono::hh_mm_ss       clock{time - days};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                       static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), clock.hours().count(),
                       clock.minutes().count(), clock.seconds().count());
}

std::optional<std::string> time_from_unix(double seconds) {
    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four year digits can hold.
    constexpr double first = -62135596800.0;
    constexpr double last  = 253402300799.0;
    if (!std::isfinite(seconds) || seconds < first || seconds >= last + 1) return std::nullopt;
    return time_format(chrono::sys_seconds{chrono::seconds{static_cast<int64_t>(std::floor(seconds))}});
}

namespace {

// Reads ISO 8601 fields left to right; any mismatch leaves ok false.
struct IsoReader {
    std::string_view text;
    size_t           pos = 0;
    bool             ok  = true;

    int digits(size_t count) {
        int value = 0;
        for (size_t i = 0; i < count; ++i) {
            if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') {
                ok = false;
                return 0;
            }
            value = value * 10 + (text[pos++] - '0');
        }
        return value;
    }

    bool take(char c) {
        if (pos < text.size() && text[pos] == c) {
            ++pos;
            return true;
        }
        return false;
    }

    bool at_end() const { return pos == text.size(); }
};

}  // namespace

std::optional<std::string> time_from_iso(std::string_view text) {
    IsoReader r{text};
    int       year = r.digits(4);
    r.ok &= r.take('-');
    int month = r.digits(2);
    r.ok &= r.take('-');
    int day = r.digits(2);
    if (!r.ok) return std::nullopt;

    int hour = 0, minute = 0, second = 0, offset_minutes = 0;
    if (!r.at_end()) {
        if (!r.take('T') && !r.take('t') && !r.take(' ')) return std::nullopt;
        hour = r.digits(2);
        r.ok &= r.take(':');
        minute = r.digits(2);
        if (r.take(':')) second = r.digits(2);
        if (r.take('.') || r.take(',')) {
            // Fractions of a second are dropped: stored times have whole seconds.
            size_t start = r.pos;
            while (r.pos < text.size() && text[r.pos] >= '0' && text[r.pos] <= '9') ++r.pos;
            r.ok &= r.pos > start;
        }
        bool utc = r.take('Z') || r.take('z');
        if (!utc && r.pos < text.size() && (text[r.pos] == '+' || text[r.pos] == '-')) {
            int sign       = text[r.pos++] == '-' ? -1 : 1;
            int zone_hours = r.digits(2), zone_minutes = 0;
            // "+03:00", "+0300" or "+03".
            if (r.take(':') || !r.at_end()) zone_minutes = r.digits(2);
            r.ok &= zone_hours <= 23 && zone_minutes <= 59;
            offset_minutes = sign * (zone_hours * 60 + zone_minutes);
        }
    }
    if (!r.ok || !r.at_end() || hour > 23 || minute > 59 || second > 60) return std::nullopt;

    chrono::year_month_day date{chrono::year{year}, chrono::month{static_cast<unsigned>(month)},
                                chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    // A leap second (":60") is kept inside its minute rather than rolled into the next one.
    auto time = chrono::sys_days{date} + chrono::hours{hour} + chrono::minutes{minute - offset_minutes} +
                chrono::seconds{second == 60 ? 59 : second};
    auto seconds = static_cast<double>(time.time_since_epoch().count());
    return time_from_unix(seconds);
}

// Length of the longest prefix of `text` holding at most `limit` UTF-8 characters.
static size_t utf8_prefix(std::string_view text, size_t limit) {
    size_t chars = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            if (chars == limit) return i;
            ++chars;
        }
    }
    return text.size();
}

static std::string first_line(std::string_view text) {
    while (!text.empty()) {
        size_t           end  = text.find('\n');
        std::string_view line = text.substr(0, end);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
            line.remove_suffix(1);
        }
        line = line.substr(0, utf8_prefix(line, 80));
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        if (!line.empty()) return std::string(line);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return {};
}

std::string title_from_messages(const std::vector<Message> & messages) {
    for (const auto & m : messages) {
        if (m.role != "user") continue;
        if (auto line = first_line(m.text); !line.empty()) return line;
    }
    for (const auto & m : messages) {
        if (auto line = first_line(m.text); !line.empty()) return line;
    }
    return {};
}

}  // namespace neuroseed
