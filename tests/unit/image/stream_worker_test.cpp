#include <boost/test/unit_test.hpp>

#include <atomic>
#include <string>

#include "image/stream_worker.hpp"

using namespace roost::image;

BOOST_AUTO_TEST_SUITE(stream_worker)

BOOST_AUTO_TEST_CASE(consumes_every_byte_in_order_before_drain_returns) {
  std::string seen;
  StreamWorker w([&](const char* d, size_t n) { seen.append(d, n); }, 64);
  std::string sent;
  for (int i = 0; i < 1000; ++i) {
    std::string piece = std::to_string(i) + ",";
    sent += piece;
    w.push(piece.data(), piece.size());  // blocks now and then: at most 64 bytes wait
  }
  w.drain();
  BOOST_TEST(seen == sent);
  w.push("end", 3);
  w.drain();
  BOOST_TEST(seen == sent + "end");
}

BOOST_AUTO_TEST_CASE(drain_without_any_push_returns) {
  StreamWorker w([](const char*, size_t) {});
  w.drain();
}

BOOST_AUTO_TEST_CASE(destroying_with_bytes_pending_stops_the_thread) {
  std::atomic<size_t> consumed = 0;
  {
    StreamWorker w([&](const char*, size_t n) { consumed += n; });
    for (int i = 0; i < 100; ++i) w.push("0123456789", 10);
  }
  BOOST_TEST(consumed.load() <= 1000u);
}

BOOST_AUTO_TEST_SUITE_END()
