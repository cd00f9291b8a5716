// Runs a libFuzzer target without libFuzzer (the normal g++ build): every file of a seed
// corpus, then a fixed number of deterministic pseudo-random mutations of those seeds.
// A failed invariant aborts, which fails the test. Usage: <binary> <corpus-dir> [mutations]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// xorshift64*: reproducible across runs and platforms.
class Random {
 public:
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }
  size_t Below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_ = 0x9E3779B97F4A7C15ULL;
};

// Bytes that matter to the grammars under test, so mutations reach deep branches.
constexpr char kInteresting[] = "/:@.-_[]0123456789abcdefABCDEFxyz \0\xff";

std::string Mutate(const std::vector<std::string>& seeds, Random& rng) {
  std::string s = seeds[rng.Below(seeds.size())];
  size_t steps = 1 + rng.Below(4);
  for (size_t i = 0; i < steps; ++i) {
    size_t pos = rng.Below(s.size() + 1);
    switch (rng.Below(6)) {
      case 0:  // insert an interesting byte
        s.insert(s.begin() + pos, kInteresting[rng.Below(sizeof(kInteresting) - 1)]);
        break;
      case 1:  // delete a byte
        if (pos < s.size()) s.erase(pos, 1);
        break;
      case 2:  // flip a bit
        if (pos < s.size()) s[pos] = static_cast<char>(s[pos] ^ (1 << rng.Below(8)));
        break;
      case 3:  // repeat a slice
        if (!s.empty()) {
          size_t from = rng.Below(s.size());
          size_t len = 1 + rng.Below(std::min<size_t>(64, s.size() - from));
          std::string slice = s.substr(from, len);
          for (size_t r = rng.Below(8); r > 0; --r) s.insert(pos, slice);
        }
        break;
      case 4:  // splice with another seed
      {
        const std::string& other = seeds[rng.Below(seeds.size())];
        s = s.substr(0, pos) + other.substr(rng.Below(other.size() + 1));
        break;
      }
      default:  // truncate
        s.resize(pos);
        break;
    }
  }
  return s;
}

// With CARRIER_FUZZ_LAST_INPUT=<path>, each input is written there before it runs, so that
// after a crash the file holds the input that caused it.
const char* last_input_path = nullptr;

void Run(const std::string& input) {
  if (last_input_path != nullptr) {
    std::ofstream(last_input_path, std::ios::binary | std::ios::trunc) << input;
  }
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <corpus-dir> [mutations]\n", argv[0]);
    return 2;
  }
  last_input_path = std::getenv("CARRIER_FUZZ_LAST_INPUT");
  const long mutations = argc > 2 ? std::strtol(argv[2], nullptr, 10) : 5000;
  std::vector<std::string> seeds;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (seeds.empty()) {
    std::fprintf(stderr, "no seeds in %s\n", argv[1]);
    return 2;
  }
  for (const std::string& seed : seeds) Run(seed);
  Random rng;
  for (long i = 0; i < mutations; ++i) Run(Mutate(seeds, rng));
  std::printf("%zu seeds and %ld mutations ran without a failed invariant\n", seeds.size(),
              mutations);
  return 0;
}
