// Helpers shared by the test binaries: temporary folders, reading fixtures, running the CLI.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace neuroseed::test {

// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::filesystem::path & path() const { return path_; }
    std::string                   str() const { return path_.string(); }
    std::filesystem::path         operator/(const std::string & name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

std::string           file_read(const std::filesystem::path & path);
void                  file_write(const std::filesystem::path & path, const std::string & bytes);
std::filesystem::path data_path(const std::string & relative);

struct RunResult {
    int         exit_code = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs the neuroseed binary with `args` (no shell), stdin closed; captures stdout and stderr.
RunResult cli_run(const std::vector<std::string> & args);
// Runs any program the same way.
RunResult program_run(const std::string & program, const std::vector<std::string> & args);

// Starts the neuroseed binary in the background (stdin, stdout and stderr on /dev/null); returns its pid.
int cli_start(const std::vector<std::string> & args);

// Starts any program in the background (no shell), stdin on /dev/null and stdout and stderr appended to
// `log_path`; returns its pid.
int program_start(const std::string & program, const std::vector<std::string> & args, const std::string & log_path);
// Stops a started program: SIGTERM, then SIGKILL if it has not exited after `grace_seconds`; reaps it.
void program_stop(int pid, double grace_seconds = 5);

}  // namespace neuroseed::test
