#define BOOST_TEST_MODULE roost unit tests
#include <boost/test/unit_test.hpp>
