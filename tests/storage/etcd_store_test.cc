// etcd-specific behaviour of the etcd backend, against a real etcd: endpoints and TLS
// options, failover, reconnecting watches, compaction, progress, limits and errors. The
// Store semantics both backends share are covered by the conformance suite.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>

#include "storage/etcd/etcd_raw.h"
#include "storage/etcd/etcd_store.h"
#include "support/etcd_process.h"
#include "support/tcp_proxy.h"

namespace carrier::storage {
namespace {

using carrier::test::EtcdProcess;
using carrier::test::FreePort;
using carrier::test::TcpProxy;
using carrier::test::TempDir;
using carrier::test::WaitFor;

std::unique_ptr<Store> Open(std::vector<std::string> endpoints,
                            std::chrono::milliseconds dial = std::chrono::seconds(5)) {
  EtcdOptions options;
  options.endpoints = std::move(endpoints);
  options.dial_timeout = dial;
  auto store = OpenEtcdStore(options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

// Collects what a watch delivers.
struct Recorder {
  std::mutex mu;
  std::vector<Event> events;
  std::vector<Revision> progress;
  std::vector<WatchResponse> errors;

  WatchCallback Callback() {
    return [this](WatchResponse r) {
      std::lock_guard lock(mu);
      if (!r.error.ok()) {
        errors.push_back(std::move(r));
      } else if (r.IsProgress()) {
        progress.push_back(r.revision);
      } else {
        for (auto& e : r.events) events.push_back(std::move(e));
      }
    };
  }
  size_t EventCount() {
    std::lock_guard lock(mu);
    return events.size();
  }
  size_t ErrorCount() {
    std::lock_guard lock(mu);
    return errors.size();
  }
  bool ProgressAtLeast(Revision r) {
    std::lock_guard lock(mu);
    for (Revision p : progress) {
      if (p >= r) return true;
    }
    return false;
  }
};

class EtcdStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    etcd_ = new EtcdProcess();
    Status st = etcd_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  static void TearDownTestSuite() {
    delete etcd_;
    etcd_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(etcd_, nullptr);
    store_ = Open({etcd_->endpoint()});
    ASSERT_NE(store_, nullptr);
    prefix_ =
        std::string("/") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "/";
  }

  static EtcdProcess* etcd_;
  std::unique_ptr<Store> store_;
  std::string prefix_;
};

EtcdProcess* EtcdStoreTest::etcd_ = nullptr;

TEST(EtcdOptionsTest, RejectsBadEndpointsAndMissingTlsFiles) {
  EtcdOptions none;
  EXPECT_EQ(OpenEtcdStore(none).status().code(), Code::kInvalidArgument);

  for (std::string bad : {"localhost", "unix:///tmp/sock", "http://h:port", "h:1/x", ":2379"}) {
    EtcdOptions o;
    o.endpoints = {bad};
    EXPECT_EQ(OpenEtcdStore(o).status().code(), Code::kInvalidArgument) << bad;
  }

  EtcdOptions ca;
  ca.endpoints = {"127.0.0.1:2379"};
  ca.ca_file = "/nonexistent/ca.pem";
  auto result = OpenEtcdStore(ca);
  ASSERT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_NE(result.status().message().find("/nonexistent/ca.pem"), std::string::npos)
      << result.status().message();

  TempDir dir;
  std::string ca_path = dir.path() + "/ca.pem";
  std::ofstream(ca_path) << "-----BEGIN CERTIFICATE-----\n";
  EtcdOptions half;
  half.endpoints = {"https://127.0.0.1:2379"};
  half.ca_file = ca_path;
  half.cert_file = dir.path() + "/client.pem";  // no key_file
  EXPECT_EQ(OpenEtcdStore(half).status().code(), Code::kInvalidArgument);

  EtcdOptions missing_key = half;
  std::ofstream(half.cert_file) << "x";
  missing_key.key_file = dir.path() + "/missing-key.pem";
  result = OpenEtcdStore(missing_key);
  ASSERT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_NE(result.status().message().find("missing-key.pem"), std::string::npos);

  EtcdOptions mixed;
  mixed.endpoints = {"https://127.0.0.1:2379", "http://127.0.0.1:2380"};
  EXPECT_EQ(OpenEtcdStore(mixed).status().code(), Code::kInvalidArgument);

  EtcdOptions plain_with_cert;
  plain_with_cert.endpoints = {"127.0.0.1:2379"};
  plain_with_cert.cert_file = half.cert_file;
  plain_with_cert.key_file = half.cert_file;
  EXPECT_EQ(OpenEtcdStore(plain_with_cert).status().code(), Code::kInvalidArgument);
}

// A TLS etcd that requires client certificates: the store works with the CA and a client
// key pair, and cannot reach it without a client certificate or over plain http.
TEST(EtcdTlsTest, ConnectsWithCaAndClientCertificate) {
  EtcdProcess::Options tls;
  tls.tls = true;
  EtcdProcess etcd(tls);
  Status started = etcd.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();

  EtcdOptions options;
  options.endpoints = {"https://" + etcd.endpoint()};
  options.ca_file = etcd.ca_file();
  options.cert_file = etcd.client_cert_file();
  options.key_file = etcd.client_key_file();
  auto store = OpenEtcdStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto put = (*store)->Put("/tls/k", "v");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  Recorder recorder;
  auto watch =
      (*store)->StartWatch({KeyRange::Prefix("/tls/"), put->mod_revision}, recorder.Callback());
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  EXPECT_TRUE(WaitFor([&] { return recorder.EventCount() == 1u; }));

  EtcdOptions no_client_cert = options;
  no_client_cert.endpoints = {etcd.endpoint()};  // TLS because ca_file is set
  no_client_cert.cert_file.clear();
  no_client_cert.key_file.clear();
  no_client_cert.dial_timeout = std::chrono::milliseconds(500);
  auto anonymous = OpenEtcdStore(no_client_cert);
  ASSERT_TRUE(anonymous.ok());
  EXPECT_FALSE((*anonymous)->Get("/tls/k").ok());

  EtcdOptions plain;
  plain.endpoints = {etcd.endpoint()};
  plain.dial_timeout = std::chrono::milliseconds(500);
  auto insecure = OpenEtcdStore(plain);
  ASSERT_TRUE(insecure.ok());
  EXPECT_EQ((*insecure)->Get("/tls/k").status().code(), Code::kUnavailable);
}

std::string FileContents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The TLS material can be given as PEM contents instead of files; contents win over files.
TEST(EtcdTlsTest, ConnectsWithPemContents) {
  EtcdProcess::Options tls;
  tls.tls = true;
  EtcdProcess etcd(tls);
  Status started = etcd.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();

  EtcdOptions options;
  options.endpoints = {"https://" + etcd.endpoint()};
  options.ca_pem = FileContents(etcd.ca_file());
  options.cert_pem = FileContents(etcd.client_cert_file());
  options.key_pem = FileContents(etcd.client_key_file());
  options.ca_file = "/nonexistent/ca.pem";  // not read: the contents are given
  auto store = OpenEtcdStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto put = (*store)->Put("/pem/k", "v");
  ASSERT_TRUE(put.ok()) << put.status().ToString();

  EtcdOptions cert_without_key = options;
  cert_without_key.key_pem.clear();
  EXPECT_EQ(OpenEtcdStore(cert_without_key).status().code(), Code::kInvalidArgument);

  EtcdOptions wrong_ca = options;
  wrong_ca.ca_pem = wrong_ca.cert_pem;  // a client certificate is no CA of the server
  wrong_ca.dial_timeout = std::chrono::milliseconds(500);
  auto untrusted = OpenEtcdStore(wrong_ca);
  ASSERT_TRUE(untrusted.ok());
  auto got = (*untrusted)->Get("/pem/k");
  ASSERT_FALSE(got.ok());
  // Why the etcd cannot be reached is said precisely, not only gRPC's "unavailable".
  EXPECT_NE(got.status().message().find("the etcd's certificate is not trusted"), std::string::npos)
      << got.status().message();

  EtcdOptions no_client_cert = options;
  no_client_cert.cert_pem.clear();
  no_client_cert.key_pem.clear();
  no_client_cert.dial_timeout = std::chrono::milliseconds(500);
  auto anonymous = OpenEtcdStore(no_client_cert);
  ASSERT_TRUE(anonymous.ok());
  got = (*anonymous)->Get("/pem/k");
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("the etcd rejected the client certificate"), std::string::npos)
      << got.status().message();
}

TEST(EtcdUnreachableTest, RequestsFailUnavailable) {
  auto store = Open({"127.0.0.1:" + std::to_string(FreePort())}, std::chrono::milliseconds(300));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Put("/k", "v").status().code(), Code::kUnavailable);
  EXPECT_EQ(store->Get("/k").status().code(), Code::kUnavailable);
  EXPECT_EQ(store->StartWatch({KeyRange::Key("/k")}, [](WatchResponse) {}).status().code(),
            Code::kUnavailable);
}

TEST_F(EtcdStoreTest, AcceptsEndpointSchemes) {
  auto store = Open({"http://" + etcd_->endpoint() + "/"});
  ASSERT_NE(store, nullptr);
  auto put = store->Put(prefix_ + "a", "1");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto got = store_->Get(prefix_ + "a");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->kv.has_value());
  EXPECT_EQ(got->kv->value, "1");
  EXPECT_EQ(got->kv->mod_revision, put->mod_revision);
}

TEST_F(EtcdStoreTest, FailsOverFromADeadEndpoint) {
  // The first endpoint refuses connections; requests and watches use the second.
  auto store = Open({"127.0.0.1:" + std::to_string(FreePort()), etcd_->endpoint()});
  ASSERT_NE(store, nullptr);
  Recorder recorder;
  auto watch = store->StartWatch({KeyRange::Prefix(prefix_)}, recorder.Callback());
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  for (int i = 0; i < 5; ++i) {
    auto put = store->Put(prefix_ + std::to_string(i), "v");
    ASSERT_TRUE(put.ok()) << put.status().ToString();
  }
  EXPECT_TRUE(WaitFor([&] { return recorder.EventCount() == 5; }));
}

TEST_F(EtcdStoreTest, ListPagesWithMoreAndRemaining) {
  for (char c = 'a'; c <= 'e'; ++c) ASSERT_TRUE(store_->Put(prefix_ + c, "v").ok());
  ListOptions options;
  options.range = KeyRange::Prefix(prefix_);
  options.limit = 2;
  auto page = store_->List(options);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->kvs.size(), 2u);
  EXPECT_TRUE(page->more);
  EXPECT_EQ(page->remaining, 3);
  options.start_after = page->kvs.back().key;
  options.revision = page->revision;
  options.keys_only = true;
  ASSERT_TRUE(store_->Put(prefix_ + "f", "later").ok());  // not visible at the pinned revision
  auto next = store_->List(options);
  ASSERT_TRUE(next.ok());
  ASSERT_EQ(next->kvs.size(), 2u);
  EXPECT_EQ(next->kvs[0].key, prefix_ + "c");
  EXPECT_TRUE(next->kvs[0].value.empty());
  EXPECT_GT(next->kvs[0].mod_revision, 0);
  EXPECT_EQ(next->remaining, 1);
  options.start_after = next->kvs.back().key;
  auto last = store_->List(options);
  ASSERT_TRUE(last.ok());
  ASSERT_EQ(last->kvs.size(), 1u);
  EXPECT_FALSE(last->more);
  EXPECT_EQ(last->remaining, 0);
}

TEST_F(EtcdStoreTest, LargeValuesFitAndOversizedOnesAreTooLarge) {
  std::string big(1536 * 1024, 'x');
  auto put = store_->Put(prefix_ + "big", big);
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  auto got = store_->Get(prefix_ + "big");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->kv.has_value());
  EXPECT_EQ(got->kv->value.size(), big.size());
  auto huge = store_->Put(prefix_ + "huge", std::string(6 << 20, 'y'));
  EXPECT_EQ(huge.status().code(), Code::kTooLarge) << huge.status().ToString();
}

TEST_F(EtcdStoreTest, RevisionErrorsMapToGoneAndFuture) {
  auto first = store_->Put(prefix_ + "k", "1");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->Put(prefix_ + "k", "2").ok());
  auto third = store_->Put(prefix_ + "k", "3");
  ASSERT_TRUE(third.ok());
  Revision compact_to = third->mod_revision - 1;
  ASSERT_TRUE(store_->Compact(compact_to).ok());

  auto compacted = store_->CompactedRevision();
  ASSERT_TRUE(compacted.ok()) << compacted.status().ToString();
  EXPECT_EQ(*compacted, compact_to);
  EXPECT_EQ(store_->Get(prefix_ + "k", first->mod_revision).status().code(), Code::kGone);
  auto at = store_->Get(prefix_ + "k", compact_to);
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->kv->value, "2");
  EXPECT_EQ(store_->Get(prefix_ + "k", third->mod_revision + 1000).status().code(),
            Code::kFutureRevision);
  EXPECT_EQ(store_->Compact(compact_to - 1).code(), Code::kGone);

  // A watch starting at or below the compacted revision is Gone, one after it is not.
  for (Revision start : {first->mod_revision, compact_to}) {
    auto watch = store_->StartWatch({KeyRange::Key(prefix_ + "k"), start}, [](WatchResponse) {});
    EXPECT_EQ(watch.status().code(), Code::kGone) << start;
  }
  Recorder recorder;
  auto watch =
      store_->StartWatch({KeyRange::Key(prefix_ + "k"), compact_to + 1}, recorder.Callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() == 1; }));
  EXPECT_EQ(recorder.events[0].kv.value, "3");
  ASSERT_TRUE(recorder.events[0].prev_kv.has_value());
  EXPECT_EQ(recorder.events[0].prev_kv->value, "2");
}

TEST_F(EtcdStoreTest, LeasesGrantKeepAliveRevoke) {
  auto lease = store_->GrantLease(std::chrono::seconds(60));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  auto put = store_->Put(prefix_ + "leased", "v", *lease);
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->lease, *lease);
  EXPECT_TRUE(store_->KeepAlive(*lease).ok());
  Recorder recorder;
  auto watch = store_->StartWatch({KeyRange::Key(prefix_ + "leased")}, recorder.Callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(store_->RevokeLease(*lease).ok());
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() == 1; }));
  EXPECT_EQ(recorder.events[0].type, Event::Type::kDelete);
  EXPECT_FALSE(store_->Get(prefix_ + "leased")->kv.has_value());
  EXPECT_EQ(store_->KeepAlive(*lease).code(), Code::kNotFound);
  EXPECT_EQ(store_->RevokeLease(*lease).code(), Code::kNotFound);
  EXPECT_EQ(store_->Put(prefix_ + "x", "v", *lease).status().code(), Code::kNotFound);
}

TEST_F(EtcdStoreTest, ProgressOnRequestAndOnInterval) {
  Recorder requested;
  auto watch = store_->StartWatch({KeyRange::Prefix(prefix_ + "quiet/")}, requested.Callback());
  ASSERT_TRUE(watch.ok());
  auto put = store_->Put(prefix_ + "elsewhere", "v");
  ASSERT_TRUE(put.ok());
  (*watch)->RequestProgress();
  EXPECT_TRUE(WaitFor([&] { return requested.ProgressAtLeast(put->mod_revision); }));
  EXPECT_EQ(requested.EventCount(), 0u);

  Recorder timed;
  WatchOptions options{KeyRange::Prefix(prefix_ + "quiet/")};
  options.progress_interval = std::chrono::milliseconds(100);
  auto ticking = store_->StartWatch(options, timed.Callback());
  ASSERT_TRUE(ticking.ok());
  auto later = store_->Put(prefix_ + "elsewhere", "w");
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(WaitFor([&] { return timed.ProgressAtLeast(later->mod_revision); }));
}

TEST_F(EtcdStoreTest, ManyWatchesShareOneStream) {
  constexpr int kWatches = 50;
  std::vector<std::unique_ptr<Recorder>> recorders;
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < kWatches; ++i) {
    recorders.push_back(std::make_unique<Recorder>());
    auto w = store_->StartWatch({KeyRange::Prefix(prefix_ + std::to_string(i) + "/")},
                                recorders.back()->Callback());
    ASSERT_TRUE(w.ok());
    watches.push_back(std::move(*w));
  }
  for (int i = 0; i < kWatches; ++i) {
    ASSERT_TRUE(store_->Put(prefix_ + std::to_string(i) + "/k", "v").ok());
  }
  for (int i = 0; i < kWatches; ++i) {
    EXPECT_TRUE(WaitFor([&] { return recorders[i]->EventCount() == 1; })) << i;
  }
  // A cancelled watch gets nothing more.
  watches[0]->Cancel();
  ASSERT_TRUE(store_->Put(prefix_ + "0/k", "again").ok());
  ASSERT_TRUE(store_->Put(prefix_ + "1/k", "again").ok());
  EXPECT_TRUE(WaitFor([&] { return recorders[1]->EventCount() == 2; }));
  EXPECT_EQ(recorders[0]->EventCount(), 1u);
}

// A watch survives etcd restarting and crashing: it resumes after the last delivered
// revision, so the callback sees every write exactly once and in order.
TEST(EtcdRestartTest, WatchResumesWithoutGapsOrDuplicates) {
  EtcdProcess etcd;
  ASSERT_TRUE(etcd.Start().ok());
  auto store = Open({etcd.endpoint()}, std::chrono::seconds(1));
  ASSERT_NE(store, nullptr);
  Recorder recorder;
  auto watch = store->StartWatch({KeyRange::Prefix("/r/")}, recorder.Callback());
  ASSERT_TRUE(watch.ok());

  int written = 0;
  auto write = [&](int n) {
    for (int i = 0; i < n; ++i, ++written) {
      auto put = store->Put("/r/" + std::to_string(written % 7), std::to_string(written));
      ASSERT_TRUE(put.ok()) << put.status().ToString();
    }
  };
  write(20);
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() == 20u; }));
  ASSERT_TRUE(etcd.Stop().ok());
  EXPECT_EQ(store->Get("/r/0").status().code(), Code::kUnavailable);
  ASSERT_TRUE(etcd.Start().ok());
  write(20);
  etcd.Kill();
  ASSERT_TRUE(etcd.Start().ok());
  write(20);
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() >= 60u; }));
  ASSERT_TRUE(store->Put("/r/end", "end").ok());
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() >= 61u; }));

  std::lock_guard lock(recorder.mu);
  ASSERT_EQ(recorder.events.size(), 61u);
  for (int i = 0; i < 60; ++i) {
    EXPECT_EQ(recorder.events[i].kv.value, std::to_string(i));
    if (i > 0) {
      EXPECT_GT(recorder.events[i].kv.mod_revision, recorder.events[i - 1].kv.mod_revision);
    }
  }
  EXPECT_TRUE(recorder.errors.empty());
}

// History compacted while a watch is cut off past its resume point ends the watch with
// Gone, carrying the compacted revision.
TEST_F(EtcdStoreTest, ResumeIntoCompactedHistoryEndsWithGone) {
  TcpProxy proxy(etcd_->client_port());
  auto watcher_store = Open({proxy.endpoint()});
  ASSERT_NE(watcher_store, nullptr);
  Recorder recorder;
  auto watch = watcher_store->StartWatch({KeyRange::Prefix(prefix_)}, recorder.Callback());
  ASSERT_TRUE(watch.ok());
  ASSERT_TRUE(store_->Put(prefix_ + "a", "0").ok());
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() == 1u; }));

  proxy.Break();
  Revision last = 0;
  for (int i = 1; i <= 3; ++i) last = store_->Put(prefix_ + "a", std::to_string(i))->mod_revision;
  ASSERT_TRUE(store_->Compact(last).ok());
  proxy.Restore();

  ASSERT_TRUE(WaitFor([&] { return recorder.ErrorCount() == 1u; }));
  std::lock_guard lock(recorder.mu);
  EXPECT_EQ(recorder.errors[0].error.code(), Code::kGone) << recorder.errors[0].error.ToString();
  EXPECT_EQ(recorder.errors[0].compact_revision, last);
  EXPECT_EQ(recorder.events.size(), 1u);
}

// When the endpoint a watch streams from is cut off, the stream moves to the next endpoint
// and the callback sees every write exactly once, in order.
TEST_F(EtcdStoreTest, WatchFailsOverToTheNextEndpoint) {
  TcpProxy first(etcd_->client_port());
  TcpProxy second(etcd_->client_port());
  auto watcher_store = Open({first.endpoint(), second.endpoint()});
  ASSERT_NE(watcher_store, nullptr);
  Recorder recorder;
  auto watch = watcher_store->StartWatch({KeyRange::Prefix(prefix_)}, recorder.Callback());
  ASSERT_TRUE(watch.ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store_->Put(prefix_ + "k", std::to_string(i)).ok());
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() == 10u; }));
  first.Break();
  for (int i = 10; i < 20; ++i) ASSERT_TRUE(store_->Put(prefix_ + "k", std::to_string(i)).ok());
  // Requests through the watcher's store fail over too.
  auto put = watcher_store->Put(prefix_ + "k", "20");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return recorder.EventCount() >= 21u; }));
  std::lock_guard lock(recorder.mu);
  ASSERT_EQ(recorder.events.size(), 21u);
  for (int i = 0; i < 21; ++i) EXPECT_EQ(recorder.events[i].kv.value, std::to_string(i));
  EXPECT_TRUE(recorder.errors.empty());
}

// A watch that starts in the past and sees no event is not known to be caught up until
// etcd's per-watch notification says so; then requested progress reaches it.
TEST(EtcdProgressTest, CatchingUpWatchGetsProgressOnceEtcdConfirmsIt) {
  EtcdProcess::Options options;
  options.progress_notify_interval = std::chrono::milliseconds(300);
  EtcdProcess etcd(options);
  ASSERT_TRUE(etcd.Start().ok());
  auto store = Open({etcd.endpoint()});
  ASSERT_NE(store, nullptr);
  auto first = store->Put("/elsewhere", "1");
  ASSERT_TRUE(first.ok());
  auto head = store->Put("/elsewhere", "2");
  ASSERT_TRUE(head.ok());
  Recorder recorder;
  auto watch =
      store->StartWatch({KeyRange::Prefix("/quiet/"), first->mod_revision}, recorder.Callback());
  ASSERT_TRUE(watch.ok());
  (*watch)->RequestProgress();
  EXPECT_TRUE(WaitFor([&] { return recorder.ProgressAtLeast(head->mod_revision); }));
  EXPECT_EQ(recorder.EventCount(), 0u);
}

TEST_F(EtcdStoreTest, RawPutGoesThroughTheSameClient) {
  EtcdOptions options;
  options.endpoints = {etcd_->endpoint()};
  auto raw = OpenEtcdRawClient(options);
  ASSERT_TRUE(raw.ok());
  auto rev = (*raw)->Put(prefix_ + "raw", "v");
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  auto got = store_->Get(prefix_ + "raw");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->kv.has_value());
  EXPECT_EQ(got->kv->mod_revision, *rev);
}

}  // namespace
}  // namespace carrier::storage
