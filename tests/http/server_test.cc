#include "http/server.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "http/self_signed.h"
#include "http/test_client.h"

namespace carrier::http {
namespace {

using testing::RawConnection;
using testing::TestClient;

// Waits for a condition with a deadline (no sleeps).
class Latch {
 public:
  void Set() {
    std::lock_guard l(mu_);
    set_ = true;
    cv_.notify_all();
  }
  bool Wait() {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, std::chrono::seconds(10), [&] { return set_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool set_ = false;
};

std::unique_ptr<Server> StartServer(Handler h, ServerOptions opt = {}) {
  opt.threads = 2;
  auto s = Server::Start(opt, std::move(h));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(s).value();
}

class CountingSink : public BodySink {
 public:
  explicit CountingSink(size_t fail_after = SIZE_MAX) : fail_after_(fail_after) {}
  Status Write(std::string_view chunk) override {
    data += chunk;
    ++chunks;
    max_chunk = std::max(max_chunk, chunk.size());
    if (data.size() > fail_after_) return InvalidArgument("sink refuses more");
    return Status::Ok();
  }
  std::string data;
  int chunks = 0;
  size_t max_chunk = 0;

 private:
  size_t fail_after_;
};

TEST(HttpServer, AnswersAndKeepsConnectionAlive) {
  auto server = StartServer([](std::shared_ptr<Exchange> ex) {
    const Request& r = ex->request();
    Response res = Response::Text(200, r.method + " " + r.path + " q=" +
                                           r.QueryParam("q").value_or("-") + " h=" +
                                           std::string(r.Header("x-test")));
    res.SetHeader("X-Reply", "yes");
    ex->Respond(std::move(res));
  });
  TestClient client(server->port());
  auto r1 = client.Do("GET", "/a/b?q=x%2Fy", {{"X-Test", "v1"}});
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->status, 200);
  EXPECT_EQ(r1->body, "GET /a/b q=x/y h=v1");
  EXPECT_EQ(r1->Header("x-reply"), "yes");
  auto r2 = client.Do("DELETE", "/c");
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->body, "DELETE /c q=- h=");
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(HttpServer, StreamsLargeBodyInBoundedChunks) {
  auto sink = std::make_shared<CountingSink>();
  ServerOptions opt;
  opt.body_chunk_bytes = 64 * 1024;
  auto server = StartServer(
      [sink](std::shared_ptr<Exchange> ex) {
        ex->ReadBody(sink, 1 << 30, [ex, sink](Status st) {
          ex->Respond(Response::Text(st.ok() ? 201 : 400, std::to_string(sink->data.size())));
        });
      },
      opt);
  std::string body(8 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 + i / 4096);
  TestClient client(server->port());
  auto r = client.Do("PUT", "/upload", {}, body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, std::to_string(body.size()));
  EXPECT_TRUE(sink->data == body);
  EXPECT_LE(sink->max_chunk, 64u * 1024);
  EXPECT_GE(sink->chunks, 128);
  // The connection stays usable after a streamed body.
  sink->data.clear();
  auto again = client.Do("PUT", "/upload", {}, "tail");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->body, "4");
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(HttpServer, ChunkedRequestBody) {
  auto sink = std::make_shared<CountingSink>();
  auto server = StartServer([sink](std::shared_ptr<Exchange> ex) {
    ex->ReadBody(sink, 1 << 20, [ex](Status st) {
      ex->Respond(Response::Text(st.ok() ? 200 : 400, st.ok() ? "ok" : st.message()));
    });
  });
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send(
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  std::string reply = raw.ReadUntil("ok");
  EXPECT_NE(reply.find("HTTP/1.1 200"), std::string::npos) << reply;
  EXPECT_EQ(sink->data, "hello world");
}

TEST(HttpServer, LargeChunkedBodyWithExtensionsTrailersAndPipelining) {
  auto sink = std::make_shared<CountingSink>();
  auto server = StartServer([sink](std::shared_ptr<Exchange> ex) {
    if (ex->request().method == "GET") return ex->Respond(Response::Text(200, "second"));
    ex->ReadBody(sink, 1 << 30, [ex](Status st) {
      ex->Respond(Response::Text(st.ok() ? 200 : 400, st.ok() ? "first" : st.message()));
    });
  });
  std::string expected, wire =
      "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 300; ++i) {
    std::string piece(1000 + i * 37, static_cast<char>('a' + i % 26));
    char size[32];
    std::snprintf(size, sizeof(size), "%zX", piece.size());
    wire += std::string(size) + (i % 7 == 0 ? ";ext=1" : "") + "\r\n" + piece + "\r\n";
    expected += piece;
  }
  wire += "0\r\nX-Trailer: yes\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n";
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send(wire));
  EXPECT_NE(raw.ReadUntil("first").find("200"), std::string::npos);
  EXPECT_NE(raw.ReadUntil("second").find("200"), std::string::npos);
  EXPECT_TRUE(sink->data == expected);
  RawConnection bad(server->port());
  ASSERT_TRUE(bad.Send("POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"));
  EXPECT_NE(bad.ReadUntil("chunked").find("400"), std::string::npos);
}

TEST(HttpServer, UnreadSmallBodyKeepsTheConnection) {
  auto server = StartServer([](std::shared_ptr<Exchange> ex) {
    ex->Respond(Response::Text(401, "no"));  // answers without looking at the body
  });
  TestClient client(server->port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.Do("PUT", "/x", {}, std::string(200000, 'b'));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 401);
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST(HttpServer, BodyLimitAndSinkErrorsReachTheHandler) {
  auto server = StartServer([](std::shared_ptr<Exchange> ex) {
    auto sink = std::make_shared<CountingSink>(ex->request().path == "/sinkfails" ? 10 : SIZE_MAX);
    ex->ReadBody(sink, 100, [ex](Status st) {
      ex->Respond(Response::Text(st.ok() ? 200 : CodeHttpStatus(st.code()), st.message()));
    });
  });
  TestClient client(server->port());
  auto big = client.Do("PUT", "/x", {}, std::string(101, 'a'));
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->Header("Connection"), "close");
  auto refused = client.Do("PUT", "/sinkfails", {}, std::string(50, 'a'));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 422);
  EXPECT_EQ(refused->body, "sink refuses more");
  auto fine = client.Do("PUT", "/x", {}, std::string(100, 'a'));
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->status, 200);
}

class FileServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("carrier-http-file-" + std::to_string(::getpid()));
    content_.resize(300000);
    for (size_t i = 0; i < content_.size(); ++i) content_[i] = static_cast<char>('a' + i % 26);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_EQ(::write(fd, content_.data(), content_.size()), static_cast<ssize_t>(content_.size()));
    ::close(fd);
  }
  void TearDown() override { std::filesystem::remove(path_); }

  Handler FileHandler() {
    return [this](std::shared_ptr<Exchange> ex) {
      Response res;
      res.file.emplace(::open(path_.c_str(), O_RDONLY | O_CLOEXEC), content_.size());
      ex->Respond(std::move(res));
    };
  }

  void CheckRanges(bool tls, uint16_t port) {
    TestClient client(port, tls);
    auto full = client.Get("/f");
    ASSERT_TRUE(full.ok());
    EXPECT_EQ(full->status, 200);
    EXPECT_TRUE(full->body == content_);
    EXPECT_EQ(full->Header("Accept-Ranges"), "bytes");
    auto part = client.Do("GET", "/f", {{"Range", "bytes=10-19"}});
    ASSERT_TRUE(part.ok());
    EXPECT_EQ(part->status, 206);
    EXPECT_EQ(part->body, content_.substr(10, 10));
    EXPECT_EQ(part->Header("Content-Range"), "bytes 10-19/300000");
    auto open_end = client.Do("GET", "/f", {{"Range", "bytes=299990-"}});
    ASSERT_TRUE(open_end.ok());
    EXPECT_EQ(open_end->status, 206);
    EXPECT_EQ(open_end->body, content_.substr(299990));
    auto suffix = client.Do("GET", "/f", {{"Range", "bytes=-5"}});
    ASSERT_TRUE(suffix.ok());
    EXPECT_EQ(suffix->body, content_.substr(content_.size() - 5));
    auto beyond = client.Do("GET", "/f", {{"Range", "bytes=300000-"}});
    ASSERT_TRUE(beyond.ok());
    EXPECT_EQ(beyond->status, 416);
    EXPECT_EQ(beyond->Header("Content-Range"), "bytes */300000");
    auto head = client.Do("HEAD", "/f");
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->Header("Content-Length"), "300000");
    EXPECT_TRUE(head->body.empty());
    EXPECT_EQ(client.connections_opened(), 1);
  }

  std::filesystem::path path_;
  std::string content_;
};

TEST_F(FileServerTest, FileBodiesHonourRangesOverPlainTcp) {
  auto server = StartServer(FileHandler());
  CheckRanges(false, server->port());
}

TEST_F(FileServerTest, TlsServesFilesAndNegotiatesHttp11) {
  std::string cert = path_.string() + ".crt", key = path_.string() + ".key";
  ASSERT_TRUE(WriteSelfSignedCertificate(cert, key, {"localhost", "127.0.0.1"}).ok());
  ServerOptions opt;
  opt.tls_cert_file = cert;
  opt.tls_key_file = key;
  auto server = StartServer(FileHandler(), opt);
  EXPECT_TRUE(server->tls());
  CheckRanges(true, server->port());
  TestClient client(server->port(), true);
  ASSERT_TRUE(client.Get("/f").ok());
  EXPECT_EQ(client.alpn(), "http/1.1");
  std::filesystem::remove(cert);
  std::filesystem::remove(key);
}

// A string body larger than one TLS record (16 KiB) after the head: it used to stop after
// the head, leaving the client waiting for the rest.
TEST_F(FileServerTest, TlsServesStringBodiesLargerThanARecord) {
  std::string cert = path_.string() + ".crt", key = path_.string() + ".key";
  ASSERT_TRUE(WriteSelfSignedCertificate(cert, key, {"localhost", "127.0.0.1"}).ok());
  ServerOptions opt;
  opt.tls_cert_file = cert;
  opt.tls_key_file = key;
  auto server = StartServer(
      [this](std::shared_ptr<Exchange> ex) {
        Response res;
        res.body = content_;
        ex->Respond(std::move(res));
      },
      opt);
  TestClient client(server->port(), true);
  for (int i = 0; i < 2; ++i) {  // and the connection stays usable
    auto r = client.Get("/s");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->body == content_);
  }
  std::filesystem::remove(cert);
  std::filesystem::remove(key);
}

TEST(HttpServer, BadTlsFilesAreReported) {
  ServerOptions opt;
  opt.tls_cert_file = "/nonexistent/cert.pem";
  opt.tls_key_file = "/nonexistent/key.pem";
  auto s = Server::Start(opt, [](std::shared_ptr<Exchange>) {});
  EXPECT_FALSE(s.ok());
}

TEST(HttpServer, ChunkedResponseStreamsOverTimeAndSeesClientLeave) {
  std::mutex mu;
  std::shared_ptr<ChunkWriter> writer;
  Latch started, closed;
  auto server = StartServer([&](std::shared_ptr<Exchange> ex) {
    auto w = ex->RespondChunked(200, {{"Content-Type", "application/json"}});
    w->OnClosed([&] { closed.Set(); });
    {
      std::lock_guard l(mu);
      writer = w;
    }
    started.Set();
  });
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(started.Wait());
  std::string head = raw.ReadUntil("\r\n\r\n");
  EXPECT_NE(head.find("Transfer-Encoding: chunked"), std::string::npos) << head;
  std::shared_ptr<ChunkWriter> w;
  {
    std::lock_guard l(mu);
    w = writer;
  }
  ASSERT_TRUE(w->Write("{\"event\":1}\n"));
  EXPECT_NE(raw.ReadUntil("{\"event\":1}\n").find("c\r\n{\"event\":1}"), std::string::npos);
  ASSERT_TRUE(w->Write("{\"event\":2}\n"));
  EXPECT_NE(raw.ReadUntil("{\"event\":2}\n").find("{\"event\":2}"), std::string::npos);
  EXPECT_FALSE(w->closed());
  raw.Close();
  ASSERT_TRUE(closed.Wait());
  EXPECT_TRUE(w->closed());
  EXPECT_FALSE(w->Write("late"));
}

TEST(HttpServer, ChunkedResponseEndsWithLastChunk) {
  auto server = StartServer([](std::shared_ptr<Exchange> ex) {
    auto w = ex->RespondChunked(200, {});
    w->Write("part1;");
    w->Write("part2");
    w->Close();
  });
  TestClient client(server->port());
  auto r = client.Get("/s");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "part1;part2");
}

TEST(HttpServer, StopEndsOpenStreams) {
  Latch started, closed;
  std::shared_ptr<ChunkWriter> writer;
  auto server = StartServer([&](std::shared_ptr<Exchange> ex) {
    writer = ex->RespondChunked(200, {});
    writer->OnClosed([&] { closed.Set(); });
    started.Set();
  });
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(started.Wait());
  server->Stop();
  EXPECT_TRUE(closed.Wait());
  EXPECT_TRUE(raw.WaitClosed());
}

TEST(HttpServer, DroppedExchangeGets500AndLateResponsesWork) {
  std::shared_ptr<Exchange> parked;
  std::mutex mu;
  Latch got;
  auto server = StartServer([&](std::shared_ptr<Exchange> ex) {
    if (ex->request().path == "/drop") return;  // no response at all
    std::lock_guard l(mu);
    parked = ex;
    got.Set();
  });
  TestClient client(server->port());
  auto dropped = client.Get("/drop");
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(dropped->status, 500);
  std::thread responder([&] {
    ASSERT_TRUE(got.Wait());
    std::lock_guard l(mu);
    parked->Respond(Response::Text(202, "later"));
    parked.reset();
  });
  auto late = client.Get("/park");
  responder.join();
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->status, 202);
  EXPECT_EQ(late->body, "later");
}

TEST(HttpServer, MalformedRequestGets400) {
  auto server = StartServer([](std::shared_ptr<Exchange> ex) { ex->Respond(Response::Text(200, "")); });
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("THIS IS NOT HTTP\r\n\r\n"));
  EXPECT_NE(raw.ReadUntil("\r\n\r\n").find("400"), std::string::npos);
  EXPECT_TRUE(raw.WaitClosed());
}

TEST(HttpServer, ExpectContinueIsAnswered) {
  auto sink = std::make_shared<CountingSink>();
  auto server = StartServer([sink](std::shared_ptr<Exchange> ex) {
    ex->ReadBody(sink, 100, [ex](Status) { ex->Respond(Response::Text(201, "")); });
  });
  RawConnection raw(server->port());
  ASSERT_TRUE(raw.Send("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_NE(raw.ReadUntil("\r\n\r\n").find("100 Continue"), std::string::npos);
  ASSERT_TRUE(raw.Send("abc"));
  EXPECT_NE(raw.ReadUntil("\r\n\r\n").find("201"), std::string::npos);
  EXPECT_EQ(sink->data, "abc");
}

TEST(HttpMessage, PercentCoding) {
  EXPECT_EQ(PercentDecode("a%2Fb%20c").value(), "a/b c");
  EXPECT_FALSE(PercentDecode("bad%2").has_value());
  EXPECT_FALSE(PercentDecode("bad%zz").has_value());
  EXPECT_EQ(PercentEncode("a/b c"), "a%2Fb%20c");
  Request r;
  r.query = "n=2&last=a%2Fb&flag";
  EXPECT_EQ(r.QueryParam("n").value(), "2");
  EXPECT_EQ(r.QueryParam("last").value(), "a/b");
  EXPECT_EQ(r.QueryParam("flag").value(), "");
  EXPECT_FALSE(r.QueryParam("missing").has_value());
}

}  // namespace
}  // namespace carrier::http
