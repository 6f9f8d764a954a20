#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ctime>

#include "image/http.hpp"

using namespace roost::image;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(retry)

BOOST_AUTO_TEST_CASE(backoff_doubles_up_to_the_cap) {
  RetryPolicy p;
  p.first_delay = milliseconds(500);
  p.max_delay = milliseconds(3000);
  BOOST_TEST(retry_delay(p, 1, nullptr).count() == 500);
  BOOST_TEST(retry_delay(p, 2, nullptr).count() == 1000);
  BOOST_TEST(retry_delay(p, 3, nullptr).count() == 2000);
  BOOST_TEST(retry_delay(p, 4, nullptr).count() == 3000);
  BOOST_TEST(retry_delay(p, 60, nullptr).count() == 3000);
}

BOOST_AUTO_TEST_CASE(retry_after_seconds_and_dates) {
  RetryPolicy p;
  HttpResponse r;
  r.headers["retry-after"] = "2";
  BOOST_TEST(retry_delay(p, 1, &r).count() == 2000);
  r.headers["retry-after"] = "3600";
  BOOST_TEST(retry_delay(p, 1, &r).count() == p.max_delay.count());
  r.headers["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT";  // in the past: at once
  BOOST_TEST(retry_delay(p, 1, &r).count() == 0);
  std::time_t later = std::time(nullptr) + 5;
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&later));
  r.headers["retry-after"] = buf;
  BOOST_TEST(retry_delay(p, 1, &r).count() > 3000);
  BOOST_TEST(retry_delay(p, 1, &r).count() <= 5000);
  r.headers["retry-after"] = "soon";  // unreadable: the usual backoff
  BOOST_TEST(retry_delay(p, 2, &r).count() == 1000);
}

BOOST_AUTO_TEST_CASE(what_is_transient) {
  BOOST_TEST(transient_status(503));
  BOOST_TEST(transient_status(500));
  BOOST_TEST(transient_status(429));
  BOOST_TEST(!transient_status(401));
  BOOST_TEST(!transient_status(404));
  BOOST_TEST(!transient_status(200));
  BOOST_TEST(transient_curl_error(CURLE_RECV_ERROR, false));
  BOOST_TEST(transient_curl_error(CURLE_GOT_NOTHING, false));
  BOOST_TEST(transient_curl_error(CURLE_COULDNT_CONNECT, true));
  BOOST_TEST(!transient_curl_error(CURLE_COULDNT_CONNECT, false));
  BOOST_TEST(!transient_curl_error(CURLE_COULDNT_RESOLVE_HOST, true));
  BOOST_TEST(!transient_curl_error(CURLE_PEER_FAILED_VERIFICATION, true));
}

BOOST_AUTO_TEST_SUITE_END()
