// End-to-end: what deletion leaves behind (nothing), and bad input: each
// rejected with the right error, leaving state and traffic unchanged.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "errors.h"
#include "helloworld.h"
#include "polycube/runtime.h"
#include "simplebridge.h"
#include "testnet.h"

using namespace polycube;
using namespace polycube::services;
using namespace pcntest;
namespace fs = std::filesystem;

namespace {

bool prog_alive(uint32_t id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return false;
  close(fd);
  return true;
}

// Programs are freed after an RCU grace period: poll briefly.
bool prog_gone_soon(uint32_t id) {
  for (int i = 0; i < 100; i++) {
    if (!prog_alive(id)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

class Lifecycle : public ::testing::TestWithParam<Mode> {
 protected:
  void SetUp() override {
    net.add_ns("a");
    net.add_ns("b");
    va = net.add_host("a", "va", "10.55.0.1/24", "02:00:00:00:04:01");
    vb = net.add_host("b", "vb", "10.55.0.2/24", "02:00:00:00:04:02");
    vc = net.add_host("b", "vc", "", "", "eth1");  // spare veth
    rt = std::make_unique<Runtime>();
  }
  void TearDown() override { rt.reset(); }
  bool ping() { return net.in("a", "ping -c 1 -W 1 -q 10.55.0.2 >/dev/null") == 0; }
  std::string qdiscs(const std::string &dev) { return sh_out("tc qdisc show dev " + dev + " | grep -c clsact"); }
  std::string xdp_of(const std::string &dev) { return sh_out("ip -d link show dev " + dev + " | grep -c 'prog/xdp'"); }

  TestNet net;
  std::string va, vb, vc;
  std::unique_ptr<Runtime> rt;
};

TEST_P(Lifecycle, DeletingCubesLeavesNothingBehind) {
  auto sb = rt->create<SimpleBridge>("sb1", GetParam());
  auto hw = rt->create<HelloWorld>("hw1", GetParam());
  sb->add_port("p1", va);
  sb->add_port("p2");
  hw->add_port("p0");
  hw->add_port("p1", vb);
  rt->connect("sb1:p2", "hw1:p0");
  hw->set_action(HelloWorld::Action::kForward);
  ASSERT_TRUE(ping());
  ASSERT_TRUE(fs::exists(sb->pin_dir() + "/maps/sb_fdb"));
  if (is_xdp(GetParam())) {
    EXPECT_EQ(xdp_of(va), "1");
  } else {
    EXPECT_EQ(qdiscs(va), "1");
  }
  std::vector<uint32_t> ids;
  for (auto *c : {static_cast<Cube *>(sb.get()), static_cast<Cube *>(hw.get())})
    for (const auto &b : c->blocks()) ids.push_back(b.prog_id);
  std::string sb_dir = sb->pin_dir(), hw_dir = hw->pin_dir();
  sb.reset();
  hw.reset();
  rt->delete_cube("sb1");
  rt->delete_cube("hw1");
  EXPECT_FALSE(fs::exists(sb_dir));
  EXPECT_FALSE(fs::exists(hw_dir));
  EXPECT_TRUE(fs::is_empty(rt->pin_root() + "/cubes"));
  for (uint32_t id : ids) EXPECT_TRUE(prog_gone_soon(id)) << "program " << id << " still loaded";
  for (const auto &dev : {va, vb}) {
    EXPECT_EQ(qdiscs(dev), "0") << dev;
    EXPECT_EQ(xdp_of(dev), "0") << dev;
  }
  EXPECT_TRUE(rt->cubes().empty());
  std::string root = rt->pin_root();
  rt.reset();
  EXPECT_FALSE(fs::exists(root));
}

TEST_P(Lifecycle, BadInputIsRejectedAndChangesNothing) {
  auto hw = rt->create<HelloWorld>("hw1", GetParam());
  hw->add_port("p0", va);
  hw->add_port("p1", vb);
  hw->set_action(HelloWorld::Action::kForward);
  ASSERT_TRUE(ping());
  auto snapshot = [&] {
    std::string s;
    for (const auto &c : rt->cubes())
      for (const auto &p : c->ports()) s += c->name() + ":" + p.name + "=" + p.peer.to_string() + ";";
    for (const auto &b : hw->blocks()) s += std::to_string(b.slot) + "/" + std::to_string(b.prog_id) + ";";
    return s;
  };
  const std::string before = snapshot();

  EXPECT_EQ(error_of([&] { hw->set_peer("p1", "no-such-dev0"); }), "not-found");
  EXPECT_EQ(error_of([&] { rt->create<HelloWorld>("hw1", GetParam()); }), "exists");
  EXPECT_EQ(error_of([&] { rt->create<SimpleBridge>("hw1", GetParam()); }), "exists");  // names are global
  EXPECT_EQ(error_of([&] { rt->create<HelloWorld>("bad name", GetParam()); }), "invalid-value");
  EXPECT_EQ(error_of([&] { rt->create<HelloWorld>("a:b", GetParam()); }), "invalid-value");
  EXPECT_EQ(error_of([&] { hw->add_port("p0"); }), "exists");
  EXPECT_EQ(error_of([&] { hw->add_port("p2"); }), "invalid-value");  // helloworld has two ports
  EXPECT_EQ(error_of([&] { hw->del_port("p0"); }), "in-use");         // carries traffic
  EXPECT_EQ(error_of([&] { hw->del_port("nope"); }), "not-found");
  EXPECT_EQ(error_of([&] { rt->delete_cube("nope"); }), "not-found");
  EXPECT_EQ(error_of([&] { rt->connect("hw1:p0", "hw1:p1"); }), "in-use");
  EXPECT_EQ(error_of([&] { rt->connect("nope:p0", "hw1:p1"); }), "not-found");
  EXPECT_EQ(error_of([&] { hw->remove_block(0); }), "invalid-value");
  EXPECT_EQ(error_of([&] { hw->load_block(0, "no_such_program"); }), "not-found");
  EXPECT_EQ(error_of([&] { hw->load_block(PCN_MAX_BLOCKS, "hw_main"); }), "invalid-value");
  {
    // Peer already in use by another cube's port.
    auto hw2 = rt->create<HelloWorld>("hw2", GetParam());
    EXPECT_EQ(error_of([&] { hw2->add_port("q0", va); }), "in-use");
    EXPECT_TRUE(hw2->ports().empty());  // the failed add left no port
    hw2.reset();
    rt->delete_cube("hw2");
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_TRUE(ping());
}

TEST_P(Lifecycle, VerifierRejectionKeepsThePreviousBlock) {
  auto hw = rt->create<HelloWorld>("hw1", GetParam());
  hw->add_port("p0", va);
  hw->add_port("p1", vb);
  hw->set_action(HelloWorld::Action::kForward);
  ASSERT_TRUE(ping());
  uint32_t id = hw->blocks().at(0).prog_id;

  // A block that reads the packet without a bounds check, built here with
  // the same compiler and headers as the real ones.
  std::string dir = "/tmp/" + net.prefix() + "bad";
  fs::create_directories(dir);
  std::ofstream(dir + "/bad.bpf.c") << "#include <polycube/pcn.bpf.h>\n"
                                       "PCN_BLOCK(bad_block) {\n"
                                       "  unsigned char *p = pcn_data(ctx);\n"
                                       "  return p[100] ? PCN_DROP : PCN_PASS;\n"
                                       "}\n";
  std::string flags = is_xdp(GetParam()) ? "-DPCN_XDP" : "";
  ASSERT_EQ(sh("clang -target bpf -O2 -g -I/usr/include/$(gcc -dumpmachine) -I" PCN_SOURCE_DIR
               "/libpolycube/include " + flags + " -c " + dir + "/bad.bpf.c -o " + dir + "/bad.o"),
            0);
  std::ifstream in(dir + "/bad.o", std::ios::binary);
  std::string elf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove_all(dir);
  EmbeddedObject obj{"bad_block", reinterpret_cast<const unsigned char *>(elf.data()),
                     reinterpret_cast<const unsigned char *>(elf.data()) + elf.size()};
  try {
    hw->load_block(0, "bad_block", &obj);
    FAIL() << "the verifier accepted an unchecked packet read";
  } catch (const Error &e) {
    EXPECT_EQ(e.code(), ErrorCode::kKernel);
    EXPECT_NE(std::string(e.what()).find("invalid access to packet"), std::string::npos) << e.what();
  }
  EXPECT_EQ(hw->blocks().at(0).prog_id, id);
  EXPECT_EQ(hw->blocks().at(0).program, "hw_main");
  EXPECT_TRUE(ping());
}

INSTANTIATE_TEST_SUITE_P(Modes, Lifecycle, ::testing::Values(Mode::kTc, Mode::kXdpSkb),
                         [](const auto &info) { return std::string(to_string(info.param)); });

}  // namespace
