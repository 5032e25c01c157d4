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

// A TCP port on 127.0.0.1 that nothing listens on right now.
int port_free();

// llama-server (the pinned build) serving `model` on 127.0.0.1 for the lifetime of the object: started, waited
// for until /health answers 200 (at most 60 s), stopped on destruction. healthy() is false when it never came
// up; log() then says why. `extra_args` go after the usual ones (e.g. {"--embeddings", "--pooling", "mean"}).
class LlamaServer {
  public:
    LlamaServer(const std::string & model, const std::filesystem::path & dir,
                const std::vector<std::string> & extra_args = {});
    ~LlamaServer();
    LlamaServer(const LlamaServer &)             = delete;
    LlamaServer & operator=(const LlamaServer &) = delete;

    bool        healthy() const { return healthy_; }
    int         port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string log() const;

  private:
    int         pid_     = 0;
    int         port_    = 0;
    bool        healthy_ = false;
    std::string log_path_;
};

}  // namespace neuroseed::test
