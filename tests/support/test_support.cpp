#include "support/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace neuroseed::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    std::random_device      rd;
    path_ = fs::temp_directory_path() / ("neuroseed-test-" + std::to_string(getpid()) + "-" +
                                         std::to_string(counter++) + "-" + std::to_string(rd()));
    fs::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string file_read(const fs::path & path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void file_write(const fs::path & path, const std::string & bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

fs::path data_path(const std::string & relative) {
    return fs::path(NEUROSEED_TEST_DATA) / relative;
}

namespace {

// In a forked child: stdin, stdout and stderr from the given descriptors, then the program (no shell).
[[noreturn]] void child_exec(const std::string & program, const std::vector<std::string> & args, int in, int out,
                             int err) {
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char *> argv;
    argv.push_back(const_cast<char *>(program.c_str()));
    for (const auto & a : args) argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
}

}  // namespace

RunResult program_run(const std::string & program, const std::vector<std::string> & args) {
    TempDir tmp;
    auto    out_path = tmp / "stdout";
    auto    err_path = tmp / "stderr";
    pid_t   pid      = fork();
    if (pid == 0) {
        int in  = open("/dev/null", O_RDONLY);
        int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        child_exec(program, args, in, out, err);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out       = file_read(out_path);
    r.err       = file_read(err_path);
    return r;
}

int cli_start(const std::vector<std::string> & args) {
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        child_exec(NEUROSEED_BIN, args, null, null, null);
    }
    return pid;
}

int program_start(const std::string & program, const std::vector<std::string> & args, const std::string & log_path) {
    pid_t pid = fork();
    if (pid == 0) {
        int in  = open("/dev/null", O_RDONLY);
        int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        child_exec(program, args, in, log, log);
    }
    return pid;
}

void program_stop(int pid, double grace_seconds) {
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(grace_seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid, nullptr, WNOHANG) != 0) return;  // reaped, or not our child
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
}

RunResult cli_run(const std::vector<std::string> & args) {
    return program_run(NEUROSEED_BIN, args);
}

int port_free() {
    int         fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family      = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int       bound      = bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
    socklen_t len        = sizeof(addr);
    if (bound == 0) getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    close(fd);
    return bound == 0 ? ntohs(addr.sin_port) : 0;
}

LlamaServer::LlamaServer(const std::string & model, const std::filesystem::path & dir,
                         const std::vector<std::string> & extra_args) :
    port_(port_free()), log_path_((dir / "llama-server.log").string()) {
    std::vector<std::string> args = {"-m",   model, "--host", "127.0.0.1", "--port", std::to_string(port_), "-c",
                                     "2048", "-t",  "2",      "-np",       "1",      "--no-webui"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    pid_ = program_start(std::string(NEUROSEED_LLAMA_BIN) + "/llama-server", args, log_path_);
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(1);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!healthy_ && std::chrono::steady_clock::now() < deadline) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {  // it exited: the log says why
            pid_ = 0;
            return;
        }
        auto res = client.Get("/health");
        healthy_ = res && res->status == 200;
        if (!healthy_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

LlamaServer::~LlamaServer() {
    if (pid_ > 0) program_stop(pid_);
}

std::string LlamaServer::log() const {
    return file_read(log_path_);
}

}  // namespace neuroseed::test
