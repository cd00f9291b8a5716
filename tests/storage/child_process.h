#pragma once
// A child process for the storage tests: started with fork/exec, its stdout (and stderr)
// on a pipe read line by line with a deadline, or into a file; optionally under a file-size
// limit (RLIMIT_FSIZE, with SIGXFSZ ignored so writes fail with EFBIG instead).

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace carrier::storage::testing {

struct ChildOptions {
  std::vector<std::string> argv;        // argv[0] is the program path
  std::optional<long> file_size_limit;  // bytes: RLIMIT_FSIZE soft limit in the child
  std::string output_file;              // non-empty: stdout+stderr go there, not to a pipe
};

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ChildProcess(const ChildOptions& options);
  ~ChildProcess();  // kills (SIGKILL) and reaps the child if it still runs
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // The next complete output line; nullopt on end of output or once `deadline` passes.
  std::optional<std::string> ReadLine(Clock::time_point deadline);
  // Every complete line until end of output (or `deadline`); a trailing partial line is
  // dropped.
  std::vector<std::string> ReadAll(Clock::time_point deadline);
  bool at_eof() const { return eof_; }

  void Signal(int sig);
  // Reaps the child; returns the raw wait status.
  int Wait();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool eof_ = false;
  bool reaped_ = false;
  std::string buffer_;
};

struct RunResult {
  int exit_code = -1;  // -1: did not exit normally (signal, or the deadline passed)
  std::string output;  // stdout and stderr together
};

// Runs a command to completion (killing it after `timeout`) and captures its output.
RunResult RunCommand(const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace carrier::storage::testing
