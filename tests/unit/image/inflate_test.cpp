#include <signal.h>
#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <string>
#include <thread>
#include <vector>

#include "image/inflate.hpp"
#include "storage/layer_ring.hpp"

using namespace roost::image;

namespace {

std::string gzip(const std::string& in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Feeds COMPRESSED in pieces of STEP bytes; returns the output or the error.
std::string inflate_all(const std::string& compressed, size_t step, bool* ok) {
  std::string out;
  std::vector<char> buf(1 << 16);
  GzipStream g(GzipStream::Output{[&]() -> roost::Result<std::span<char>> { return std::span<char>(buf); },
                                  [&](size_t n) -> roost::Result<void> {
                                    out.append(buf.data(), n);
                                    return {};
                                  }});
  *ok = true;
  for (size_t i = 0; i < compressed.size(); i += step) {
    if (!g.feed(compressed.data() + i, std::min(step, compressed.size() - i))) {
      *ok = false;
      return out;
    }
  }
  *ok = g.finish().ok();
  return out;
}

std::string sample() {
  std::string s;
  uint32_t x = 12345;
  for (int i = 0; i < 3 << 20; ++i) {
    x = x * 1103515245 + 12345;
    // Half compressible text, half noise.
    s.push_back(i % 2 ? static_cast<char>('a' + i % 7) : static_cast<char>(x >> 24));
  }
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gzip_stream)

BOOST_AUTO_TEST_CASE(any_split_gives_the_original) {
  std::string data = sample();
  std::string gz = gzip(data);
  for (size_t step : {size_t(1) << 20, size_t(4096), size_t(7)}) {
    if (step == 7 && gz.size() > (1 << 20)) gz = gzip(data.substr(0, 100000)), data = data.substr(0, 100000);
    bool ok = false;
    BOOST_TEST_INFO("step " << step);
    BOOST_TEST((inflate_all(gz, step, &ok) == data));
    BOOST_TEST(ok);
  }
}

BOOST_AUTO_TEST_CASE(concatenated_members_are_one_stream) {
  bool ok = false;
  BOOST_TEST(inflate_all(gzip("hello ") + gzip("world"), 5, &ok) == "hello world");
  BOOST_TEST(ok);
}

BOOST_AUTO_TEST_CASE(truncated_and_corrupt_input_fail) {
  std::string gz = gzip(sample().substr(0, 200000));
  bool ok = true;
  inflate_all(gz.substr(0, gz.size() / 2), 4096, &ok);
  BOOST_TEST(!ok, "truncated");
  ok = true;
  inflate_all("this is not gzip at all", 4096, &ok);
  BOOST_TEST(!ok, "not gzip");
  ok = true;
  inflate_all("", 4096, &ok);
  BOOST_TEST(!ok, "empty");
}

// Inflating in place: rooms of any size (down to one byte, as the end of a
// ring slot may leave) give the same bytes, with nothing written past them.
BOOST_AUTO_TEST_CASE(in_place_output_of_any_room_size) {
  std::string data = sample().substr(0, 300000);
  std::string gz = gzip(data) + gzip("tail");
  data += "tail";
  for (size_t room : {size_t{1}, size_t{3}, size_t{4096}, size_t{1} << 20}) {
    BOOST_TEST_CONTEXT("room " << room) {
      std::string out(data.size() + 64, '#');
      size_t at = 0;
      GzipStream g(GzipStream::Output{
          [&]() -> roost::Result<std::span<char>> {
            return std::span<char>(out.data() + at, std::min(room, out.size() - at));
          },
          [&](size_t n) -> roost::Result<void> {
            BOOST_REQUIRE(n <= room);
            at += n;
            return {};
          }});
      for (size_t i = 0; i < gz.size(); i += 5000) BOOST_REQUIRE(g.feed(gz.data() + i, std::min<size_t>(5000, gz.size() - i)).ok());
      BOOST_TEST(g.finish().ok());
      BOOST_TEST(at == data.size());
      BOOST_TEST((out.substr(0, at) == data));
      BOOST_TEST((out.substr(at) == std::string(64, '#')));
    }
  }
}

// What the puller does: inflate into the slots of a layer ring, which a
// reader sees posted in order; an error of the output stops the inflater.
BOOST_AUTO_TEST_CASE(inflates_into_a_layer_ring) {
  using roost::storage::LayerRing;
  std::string data = sample();
  std::string gz = gzip(data);
  auto ring = LayerRing::create();
  BOOST_REQUIRE(ring.ok());
  LayerRing& r = **ring;
  std::string got;
  bool read_ok = true;
  std::thread reader([&] {
    for (;;) {
      auto slot = r.next();
      if (!slot || slot->empty()) {
        read_ok = slot.ok();
        return;
      }
      got.append(slot->data(), slot->size());
      r.release();
    }
  });
  GzipStream g(GzipStream::Output{[&] { return r.room(); }, [&](size_t n) { return r.filled(n); }});
  for (size_t i = 0; i < gz.size(); i += 100000) BOOST_REQUIRE(g.feed(gz.data() + i, std::min<size_t>(100000, gz.size() - i)).ok());
  BOOST_TEST(g.finish().ok());
  BOOST_TEST(r.close().ok());
  reader.join();
  BOOST_TEST(read_ok);
  BOOST_TEST((got == data));

  // A reader gone: the inflater's output fails as the ring's writes do (with
  // EPIPE, as in the puller, which ignores SIGPIPE).
  auto old_sigpipe = signal(SIGPIPE, SIG_IGN);
  auto gone = LayerRing::create();
  BOOST_REQUIRE(gone.ok());
  (*gone)->close_consumer_ends();
  GzipStream g2(GzipStream::Output{[&] { return (*gone)->room(); }, [&](size_t n) { return (*gone)->filled(n); }});
  roost::Result<void> fed;
  for (size_t i = 0; i < gz.size() && fed.ok(); i += 100000) fed = g2.feed(gz.data() + i, std::min<size_t>(100000, gz.size() - i));
  signal(SIGPIPE, old_sigpipe);
  BOOST_REQUIRE(!fed.ok());
  BOOST_TEST(fed.error().message() == "layer helper stopped reading");
}

BOOST_AUTO_TEST_CASE(engine_is_named) {
  std::string e = GzipStream::engine();
  BOOST_TEST((e == "isa-l" || e == "zlib"));
}

BOOST_AUTO_TEST_SUITE_END()
