#pragma once
// Command-line flags of the benchmarks: "--name value" pairs bound to variables. An unknown
// flag, a flag without its value or a value that is not a number where one is wanted prints
// the usage text and exits with status 2; so does a failed Require after parsing.

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace carrier::bench {

class BenchFlags {
 public:
  explicit BenchFlags(std::string usage) : usage_(std::move(usage)) {}

  BenchFlags& Add(const std::string& name, std::string& target);
  BenchFlags& Add(const std::string& name, int& target);
  BenchFlags& Add(const std::string& name, unsigned& target);
  BenchFlags& Add(const std::string& name, size_t& target);
  BenchFlags& Add(const std::string& name, double& target);
  BenchFlags& Add(const std::string& name, std::vector<int>& target);  // "1,16,64"
  BenchFlags& Add(const std::string& name, std::function<bool(const std::string&)> apply);

  void Parse(int argc, char** argv) const;
  // Exits with the usage text unless `ok` (the checks of the values together).
  void Require(bool ok) const;

 private:
  [[noreturn]] void Usage() const;
  std::string usage_;
  std::map<std::string, std::function<bool(const std::string&)>> flags_;
};

// "100,1000" → {100, 1000}; empty when an element is not an integer.
std::vector<int> ParseIntList(const std::string& text);

}  // namespace carrier::bench
