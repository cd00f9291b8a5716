// The Prometheus text exposition of counters, histograms and gauges.
#include "base/metrics.h"

#include <gtest/gtest.h>

namespace carrier::metrics {
namespace {

TEST(Metrics, RendersTheTextFormat) {
  Registry r;
  r.CounterOf("things_total", "Things done.", "name", "a\"b")->Add(3);
  EXPECT_EQ(r.CounterOf("things_total", "ignored", "name", "a\"b")->value(), 3u);
  Histogram* h = r.HistogramOf("wait_seconds", "Waits.", {0.1, 1}, "name", "q");
  h->Observe(0.05);
  h->Observe(0.5);
  h->Observe(7);
  r.Gauge("depth", "Queue depth.", [] { return 4.0; }, "name", "q");
  EXPECT_EQ(r.Render(),
            "# HELP depth Queue depth.\n# TYPE depth gauge\ndepth{name=\"q\"} 4\n"
            "# HELP things_total Things done.\n# TYPE things_total counter\n"
            "things_total{name=\"a\\\"b\"} 3\n"
            "# HELP wait_seconds Waits.\n# TYPE wait_seconds histogram\n"
            "wait_seconds_bucket{name=\"q\",le=\"0.1\"} 1\n"
            "wait_seconds_bucket{name=\"q\",le=\"1\"} 2\n"
            "wait_seconds_bucket{name=\"q\",le=\"+Inf\"} 3\n"
            "wait_seconds_sum{name=\"q\"} 7.55\n"
            "wait_seconds_count{name=\"q\"} 3\n");
}

TEST(Metrics, ExponentialBuckets) {
  auto b = ExponentialBuckets(1e-3, 10, 4);
  ASSERT_EQ(b.size(), 4u);
  EXPECT_DOUBLE_EQ(b[0], 1e-3);
  EXPECT_DOUBLE_EQ(b[3], 1);
}

}  // namespace
}  // namespace carrier::metrics
