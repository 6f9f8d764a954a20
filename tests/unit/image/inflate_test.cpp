#include <zlib.h>

#include <boost/test/unit_test.hpp>
#include <string>

#include "image/inflate.hpp"

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
  GzipStream g([&](const char* d, size_t n) -> roost::Result<void> {
    out.append(d, n);
    return {};
  });
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

BOOST_AUTO_TEST_CASE(engine_is_named) {
  std::string e = GzipStream::engine();
  BOOST_TEST((e == "isa-l" || e == "zlib"));
}

BOOST_AUTO_TEST_SUITE_END()
