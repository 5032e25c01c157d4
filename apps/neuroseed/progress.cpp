#include "progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace neuroseed::cli {

std::string human_bytes(double bytes) {
    const char * units[] = {"B", "KB", "MB", "GB", "TB"};
    int          u       = 0;
    while (bytes >= 1000 && u < 4) bytes /= 1000, ++u;
    return u == 0 ? fmt::format("{:.0f} {}", bytes, units[u]) : fmt::format("{:.1f} {}", bytes, units[u]);
}

bool ProgressBar::enabled() {
    static const bool tty = isatty(STDERR_FILENO) == 1;
    return tty;
}

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
    finish();
}

void ProgressBar::update(uint64_t done, uint64_t total, const char * unit, uint64_t bytes_done, uint64_t bytes_total) {
    if (!enabled()) return;
    auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_            = now;
    drawn_                = true;
    double        elapsed = std::chrono::duration<double>(now - start_).count();
    double        frac    = bytes_total > 0 ? static_cast<double>(bytes_done) / static_cast<double>(bytes_total)
                            : total > 0     ? static_cast<double>(done) / static_cast<double>(total)
                                            : 0.0;
    constexpr int width   = 28;
    int           filled  = static_cast<int>(frac * width);
    std::string   bar(static_cast<size_t>(filled), '=');
    if (filled < width) bar += '>';
    bar.resize(width, ' ');
    std::string line = fmt::format("\r{} [{}] {:>3.0f}% {}/{} {}", label_, bar, frac * 100, done, total, unit);
    if (bytes_total > 0 && elapsed > 0) {
        line += fmt::format("  {} / {}  {}/s", human_bytes(static_cast<double>(bytes_done)),
                            human_bytes(static_cast<double>(bytes_total)),
                            human_bytes(static_cast<double>(bytes_done) / elapsed));
    }
    if (frac > 0.01 && frac < 1) line += fmt::format("  ETA {:.0f}s", elapsed / frac - elapsed);
    line += "\x1b[K";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (drawn_ && enabled()) {
        std::fputs("\r\x1b[K", stderr);
        std::fflush(stderr);
    }
    drawn_ = false;
}

}  // namespace neuroseed::cli
