// A progress bar on stderr, drawn only when stderr is a terminal: done/total, bytes, rate and ETA,
// redrawn at most ten times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace neuroseed::cli {

class ProgressBar {
  public:
    explicit ProgressBar(std::string label);
    ~ProgressBar();

    // `unit` names what done/total count ("files", "texts"); bytes are shown when bytes_total > 0.
    void update(uint64_t done, uint64_t total, const char * unit, uint64_t bytes_done = 0, uint64_t bytes_total = 0);
    void finish();

    static bool enabled();

  private:
    std::string                           label_;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_{};
    bool                                  drawn_ = false;
};

std::string human_bytes(double bytes);

}  // namespace neuroseed::cli
