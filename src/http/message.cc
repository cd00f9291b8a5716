// The parts of the HTTP model that need no I/O: header lookups, query parsing, percent
// coding, owned file bodies and the buffered-body convenience.
#include <strings.h>
#include <unistd.h>

#include <cctype>
#include <charconv>

#include "http/server.h"

namespace carrier::http {

namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Buffers a body in memory, refusing to grow past its limit.
class StringSink : public BodySink {
 public:
  Status Write(std::string_view chunk) override {
    data.append(chunk);
    return Status::Ok();
  }
  std::string data;
};

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

bool Request::HasHeader(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return true;
  }
  return false;
}

namespace {

// Query strings are form-encoded: '+' stands for a space (as clients such as Go's
// url.Values encode it), then percent escapes.
std::optional<std::string> DecodeQueryComponent(std::string_view text) {
  std::string spaced(text);
  for (auto& c : spaced) {
    if (c == '+') c = ' ';
  }
  return PercentDecode(spaced);
}

}  // namespace

std::optional<std::string> Request::QueryParam(std::string_view key) const {
  auto all = QueryParams(key);
  if (all.empty()) return std::nullopt;
  return all.front();
}

std::vector<std::string> Request::QueryParams(std::string_view key) const {
  std::vector<std::string> out;
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    auto raw_key = DecodeQueryComponent(pair.substr(0, eq));
    if (!raw_key || *raw_key != key) continue;
    if (eq == std::string_view::npos) {
      out.emplace_back();
      continue;
    }
    if (auto v = DecodeQueryComponent(pair.substr(eq + 1))) out.push_back(std::move(*v));
  }
  return out;
}

std::optional<uint64_t> Request::ContentLength() const {
  if (!HasHeader("Content-Length")) return std::nullopt;
  std::string_view v = Header("Content-Length");
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return std::nullopt;
  return n;
}

bool Request::HasBody() const {
  auto te = Header("Transfer-Encoding");
  if (!te.empty() && !EqualsIgnoreCase(te, "identity")) return true;
  auto n = ContentLength();
  return n && *n > 0;
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

FileBody::FileBody(FileBody&& other) noexcept : fd_(other.fd_), size_(other.size_) {
  other.fd_ = -1;
}

FileBody& FileBody::operator=(FileBody&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    size_ = other.size_;
    other.fd_ = -1;
  }
  return *this;
}

FileBody::~FileBody() {
  if (fd_ >= 0) ::close(fd_);
}

void Response::SetHeader(std::string_view name, std::string value) {
  for (auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::move(value));
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", std::move(content_type));
  return r;
}

void Exchange::ReadBodyToString(uint64_t limit, std::function<void(Status, std::string)> done) {
  auto sink = std::make_shared<StringSink>();
  ReadBody(sink, limit, [sink, done = std::move(done)](Status st) {
    done(std::move(st), std::move(sink->data));
  });
}

}  // namespace carrier::http
