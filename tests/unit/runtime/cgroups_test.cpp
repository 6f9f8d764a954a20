#include <boost/test/unit_test.hpp>

#include "runtime/cgroups.hpp"

using namespace roost::runtime;

BOOST_AUTO_TEST_SUITE(cgroups)

// A hybrid host as Debian with systemd's "hybrid" setting has it: v1
// controllers (cpu and cpuacct co-mounted) plus a cgroup2 mount without any.
const char* kHybrid =
    "31 23 0:28 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/unified rw,nosuid shared:5 - cgroup2 cgroup2 rw,nsdelegate\n"
    "33 31 0:30 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
    "34 31 0:31 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "36 31 0:33 / /sys/fs/cgroup/freezer rw - cgroup cgroup rw,freezer\n"
    "37 31 0:34 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
    "38 31 0:35 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n"
    "39 23 0:36 / /proc rw - proc proc rw\n";

BOOST_AUTO_TEST_CASE(hybrid_hosts_use_their_v1_controllers) {
  auto m = parse_cgroup_mounts(kHybrid, "");
  BOOST_TEST(static_cast<int>(m.layout) == static_cast<int>(CgroupLayout::v1));
  BOOST_TEST(m.v2 == "/sys/fs/cgroup/unified");
  BOOST_TEST(!m.v2_has_controllers);
  BOOST_TEST(m.v1.at("cpu") == "/sys/fs/cgroup/cpu,cpuacct");
  BOOST_TEST(m.v1.at("cpuacct") == "/sys/fs/cgroup/cpu,cpuacct");
  BOOST_TEST(m.v1.at("freezer") == "/sys/fs/cgroup/freezer");
  BOOST_TEST(m.v1.count("devices") == 0u);  // not one roost uses
  BOOST_TEST(m.v1.count("name=systemd") == 0u);
}

BOOST_AUTO_TEST_CASE(unified_hosts_are_v2_and_none_without_cgroups) {
  auto m = parse_cgroup_mounts("30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n", "cpu io memory pids\n");
  BOOST_TEST(static_cast<int>(m.layout) == static_cast<int>(CgroupLayout::v2));
  BOOST_TEST(m.v2 == "/sys/fs/cgroup");
  BOOST_TEST(m.v2_has_controllers);
  BOOST_TEST(m.v1.empty());
  auto none = parse_cgroup_mounts("39 23 0:36 / /proc rw - proc proc rw\n", "");
  BOOST_TEST(static_cast<int>(none.layout) == static_cast<int>(CgroupLayout::none));
}

BOOST_AUTO_TEST_CASE(own_v2_cgroup_is_the_0_line) {
  BOOST_TEST(own_v2_cgroup("12:pids:/x\n0::/user.slice/user-1000.slice/session-2.scope\n") ==
             "/user.slice/user-1000.slice/session-2.scope");
  BOOST_TEST(own_v2_cgroup("4:memory:/\n") == "");
}

BOOST_AUTO_TEST_CASE(memory_files) {
  BOOST_TEST(inactive_file("cache 100\ntotal_cache 300\ntotal_inactive_file 4096\ninactive_file 12\n") == 4096u);
  BOOST_TEST(inactive_file("anon 10\nfile 20\ninactive_file 8192\nactive_file 3\n") == 8192u);
  BOOST_TEST(!memory_limit("max\n"));
  BOOST_TEST(!memory_limit("9223372036854771712\n"));  // v1's unlimited
  BOOST_TEST(*memory_limit("268435456\n") == 268435456u);
}

BOOST_AUTO_TEST_CASE(block_io_and_cpu) {
  auto v1 = block_io_v1("8:0 Read 4096\n8:0 Write 512\n8:0 Sync 0\n8:16 Read 1000\n8:16 Write 0\nTotal 5608\n");
  BOOST_TEST(v1.first == 5096u);
  BOOST_TEST(v1.second == 512u);
  auto v2 = block_io_v2("8:0 rbytes=4096 wbytes=100 rios=1 wios=1 dbytes=0 dios=0\n254:0 rbytes=4 wbytes=0\n");
  BOOST_TEST(v2.first == 4100u);
  BOOST_TEST(v2.second == 100u);
  BOOST_TEST(cpu_usage_v2("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n") == 1500000u);
}

BOOST_AUTO_TEST_CASE(net_dev_sums_all_but_loopback) {
  const char* text =
      "Inter-|   Receive                                                |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
      "    lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n"
      "  tap0:     516       6    0    0    0     0          0         0     1130      12    0    0    0     0       0          0\n";
  auto [rx, tx] = net_dev_bytes(text);
  BOOST_TEST(rx == 516u);
  BOOST_TEST(tx == 1130u);
}

BOOST_AUTO_TEST_CASE(enabled_v1_controllers_skip_unmounted_and_disabled) {
  const char* text =
      "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
      "cpuset\t3\t6\t1\n"
      "cpu\t1\t7\t1\n"
      "rdma\t0\t1\t1\n"
      "memory\t5\t90\t0\n"
      "pids\t7\t80\t1\n";
  auto got = enabled_v1_controllers(text);
  BOOST_TEST((got == std::vector<std::string>{"cpuset", "cpu", "pids"}));
  BOOST_TEST(enabled_v1_controllers("").empty());
}

BOOST_AUTO_TEST_SUITE_END()
